"""Labelled form fields with an error line, so every input has an accessible name."""

from __future__ import annotations

import reflex as rx


def field(
    label: str,
    name: str,
    *,
    form_id: str,
    error: rx.Var[str] | str = "",
    input_type: str = "text",
    placeholder: str = "",
    auto_complete: str = "off",
    required: bool = True,
    max_length: int | None = None,
    default_value: rx.Var[str] | str | None = None,
) -> rx.Component:
    input_id = f"{form_id}-{name}"
    error_id = f"{input_id}-error"
    has_error = rx.Var.create(error) != ""
    return rx.vstack(
        rx.el.label(label, html_for=input_id, class_name="text-sm font-medium"),
        rx.input(
            id=input_id,
            name=name,
            type=input_type,
            placeholder=placeholder,
            auto_complete=auto_complete,
            required=required,
            max_length=max_length,
            **({"default_value": default_value} if default_value is not None else {}),
            size="3",
            width="100%",
            # Tied to its error line only while there is one, so screen readers hear it with the field.
            aria_invalid=rx.cond(has_error, "true", "false"),
            aria_describedby=rx.cond(has_error, error_id, ""),
        ),
        rx.cond(has_error, rx.text(error, id=error_id, role="alert", color_scheme="red", size="2")),
        spacing="1",
        width="100%",
        align="start",
    )


def form_alert(message: rx.Var[str], *, size: str = "2") -> rx.Component:
    """The reason an action failed, announced to screen readers; nothing when empty."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", size=size, role="alert", width="100%"),
    )


def message_box(box_id: str, name: str, *, placeholder: str, label: str, **props: object) -> rx.Component:
    """A chat text box: Enter sends the form, Shift+Enter adds a line."""
    return rx.text_area(
        id=box_id, name=name, placeholder=placeholder, aria_label=label, enter_key_submit=True, rows="2", width="100%", **props
    )


def submit_button(label: str, busy: rx.Var[bool], **props: object) -> rx.Component:
    """Disabled with a spinner while the form's event runs, so a double click sends once;
    and until the page is connected: a form submitted before that would be sent by the
    browser itself, as a GET whose URL carries the fields (a password among them)."""
    return rx.button(rx.cond(busy, rx.spinner(size="2"), rx.fragment()), label, type="submit",
                     disabled=busy | ~rx.State.is_hydrated, **props)


def labelled_upload(upload: rx.Component, label: str) -> rx.Component:
    """`rx.upload` draws a hidden `<input type="file">` with no name of its own (the
    picker is opened by a button); screen readers and axe need one."""
    pending = [upload]
    while pending:
        component = pending.pop()
        if getattr(component, "tag", None) == "input":
            component.custom_attrs["aria-label"] = label
        pending.extend(component.children)
    return upload
