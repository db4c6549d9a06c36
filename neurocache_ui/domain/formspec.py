"""Forms generated from pydantic models, with no Reflex in it: `form_fields` says
which widget shows each field and with which limits, `parse_form` turns the
browser's strings back into values for the model, and `field_errors` words the
model's refusals as one short message per field. Adding a field to a model
therefore adds it to every form of that model (web/components/model_form.py)."""

from __future__ import annotations

import enum
import math
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import annotated_types as at
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

Kind = Literal["text", "textarea", "number", "slider", "switch", "select", "checkboxes"]
KINDS: tuple[str, ...] = typing.get_args(Kind)
LONG_TEXT = 500
"""A `str` allowing more than this many characters is edited in a textarea."""
MAX_SLIDER_STEPS = 200
"""A bounded number with more steps than this gets a number box, not a slider."""
_TRUE = frozenset({"on", "true", "1", "yes"})


@dataclass(frozen=True)
class Choice:
    value: Any
    label: str


@dataclass(frozen=True)
class FieldSpec:
    """How one model field appears in a form."""

    name: str
    kind: Kind
    label: str
    help: str = ""
    required: bool = True
    """No default: the model refuses the form without it."""
    optional: bool = False
    """The annotation allows None: an empty input means None."""
    default: Any = None
    number_type: type | None = None
    """int or float for number and slider fields."""
    min: float | int | None = None
    max: float | int | None = None
    step: float | int | None = None
    min_length: int | None = None
    max_length: int | None = None
    choices: tuple[Choice, ...] = ()
    placeholder: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def choice_label(self, value: Any) -> str:
        return next((c.label for c in self.choices if c.value == value), str(value))

    def to_input(self, value: Any) -> Any:
        """A Python value as the widget shows it (strings, except a switch's bool)."""
        if self.kind == "switch":
            return bool(value)
        if self.kind == "checkboxes":
            return [_choice_text(item) for item in value or ()]
        if value is None:
            return ""
        if isinstance(value, enum.Enum):
            value = value.value
        if self.kind in ("number", "slider"):
            return format_number(value)
        return str(value)


def format_number(value: float | int) -> str:
    """1.0 -> "1", 0.7 -> "0.7", 1024 -> "1024": how a number reads in a form."""
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{round(value, 10):g}" if abs(value) < 1e15 else repr(value)
    return str(value)


# ---------------------------------------------------------------- specs


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(args) < len(typing.get_args(annotation)):
            return args[0], True
    return annotation, False


def _strip_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """`Annotated[int, Ge(1)]` inside an Optional keeps its metadata: return both."""
    metadata: list[Any] = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation, metadata = args[0], [*metadata, *args[1:]]
    return annotation, metadata


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if isinstance(item, at.Ge):
            found["min"] = item.ge
        elif isinstance(item, at.Gt):
            found["min"], found["min_exclusive"] = item.gt, True
        elif isinstance(item, at.Le):
            found["max"] = item.le
        elif isinstance(item, at.Lt):
            found["max"], found["max_exclusive"] = item.lt, True
        elif isinstance(item, at.MinLen):
            found["min_length"] = item.min_length
        elif isinstance(item, at.MaxLen):
            found["max_length"] = item.max_length
        elif isinstance(item, at.MultipleOf):
            found["step"] = item.multiple_of
        elif isinstance(item, at.Interval):
            found.update(_constraints([at.Ge(item.ge)] if item.ge is not None else []))
            found.update(_constraints([at.Le(item.le)] if item.le is not None else []))
    return found


def _choices(annotation: Any, labels: Mapping[Any, str]) -> tuple[Choice, ...] | None:
    if typing.get_origin(annotation) is Literal:
        values = typing.get_args(annotation)
    elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        values = tuple(annotation)
    else:
        return None

    def label(value: Any) -> str:
        raw = value.value if isinstance(value, enum.Enum) else value
        if value in labels:
            return labels[value]
        if raw in labels:
            return labels[raw]
        if isinstance(value, enum.Enum):
            return value.name.replace("_", " ").capitalize()
        return str(value)

    return tuple(Choice(value=v, label=label(v)) for v in values)


def _label(name: str, info: FieldInfo) -> str:
    return info.title or name.replace("_", " ").capitalize()


