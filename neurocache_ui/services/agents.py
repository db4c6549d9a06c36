"""Agents: their settings, as one typed model, and the owner's operations on them.

`AgentSettings` is the single description of what a person can set on an agent:
types, limits, titles and help texts live on its fields. The hub's agent form is
generated from it (`core/formspec.py`, `components/model_form.py`) and the API
validates with it, so a new setting is one new field here (plus its column).

Every function takes the acting user's id and only ever sees that user's agents:
someone else's agent is `NotFound`, exactly like one that does not exist.
A slug is unique per owner; `get_agent` accepts an `int` id or a `str` slug (slugs
are never all digits, so the two cannot be confused).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, delete, select

from neurocache_ui.services import spend
from neurocache_ui.store.db import session_scope
from neurocache_ui.domain.errors import Invalid, NotFound, Unavailable
from neurocache_ui.domain.formspec import error_message, field_errors
from neurocache_ui.store.models import Agent, utcnow
from neurocache_ui.settings import get_settings

NAME_MAX = 60
SLUG_MAX = 40
DESCRIPTION_MAX = 500
INSTRUCTIONS_MAX = 8000
DEFAULT_EMOJI = "🤖"
PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
RESERVED_SLUGS = frozenset({"new"})
"""Slugs that are hub routes (/agents/new), so no agent may use them."""
REPLY_MODES: dict[str, str] = {"mentions": "When @mentioned", "all": "On every message"}
NOT_FOUND = "Agent not found."
COPY_SUFFIX = " copy"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_CREATE_ATTEMPTS = 6


class AgentSettings(BaseModel):
    """What the owner sets on an agent. Field order is the form's order."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", validate_assignment=True)

    name: str = Field(
        title="Name",
        min_length=1,
        max_length=NAME_MAX,
        description="How the agent appears in channels and in your roster.",
    )
    slug: str | None = Field(
        default=None,
        title="Slug",
        min_length=1,
        max_length=SLUG_MAX,
        description="Used to @mention the agent and as the API model agent:<slug>. "
        "Lowercase letters, digits and dashes; leave empty to derive it from the name.",
        json_schema_extra={"placeholder": "derived from the name"},
    )
    emoji: str = Field(
        default=DEFAULT_EMOJI,
        title="Avatar",
        max_length=16,
        description="An emoji shown next to the agent's name.",
    )
    description: str = Field(
        default="",
        title="Description",
        max_length=DESCRIPTION_MAX,
        description="A line or two on what the agent is good at; your teammates see it.",
    )
    instructions: str = Field(
        default="",
        title="Instructions",
        max_length=INSTRUCTIONS_MAX,
        description="The system prompt: who the agent is, what it does and how it answers.",
        json_schema_extra={"widget": "textarea"},
    )
    model: str = Field(
        default_factory=lambda: get_settings().default_model,
        title="Model",
        min_length=1,
        max_length=100,
        description="The model's name at your provider, e.g. gpt-4o-mini or llama3.1.",
    )
    temperature: float = Field(
        default=0.7,
        title="Temperature",
        ge=0,
        le=2,
        multiple_of=0.1,
        description="Lower is focused and repeatable; higher is more varied and creative.",
    )
    max_tokens: int = Field(
        default=1024,
        title="Max tokens",
        ge=1,
        le=8192,
        description="The longest reply the agent may write, in tokens.",
    )
    reply_mode: Literal["mentions", "all"] = Field(
        default="mentions",
        title="Reply mode",
        description="When the agent answers in a channel.",
        json_schema_extra={"choices": REPLY_MODES},
    )
    context_size: int = Field(
        default=20,
        title="Context size",
        ge=1,
        le=100,
        description="How many recent channel messages the agent reads",
    )
    knowledge_enabled: bool = Field(
        default=True,
        title="Use knowledge",
        description="Search the agent's knowledge documents when it answers.",
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
        if not _SLUG.match(value):
            raise ValueError(
                "Slug may use only lowercase letters a-z, digits and single dashes, "
                "and cannot start or end with a dash."
            )
        if value.isdigit():
            raise ValueError("Slug needs at least one letter, so it is never mistaken for an id.")
        if value in RESERVED_SLUGS:
            raise ValueError(f'"{value}" is reserved; pick another slug.')
        return value

    @field_validator("model")
    @classmethod
    def _model_allowed(cls, value: str) -> str:
        """NEUROCACHE_ALLOWED_MODELS, as a field error so the form shows it on `model`
        (core.llm checks again at call time, for agents saved before the list changed)."""
        if not spend.model_allowed(value):
            raise ValueError(spend.model_refused_message(value))
        return value

    @field_validator("emoji", mode="before")
    @classmethod
    def _blank_emoji_is_default(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return DEFAULT_EMOJI
        return value


class AgentPublic(AgentSettings):
    """A stored agent as its owner (the hub, the API) sees it."""

    slug: str = Field(title="Slug", max_length=SLUG_MAX)
    id: int
    created_at: datetime
    updated_at: datetime


SETTING_NAMES: tuple[str, ...] = tuple(AgentSettings.model_fields)


class SettingsInvalid(Invalid):
    """Agent settings that break rules; `field_errors` has one message per field.

    As an `Invalid`, its message and `field` are the first problem's."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors: dict[str, str] = dict(field_errors)
        first_field, first_message = next(iter(self.field_errors.items()), ("", "Settings are not valid."))
        super().__init__(first_message, first_field or None)


# ---------------------------------------------------------------- validation


def _as_mapping(data: Mapping[str, Any] | AgentSettings, *, partial: bool) -> Mapping[str, Any]:
    if isinstance(data, AgentSettings):
        return data.model_dump(include=set(SETTING_NAMES), exclude_unset=partial)
    if isinstance(data, Mapping):
        return data
    raise TypeError(f"agent settings must be a mapping or AgentSettings, not {type(data).__name__}")


def validate_settings(data: Mapping[str, Any] | AgentSettings, partial: bool = False) -> AgentSettings:
    """Validated settings, or `SettingsInvalid` naming every field that is wrong.

    With `partial=True` only the given fields are validated (each with the model's
    own rules) and the result's `model_fields_set` is exactly those fields, so
    `result.model_dump(exclude_unset=True)` is the validated change."""
    values = _as_mapping(data, partial=partial)
    if not partial:
        try:
            return AgentSettings.model_validate(dict(values))
        except ValidationError as error:
            raise SettingsInvalid(field_errors(AgentSettings, error)) from None
    result = AgentSettings.model_construct(_fields_set=set())
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name not in AgentSettings.model_fields:
            problems[name] = error_message(name, {"type": "extra_forbidden"})
            continue
        try:
            setattr(result, name, value)  # validate_assignment: the field's own rules
        except ValidationError as error:
            problems.update(field_errors(AgentSettings, error))
    if problems:
        raise SettingsInvalid(problems)
    return result


def slugify(name: str) -> str:
    """A slug for a name: ASCII lowercase letters, digits and single dashes.

    Accents fold ("Zoé" -> "zoe"); a name with no usable letters becomes "agent";
    an all-digit result gets an "agent-" prefix so it cannot look like an id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_name.lower()).strip("-")[:SLUG_MAX].rstrip("-")
    if not slug:
        return "agent"
    if slug.isdigit():
        slug = f"agent-{slug}"[:SLUG_MAX].rstrip("-")
    return slug


def _with_suffix(base: str, suffix: str) -> str:
    return f"{base[: SLUG_MAX - len(suffix) - 1].rstrip('-')}-{suffix}"


def _taken_message(slug: str) -> str:
    return f'You already have an agent with the slug "{slug}". Pick another one.'


def _owner_slugs(session: Session, owner_id: int, prefix: str, *, except_id: int | None = None) -> set[str]:
    query = select(Agent.slug).where(Agent.owner_id == owner_id, Agent.slug.startswith(prefix))
    if except_id is not None:
        query = query.where(Agent.id != except_id)
    return set(session.exec(query).all())


def _free_slug(session: Session, owner_id: int, base: str, *, random_suffix: bool = False, except_id: int | None = None) -> str:
    """`base` if this owner has no agent with it (and it is not reserved), else the
    lowest free `base-N` (N >= 2). After repeated insert races, a random suffix."""
    if random_suffix:
        return _with_suffix(base, secrets.token_hex(3))
    taken = _owner_slugs(session, owner_id, base[: SLUG_MAX - 4], except_id=except_id) | RESERVED_SLUGS
    if base not in taken:
        return base
    n = 2
    while _with_suffix(base, str(n)) in taken:
        n += 1
    return _with_suffix(base, str(n))


def _slug_taken(session: Session, owner_id: int, slug: str, *, except_id: int | None = None) -> bool:
    query = select(Agent.id).where(Agent.owner_id == owner_id, Agent.slug == slug)
    if except_id is not None:
        query = query.where(Agent.id != except_id)
    return session.exec(query).first() is not None


# ---------------------------------------------------------------- reads


def _public(agent: Agent) -> AgentPublic:
    """Rows were validated on the way in; reading them back does not re-validate."""
    return AgentPublic.model_construct(**{name: getattr(agent, name) for name in AgentPublic.model_fields})


def _owned(session: Session, owner_id: int, key: int | str) -> Agent:
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise NotFound(NOT_FOUND)
    match = Agent.id == key if isinstance(key, int) else Agent.slug == key
    agent = session.exec(select(Agent).where(match, Agent.owner_id == owner_id)).first()
    if agent is None:
        raise NotFound(NOT_FOUND)
    return agent


def get_agent(owner_id: int, agent_id_or_slug: int | str) -> AgentPublic:
    """The owner's agent by id (int) or slug (str); NotFound for anyone else's."""
    with session_scope() as session:
        return _public(_owned(session, owner_id, agent_id_or_slug))


def _search_filter(search: str) -> sa.ColumnElement[bool] | None:
    term = " ".join((search or "").split()).lower()
    if not term:
        return None
    return sa.or_(
        *(sa.func.lower(column).contains(term, autoescape=True) for column in (Agent.name, Agent.slug, Agent.description))
    )


def list_agents(owner_id: int, search: str = "", limit: int = PAGE_SIZE, offset: int = 0) -> list[AgentPublic]:
    """The owner's agents by name; `search` matches name, slug or description,
    case-insensitively (on SQLite only ASCII letters fold case). `limit` is
    capped at MAX_PAGE_SIZE."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    offset = max(0, int(offset))
    query = select(Agent).where(Agent.owner_id == owner_id)
    if (condition := _search_filter(search)) is not None:
        query = query.where(condition)
    query = query.order_by(sa.func.lower(Agent.name), Agent.id).limit(limit).offset(offset)
    with session_scope() as session:
        return [_public(agent) for agent in session.exec(query).all()]


def count_agents(owner_id: int, search: str = "") -> int:
    """How many agents `list_agents` would page through for the same search."""
    query = select(sa.func.count()).select_from(Agent).where(Agent.owner_id == owner_id)
    if (condition := _search_filter(search)) is not None:
        query = query.where(condition)
    with session_scope() as session:
        return int(session.exec(query).one())


# ---------------------------------------------------------------- writes


def create_agent(owner_id: int, data: Mapping[str, Any] | AgentSettings) -> AgentPublic:
    """Create an agent owned by `owner_id`.

    Without a slug, the slug is derived from the name and made free (`scout`,
    `scout-2`, ...); a slug given explicitly that the owner already uses is
    refused on "slug". The unique index settles races: a derived slug is picked
    again, an explicit one is refused."""
    settings = validate_settings(data)
    values = settings.model_dump()
    explicit: str | None = values.pop("slug")
    base = explicit or slugify(settings.name)
    for attempt in range(_CREATE_ATTEMPTS):
        slug = base
        try:
            with session_scope() as session:
                if explicit is not None:
                    if _slug_taken(session, owner_id, explicit):
                        raise SettingsInvalid({"slug": _taken_message(explicit)})
                else:
                    slug = _free_slug(session, owner_id, base, random_suffix=attempt >= 3)
                now = utcnow()
                agent = Agent(owner_id=owner_id, slug=slug, created_at=now, updated_at=now, **values)
                session.add(agent)
                session.flush()
                created = _public(agent)
        except IntegrityError:
            with session_scope() as session:
                if not _slug_taken(session, owner_id, slug):
                    raise  # not a slug race (e.g. the owner's account is gone)
            if explicit is not None:
                raise SettingsInvalid({"slug": _taken_message(explicit)}) from None
            continue
        return created
    raise Unavailable("Could not create the agent right now; please try again.")


def update_agent(owner_id: int, agent_id: int, data: Mapping[str, Any] | AgentSettings) -> AgentPublic:
    """Change some settings; fields not given stay as they are.

    The change is validated field by field, then the whole result once more.
    A slug set to None (or blank) is derived again from the (new) name."""
    changes = validate_settings(data, partial=True).model_dump(exclude_unset=True)
    slug = None
    try:
        with session_scope() as session:
            agent = _owned(session, owner_id, agent_id)
            current = {name: getattr(agent, name) for name in SETTING_NAMES}
            settings = validate_settings({**current, **changes})
            values = settings.model_dump()
            slug = values.pop("slug")
            if slug is None:
                base = slugify(settings.name)
                slug = agent.slug if base == agent.slug else _free_slug(session, owner_id, base, except_id=agent.id)
            elif slug != agent.slug and _slug_taken(session, owner_id, slug, except_id=agent.id):
                raise SettingsInvalid({"slug": _taken_message(slug)})
            for name, value in values.items():
                setattr(agent, name, value)
            agent.slug = slug
            agent.updated_at = utcnow()
            session.add(agent)
            session.flush()
            return _public(agent)
    except IntegrityError:
        # Only the (owner, slug) index can fail here: someone took it meanwhile.
        raise SettingsInvalid({"slug": _taken_message(slug or "")}) from None


def duplicate_agent(owner_id: int, agent_id: int) -> AgentPublic:
    """A copy named "<name> copy", with a free slug derived from that name."""
    source = get_agent(owner_id, agent_id)
    values = source.model_dump(include=set(SETTING_NAMES))
    values["name"] = source.name[: NAME_MAX - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX
    values["slug"] = None
    return create_agent(owner_id, values)


def delete_agent(owner_id: int, agent_id: int) -> None:
    """Delete the owner's agent. Its messages stay (their author becomes unknown);
    its channel memberships go with it (the database cascades)."""
    with session_scope() as session:
        result = session.exec(delete(Agent).where(Agent.id == agent_id, Agent.owner_id == owner_id))
        if not result.rowcount:
            raise NotFound(NOT_FOUND)

