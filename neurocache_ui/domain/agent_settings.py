"""What a person can set on an agent, as one typed model: types, limits, titles
and help texts live on its fields, and the hub's form is generated from it
(formspec). The hub's configuration (default and allowed models) is added by
services/agents.py, since the domain does not read settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from neurocache_ui.domain import limits, slugs
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.formspec import error_message, field_errors

DEFAULT_EMOJI = "🤖"
RESERVED_SLUGS = frozenset({"new"})
"""Slugs that are hub routes (/agents/new), so no agent may use them."""
REPLY_MODES: dict[str, str] = {"mentions": "When @mentioned", "all": "On every message"}

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)


def model_field(**default: Any) -> Any:
    """The `model` field; its default comes from the hub's configuration."""
    return Field(
        **default,
        title="Model",
        min_length=1,
        max_length=limits.MODEL_NAME_MAX,
        description="The model's name at your provider, e.g. gpt-4o-mini or llama3.1.",
    )


class AgentSettingsBase(BaseModel):
    """The settings and their rules. Field order is the form's order."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", validate_assignment=True)

    name: str = Field(
        title="Name",
        min_length=1,
        max_length=limits.AGENT_NAME_MAX,
        description="How the agent appears in channels and in your roster.",
    )
    slug: str | None = Field(
        default=None,
        title="Slug",
        min_length=1,
        max_length=limits.AGENT_SLUG_MAX,
        description="Used to @mention the agent and as the API model agent:<slug>. "
        "Lowercase letters, digits and dashes; leave empty to derive it from the name.",
        json_schema_extra={"placeholder": "derived from the name"},
    )
    emoji: str = Field(
        default=DEFAULT_EMOJI,
        title="Avatar",
        max_length=limits.AGENT_EMOJI_MAX,
        description="An emoji shown next to the agent's name.",
    )
    description: str = Field(
        default="",
        title="Description",
        max_length=limits.AGENT_DESCRIPTION_MAX,
        description="A line or two on what the agent is good at; your teammates see it.",
    )
    instructions: str = Field(
        default="",
        title="Instructions",
        max_length=limits.AGENT_INSTRUCTIONS_MAX,
        description="The system prompt: who the agent is, what it does and how it answers.",
        json_schema_extra={"widget": "textarea"},
    )
    model: str = model_field()
    temperature: float = Field(
        default=0.7, title="Temperature", ge=0, le=2, multiple_of=0.1,
        description="Lower is focused and repeatable; higher is more varied and creative.",
    )
    max_tokens: int = Field(
        default=1024, title="Max tokens", ge=1, le=8192, description="The longest reply the agent may write, in tokens."
    )
    reply_mode: Literal["mentions", "all"] = Field(
        default="mentions",
        title="Reply mode",
        description="When the agent answers in a channel.",
        json_schema_extra={"choices": REPLY_MODES},
    )
    context_size: int = Field(
        default=20, title="Context size", ge=1, le=100, description="How many recent channel messages the agent reads"
    )
    knowledge_enabled: bool = Field(
        default=True, title="Use knowledge", description="Search the agent's knowledge documents when it answers."
    )

    @field_validator("name")
    @classmethod
    def _single_spaces(cls, value: str) -> str:
        """Whitespace runs become one space, so "a  b" and "a b" look and sort alike."""
        return " ".join(value.split())

    @field_validator("slug", mode="before")
    @classmethod
    def _blank_slug_is_derived(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return value or None
        return value

    @field_validator("slug")
    @classmethod
    def _slug_rules(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not slugs.PATTERN.match(value):
            raise ValueError(
                "Slug may use only lowercase letters a-z, digits and single dashes, "
                "and cannot start or end with a dash."
            )
        if value.isdigit():
            raise ValueError("Slug needs at least one letter, so it is never mistaken for an id.")
        if value in RESERVED_SLUGS:
            raise ValueError(f'"{value}" is reserved; pick another slug.')
        return value

    @field_validator("emoji", mode="before")
    @classmethod
    def _blank_emoji_is_default(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return DEFAULT_EMOJI
        return value


class SettingsInvalid(Invalid):
    """Agent settings that break rules; `field_errors` has one message per field.

    As an `Invalid`, its message and `field` are the first problem's."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors: dict[str, str] = dict(field_errors)
        first_field, first_message = next(iter(self.field_errors.items()), ("", "Settings are not valid."))
        super().__init__(first_message, first_field or None)


def validate(model_cls: type[SettingsModel], data: Mapping[str, Any] | BaseModel, *, partial: bool) -> SettingsModel:
    """Validated settings, or SettingsInvalid naming every field that is wrong.

    With `partial` only the given fields are validated (each with its own rules)
    and the result's `model_fields_set` is exactly those fields."""
    if isinstance(data, model_cls):
        values: Mapping[str, Any] = data.model_dump(include=set(model_cls.model_fields), exclude_unset=partial)
    elif isinstance(data, Mapping):
        values = data
    else:
        raise TypeError(f"agent settings must be a mapping or a settings model, not {type(data).__name__}")
    if not partial:
        try:
            return model_cls.model_validate(dict(values))
        except ValidationError as error:
            raise SettingsInvalid(field_errors(model_cls, error)) from None
    result = model_cls.model_construct(_fields_set=set())
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name not in model_cls.model_fields:
            problems[name] = error_message(name, {"type": "extra_forbidden"})
            continue
        try:
            setattr(result, name, value)  # validate_assignment: the field's own rules
        except ValidationError as error:
            problems.update(field_errors(model_cls, error))
    if problems:
        raise SettingsInvalid(problems)
    return result