def field_spec(name: str, info: FieldInfo) -> FieldSpec:
    """The spec of one pydantic field; TypeError for a type no widget can edit.

    Read from its annotation, constraints, title, description, default and these
    optional `json_schema_extra` keys: `widget` (one of KINDS, to force one),
    `step` (of a number without `multiple_of`), `choices` (`{value: label}` for a
    Literal's or Enum's values), `placeholder` (of a text field). A list of a
    Literal or Enum is a group of checkboxes (any number of the choices)."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    annotation, optional = _unwrap_optional(info.annotation)
    annotation, inner_metadata = _strip_annotated(annotation)
    limits = _constraints([*info.metadata, *inner_metadata])
    default = info.get_default(call_default_factory=True)
    required = default is PydanticUndefined
    widget = extra.get("widget")
    if widget is not None and widget not in KINDS:
        raise TypeError(f"field {name!r}: unknown widget {widget!r}; use one of {', '.join(KINDS)}")
    common: dict[str, Any] = {
        "name": name,
        "label": _label(name, info),
        "help": info.description or "",
        "required": required,
        "optional": optional,
        "default": None if required else default,
        "placeholder": str(extra.get("placeholder", "")),
        "extra": dict(extra),
    }
    choices = _choices(annotation, extra.get("choices", {}))
    if choices is not None:
        return FieldSpec(kind="select", choices=choices, **common)
    items = typing.get_args(annotation) if typing.get_origin(annotation) in (list, tuple, set, frozenset) else ()
    item_choices = _choices(_strip_annotated(items[0])[0], extra.get("choices", {})) if items else None
    if item_choices is not None and items[1:] in ((), (Ellipsis,)):
        return FieldSpec(kind="checkboxes", choices=item_choices, **common)
    if annotation is bool:
        return FieldSpec(kind="switch", **common)
    if annotation in (int, float):
        low, high = limits.get("min"), limits.get("max")
        step = limits.get("step", extra.get("step"))
        if annotation is int:
            step = step or 1
            # An exclusive integer bound is the next whole number in.
            if low is not None and limits.get("min_exclusive"):
                low = math.floor(low) + 1
            if high is not None and limits.get("max_exclusive"):
                high = math.ceil(high) - 1
        kind: Kind = "number"
        if low is not None and high is not None and high > low and (not step or (high - low) / step <= MAX_SLIDER_STEPS):
            kind = "slider"
        if widget in ("number", "slider"):
            kind = widget
        if kind == "slider" and (low is None or high is None):
            raise TypeError(f"field {name!r}: a slider needs both a lower and an upper bound")
        return FieldSpec(kind=kind, number_type=annotation, min=low, max=high, step=step, **common)
    if annotation is str:
        max_length = limits.get("max_length")
        long_text = widget == "textarea" or (widget is None and max_length is not None and max_length > LONG_TEXT)
        return FieldSpec(
            kind="textarea" if long_text else "text",
            min_length=limits.get("min_length"),
            max_length=max_length,
            **common,
        )
    raise TypeError(f"field {name!r}: no form widget for {info.annotation!r}")


def in_form(info: FieldInfo) -> bool:
    """False for `json_schema_extra={"form": False}`: in the model (and API), edited elsewhere."""
    return not (isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("form") is False)


def form_fields(model_cls: type[BaseModel]) -> list[FieldSpec]:
    """One spec per field in a form, in the model's declaration order."""
    return [field_spec(name, info) for name, info in model_cls.model_fields.items() if in_form(info)]


def initial_values(model_cls: type[BaseModel], values: Mapping[str, Any] | BaseModel | None = None) -> dict[str, Any]:
    """What each widget starts with: the given values (a model or a dict) over the
    defaults, as strings (bools for switches). Required fields with no value are ""."""
    if isinstance(values, BaseModel):
        values = values.model_dump()
    values = values or {}
    return {
        spec.name: spec.to_input(values.get(spec.name, spec.default))
        for spec in form_fields(model_cls)
    }


# ---------------------------------------------------------------- parsing
_SWITCH = FieldSpec(name="", kind="switch", label="")


def _number(raw: str, number_type: type | None) -> Any:
    """A number when the text is one; otherwise the text, for the model to refuse."""
    try:
        value = float(raw)
    except ValueError:
        return raw
    if not math.isfinite(value):
        return raw
    if number_type is int:
        return int(value) if value.is_integer() else raw
    return value


def checkbox_name(spec: FieldSpec, choice: Choice) -> str:
    """One checkbox's name: one per choice, as a form read as a dict keeps one value per name."""
    return f"{spec.name}.{_choice_text(choice.value)}"


