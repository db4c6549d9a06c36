"""A Reflex form generated from a pydantic model's fields (domain/formspec.py).

Each control has a `<label for>`, its help text and, when `errors_var[name]` is
set, an error line with role "alert". The controls are uncontrolled: give the
form a `key` that changes whenever `values_var` is replaced, to start it over.
Read a submission back with `formspec.parse_form(Model, form)`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import reflex as rx
from pydantic import BaseModel

from neurocache_ui.domain.formspec import (
    FieldSpec,
    checkbox_name,
    form_fields,
    format_number,
)
from neurocache_ui.web.components.forms import form_alert

FieldChange = Callable[[str, Any], Any]
Suggestions = Mapping[str, rx.Var[list[str]]]
"""Field name -> values a text field suggests (it still takes any text)."""


def field_id(form_id: str, name: str) -> str:
    return f"{form_id}-field-{name}"


def first_invalid(model_cls: type[BaseModel], errors: Mapping[str, str]) -> str | None:
    """The first field of the form (in its order) that has an error; None when no
    field of the form has one (the error is about the whole form)."""
    return next((spec.name for spec in form_fields(model_cls) if errors.get(spec.name)), None)


def focus_field(form_id: str, name: str | None) -> rx.event.EventSpec:
    """Scroll to the field `name` of the form and focus its control, or scroll to the
    form's top (its error message) when `name` is None: after a refused submit the
    person sees what to fix, not the Save button they just pressed. Runs two frames
    later, once the page shows the errors."""
    target = json.dumps(field_id(form_id, name) if name else form_id)
    return rx.call_script(
        "requestAnimationFrame(() => requestAnimationFrame(() => {"
        f"const box = document.getElementById({target}); if (!box) return;"
        "const controls = 'input, textarea, select, button';"
        f"box.scrollIntoView({{block: {json.dumps('center' if name else 'start')}}});"
        "const control = box.matches(controls) ? box : box.querySelector(controls);"
        f"if (control && {json.dumps(bool(name))}) control.focus({{preventScroll: true}});"
        "}))"
    )


def _number_attrs(spec: FieldSpec) -> dict[str, str]:
    attrs = {}
    if spec.min is not None:
        attrs["min"] = format_number(spec.min)
    if spec.max is not None:
        attrs["max"] = format_number(spec.max)
    attrs["step"] = format_number(spec.step) if spec.step else "any"
    return attrs


def _describe(spec: FieldSpec, input_id: str, error: rx.Var[str]) -> dict[str, Any]:
    """ARIA props tying a control to its help text and error line."""
    described = f"{input_id}-error" if not spec.help else f"{input_id}-help {input_id}-error"
    return {
        "aria_describedby": described,
        "aria_invalid": rx.cond(error != "", "true", "false"),
        **({"aria_required": "true"} if spec.required else {}),
    }


def _suggesting(input_id: str, options: rx.Var[list[str]]) -> tuple[dict[str, str], rx.Component]:
    """A native suggestion list for a text input (`<input list>` + `<datalist>`):
    the browser shows it as a combobox, filters it as the person types, and any
    other text is still accepted."""
    list_id = f"{input_id}-options"
    datalist = rx.el.datalist(rx.foreach(options, lambda option: rx.el.option(value=option)), id=list_id)
    return {"list": list_id}, datalist


def _control(
    spec: FieldSpec,
    input_id: str,
    value: rx.Var,
    error: rx.Var[str],
    on_change: FieldChange | None,
    suggestions: rx.Var[list[str]] | None = None,
) -> rx.Component:
    aria = _describe(spec, input_id, error)
    text_value = value.to(str)
    if spec.kind == "textarea":
        return rx.text_area(
            id=input_id, name=spec.name, default_value=text_value, max_length=spec.max_length,
            placeholder=spec.placeholder, rows="8", resize="vertical", width="100%", **aria,
        )
    if spec.kind == "number":
        return rx.input(
            id=input_id, name=spec.name, type="number", default_value=text_value, input_mode="decimal",
            placeholder=spec.placeholder, width="100%", max_width="14em", **_number_attrs(spec), **aria,
        )
    if spec.kind == "slider":
        change = {}
        if on_change is not None:
            name = spec.name
            change["on_change"] = lambda picked: on_change(name, picked)
        return rx.hstack(
            rx.text(format_number(spec.min), size="1", color=rx.color("gray", 11), aria_hidden="true"),
            rx.el.input(
                id=input_id, name=spec.name, type="range", default_value=text_value,
                style={"flex": "1", "accentColor": "var(--accent-9)", "minWidth": "8em"},
                **_number_attrs(spec), **change, **aria,
            ),
            rx.text(format_number(spec.max), size="1", color=rx.color("gray", 11), aria_hidden="true"),
            rx.badge(text_value, variant="soft", size="2", min_width="3.5em", justify_content="center",
                     aria_hidden="true", data_testid=f"{input_id}-value"),
            align="center",
            spacing="3",
            width="100%",
        )
    if spec.kind == "switch":
        return rx.switch(id=input_id, name=spec.name, default_checked=value.to(bool), **aria)
    if spec.kind == "select":
        return rx.select.root(
            rx.select.trigger(id=input_id, placeholder="Choose…", min_width="14em", **aria),
            rx.select.content(*[rx.select.item(choice.label, value=str(choice.value)) for choice in spec.choices]),
            name=spec.name,
            default_value=text_value,
        )
    suggest, datalist = _suggesting(input_id, suggestions) if suggestions is not None else ({}, rx.fragment())
    return rx.fragment(
        rx.input(
            id=input_id, name=spec.name, default_value=text_value, max_length=spec.max_length,
            placeholder=spec.placeholder, auto_complete="off", width="100%", **suggest, **aria,
        ),
        datalist,
    )


def _checkboxes(spec: FieldSpec, input_id: str, value: rx.Var, error: rx.Var[str]) -> rx.Component:
    """A group of checkboxes: a fieldset whose legend is the field's label, each box
    with its own label; native inputs, so keyboard and screen readers need nothing more."""
    checked = value.to(list)
    boxes = [
        rx.el.label(
            rx.el.input(
                type="checkbox", id=f"{input_id}-{index}", name=checkbox_name(spec, choice),
                default_checked=checked.contains(spec.to_input([choice.value])[0]),
                style={"accentColor": "var(--accent-9)", "width": "1.1em", "height": "1.1em"},
            ),
            choice.label,
            html_for=f"{input_id}-{index}",
            style={"display": "flex", "alignItems": "center", "gap": "0.5em", "cursor": "pointer"},
            class_name="text-sm",
        )
        for index, choice in enumerate(spec.choices)
    ]
    described = f"{input_id}-help {input_id}-error" if spec.help else f"{input_id}-error"
    return rx.el.fieldset(
        rx.el.legend(spec.label, class_name="text-sm font-medium", style={"padding": "0", "marginBottom": "0.25em"}),
        rx.flex(*boxes, spacing="4", wrap="wrap"),
        id=input_id,
        aria_describedby=described,
        aria_invalid=rx.cond(error != "", "true", "false"),
        style={"border": "none", "padding": "0", "margin": "0", "minWidth": "0"},
    )


def model_field(
    spec: FieldSpec,
    *,
    form_id: str,
    values_var: rx.Var[dict[str, Any]],
    errors_var: rx.Var[dict[str, str]],
    on_change: FieldChange | None = None,
    suggestions: rx.Var[list[str]] | None = None,
) -> rx.Component:
    """One field: label, control, help text, error line; a text field may suggest values."""
    input_id = field_id(form_id, spec.name)
    error = errors_var.get(spec.name, "").to(str)
    # Not `values_var.get(name, default)`: Reflex's get falls back on any falsy value (a switch that is off).
    value = rx.cond(values_var.contains(spec.name), values_var[spec.name], spec.to_input(spec.default))
    label = rx.el.label(spec.label, html_for=input_id, class_name="text-sm font-medium")
    if spec.kind == "checkboxes":
        label, control = rx.fragment(), _checkboxes(spec, input_id, value, error)
    else:
        control = _control(spec, input_id, value, error, on_change, suggestions)
    help_text = rx.text(spec.help, id=f"{input_id}-help", size="1", color=rx.color("gray", 11)) if spec.help else rx.fragment()
    error_line = rx.cond(error != "", rx.text(error, id=f"{input_id}-error", role="alert", color_scheme="red", size="2"))
    head = rx.hstack(control, label, align="center", spacing="2") if spec.kind == "switch" else rx.fragment(label, control)
    return rx.vstack(head, help_text, error_line, spacing="1", width="100%", align="start", data_field=spec.name)


def model_form(
    model_cls: type[BaseModel],
    *,
    values_var: rx.Var[dict[str, Any]],
    errors_var: rx.Var[dict[str, str]],
    on_submit: Any,
    form_id: str,
    submit_label: str = "Save",
    on_change: FieldChange | None = None,
    key: rx.Var | str | int | None = None,
    form_error: rx.Var[str] | None = None,
    submitting: rx.Var[bool] | bool = False,
    actions: tuple[rx.Component, ...] = (),
    suggestions: Suggestions | None = None,
) -> rx.Component:
    """The whole form for `model_cls`.

    - `values_var`: field name -> initial value (strings, bools for switches), e.g.
      from `formspec.initial_values`;
    - `errors_var`: field name -> message shown next to that field;
    - `on_submit`: receives the submitted strings (see `parse_form`);
    - `on_change(name, value)`: optional, called as a slider moves so the page can
      show its value (store it in `values_var`);
    - `form_error`: a message for the whole form, shown above the fields;
    - `actions`: extra buttons beside the submit button (e.g. Cancel);
    - `suggestions`: field name -> values its text input suggests (still free text).

    After a refused submit, send `focus_field(form_id, first_invalid(model_cls, errors))`."""
    suggestions = suggestions or {}
    fields = [
        model_field(
            spec, form_id=form_id, values_var=values_var, errors_var=errors_var, on_change=on_change,
            suggestions=suggestions.get(spec.name),
        )
        for spec in form_fields(model_cls)
    ]
    return rx.form(
        rx.vstack(
            form_alert(form_error) if form_error is not None else rx.fragment(),
            *fields,
            rx.hstack(
                *actions,
                rx.button(
                    rx.cond(submitting, rx.spinner(size="2"), rx.fragment()), submit_label,
                    type="submit", disabled=submitting, size="3",
                ),
                justify="end",
                spacing="3",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        id=form_id,
        key=key,
        on_submit=on_submit,
        reset_on_submit=False,
        no_validate=True,  # the model validates; the browser must not block the submit first
        width="100%",
        max_width="44em",
    )