def _checked(spec: FieldSpec, form: Mapping[str, Any]) -> list[Any]:
    """Checked `name.<value>` boxes, or the list (or one value) given under the name."""
    given = form.get(spec.name)
    if given is None:
        return [c.value for c in spec.choices if parse_value(_SWITCH, form.get(checkbox_name(spec, c)))]
    as_select = replace(spec, kind="select")
    return [parse_value(as_select, text) for text in (given if isinstance(given, list | tuple) else [given])]


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """One submitted value as the Python value the model should validate."""
    if spec.kind == "checkboxes":
        return _checked(spec, {spec.name: raw} if raw is not None else {})
    if spec.kind == "switch":
        if isinstance(raw, list):
            raw = raw[-1] if raw else None
        if isinstance(raw, bool):
            return raw
        return str(raw).strip().lower() in _TRUE if raw is not None else False
    if isinstance(raw, list):  # a slider (or repeated inputs): one value per thumb
        raw = raw[0] if raw else None
    if raw is None:
        return None
    if not isinstance(raw, str):
        return raw
    text = raw if spec.kind == "textarea" else raw.strip()
    if text.strip() == "" and spec.optional:
        return None
    if spec.kind in ("number", "slider"):
        return _number(text, spec.number_type) if text.strip() else ""
    if spec.kind == "select":
        return next((c.value for c in spec.choices if _choice_text(c.value) == text), text)
    return text


def _choice_text(value: Any) -> str:
    return str(value.value if isinstance(value, enum.Enum) else value)


def parse_form(model_cls: type[BaseModel], form: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted form (field name -> string) as the model's Python values.

    Keys that are not fields of the model are dropped (a browser form also submits
    buttons and Reflex adds control ids). A switch that is off is simply missing from
    a submission, so a missing switch is False; any other missing field is left out
    (its default applies, or the model says it is required). Likewise unchecked
    checkboxes are missing: a group's value is the checked ones (`checkbox_name`)."""
    values: dict[str, Any] = {}
    for spec in form_fields(model_cls):
        if spec.kind == "checkboxes":
            values[spec.name] = _checked(spec, form)
            continue
        if spec.name not in form and spec.kind != "switch":
            continue
        values[spec.name] = parse_value(spec, form.get(spec.name))
    return values


# ---------------------------------------------------------------- errors


_BOUNDS: dict[str, tuple[str, str]] = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
    "multiple_of": ("multiple_of", "a multiple of"),
}
"""Pydantic's number-bound error types: (the bound's key in `ctx`, how the rule reads)."""


def _number_text(value: Any) -> str:
    return format_number(value) if isinstance(value, int | float) else str(value)


def error_message(label: str, error: Mapping[str, Any], spec: FieldSpec | None = None) -> str:
    """One pydantic error as a sentence about the field called `label`."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    given = error.get("input")
    blank = given is None or (isinstance(given, str) and given.strip() == "")
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return f"{label} is required."
    if kind == "string_too_short":
        return f"{label} must be at least {ctx['min_length']} characters."
    if kind == "string_too_long":
        have = f" (it has {len(given):,})" if isinstance(given, str) else ""
        return f"{label} must be at most {ctx['max_length']:,} characters{have}."
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"{label} must be {words} {_number_text(ctx[key])}."
    if kind.startswith("int_"):
        return f"{label} is required." if blank else f"{label} must be a whole number."
    if kind.startswith("float_") or kind in ("finite_number",):
        return f"{label} is required." if blank else f"{label} must be a number."
    if kind.startswith("bool_"):
        return f"{label} must be on or off."
    if kind in ("literal_error", "enum"):
        if blank:
            return f"{label} is required."
        options = ", ".join(c.label for c in spec.choices) if spec and spec.choices else ctx.get("expected", "")
        return f"{label} must be one of: {options}."
    if kind == "string_type":
        return f"{label} must be text."
    if kind == "string_pattern_mismatch":
        return f"{label} is not in the expected format."
    if kind == "extra_forbidden":
        return f"{label} is not a setting that can be changed."
    if kind in ("value_error", "assertion_error") and "error" in ctx:
        return str(ctx["error"])
    return f"{label}: {error.get('msg', 'invalid value')}."


def field_errors(model_cls: type[BaseModel], error: ValidationError) -> dict[str, str]:
    """Field name -> one message (the first) for each field the model refused.

    Errors not tied to a field (a model-level validator) are under "" ."""
    specs = {}
    for name, info in model_cls.model_fields.items():
        try:
            specs[name] = field_spec(name, info)
        except TypeError:
            continue
    messages: dict[str, str] = {}
    for item in error.errors(include_url=False):
        loc = item.get("loc") or ()
        name = str(loc[0]) if loc else ""
        if name in messages:
            continue
        spec = specs.get(name)
        info = model_cls.model_fields.get(name)
        label = spec.label if spec else (_label(name, info) if info else name or "Settings")
        messages[name] = error_message(label, item, spec)
    return messages
