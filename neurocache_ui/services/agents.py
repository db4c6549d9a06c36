"""Agents: the owner's operations on them, and their settings model with the
hub's configuration (default model, allowed models) added to the domain's rules.

Every function takes the acting user's id and only ever sees that user's agents:
someone else's agent is NotFound, exactly like one that does not exist."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import Field, field_serializer, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurocache_ui.domain import agent_settings, limits, slugs
from neurocache_ui.domain.agent_settings import (
    REPLY_MODES,
    RESERVED_SLUGS,
    AgentSettingsBase,
    McpServer,
    McpServerPublic,
    SettingsInvalid,
    keep_tokens,
    model_field,
)
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.slugs import SlugTaken
from neurocache_ui.services import agent_versions, spend
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Agent, utcnow
from neurocache_ui.store.repositories import agents as repo
from neurocache_ui.store.slug_claim import insert_with_free_slug

PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
NOT_FOUND = "Agent not found."
COPY_SUFFIX = " copy"


class AgentSettings(AgentSettingsBase):
    """What the owner sets on an agent. Field order is the form's order."""

    model: str = model_field(default_factory=lambda: get_settings().default_model)

    @field_validator("model")
    @classmethod
    def _model_allowed(cls, value: str) -> str:
        """NEUROCACHE_ALLOWED_MODELS, as a field error so the form shows it on `model`
        (checked again at call time, for agents saved before the list changed)."""
        if not spend.model_allowed(value):
            raise ValueError(spend.model_refused_message(value))
        return value


class AgentPublic(AgentSettings):
    """A stored agent as its owner (the hub, the API) sees it."""

    slug: str = Field(title="Slug", max_length=limits.AGENT_SLUG_MAX)
    id: int
    version: int = Field(default=0, description="The number of its newest version (GET …/versions).")
    arena_rating: float = Field(default=1000.0, description="Its Elo rating from channel arenas (starts at 1000).")
    arena_games: int = Field(default=0, description="How many arena matches it has played.")
    created_at: datetime
    updated_at: datetime
    owner_id: int = Field(default=0, exclude=True)
    """Whose agent it is, for the rules that depend on who asks (never serialized: a
    reader is always its owner)."""

    @field_serializer("mcp_servers", when_used="json")
    def _without_tokens(self, servers: list[McpServer]) -> list[McpServerPublic]:
        """What leaves the hub as JSON (the API) says whether a server has a token, never which."""
        return [McpServerPublic.of(McpServer.model_validate(server)) for server in servers]


SETTING_NAMES: tuple[str, ...] = tuple(AgentSettings.model_fields)


def validate_settings(data: Mapping[str, Any] | AgentSettings, partial: bool = False) -> AgentSettings:
    """Validated settings, or SettingsInvalid naming every field that is wrong; with
    `partial=True`, `result.model_dump(exclude_unset=True)` is the validated change."""
    return agent_settings.validate(AgentSettings, data, partial=partial)


def slugify(name: str) -> str:
    """An agent's slug for its name; "agent" when the name has no usable letters."""
    return slugs.slugify(name, fallback="agent", max_length=limits.AGENT_SLUG_MAX)


def _taken(slug: str) -> SettingsInvalid:
    return SettingsInvalid({"slug": f'You already have an agent with the slug "{slug}". Pick another one.'})


# ---------------------------------------------------------------- reads


def _public(agent: Agent) -> AgentPublic:
    """Rows were validated on the way in; reading them back does not re-validate."""
    values = {name: getattr(agent, name) for name in AgentPublic.model_fields}
    values["tools"] = list(agent.tools or [])
    values["mcp_servers"] = [McpServer.model_construct(**server) for server in agent.mcp_servers or []]
    return AgentPublic.model_construct(**values)


def _owned(session: Session, owner_id: int, key: int | str) -> Agent:
    agent = repo.owned(session, owner_id, key)
    if agent is None:
        raise NotFound(NOT_FOUND)
    return agent


def get_agent(owner_id: int, agent_id_or_slug: int | str) -> AgentPublic:
    """The owner's agent by id (int) or slug (str); NotFound for anyone else's."""
    with session_scope() as session:
        return _public(_owned(session, owner_id, agent_id_or_slug))


def list_agents(owner_id: int, search: str = "", limit: int = PAGE_SIZE, offset: int = 0) -> list[AgentPublic]:
    """The owner's agents by name; `search` matches name, slug or description.
    `limit` is capped at MAX_PAGE_SIZE."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    with session_scope() as session:
        return [_public(agent) for agent in repo.page(session, owner_id, search, limit, max(0, int(offset)))]


def count_agents(owner_id: int, search: str = "") -> int:
    """How many agents `list_agents` would page through for the same search."""
    with session_scope() as session:
        return repo.count(session, owner_id, search)


# ---------------------------------------------------------------- writes


def create_agent(owner_id: int, data: Mapping[str, Any] | AgentSettings) -> AgentPublic:
    """Create an agent owned by `owner_id`.

    Without a slug, the slug is derived from the name and made free (`scout`,
    `scout-2`, ...); a slug given explicitly that the owner already uses is
    refused on "slug", also when another request takes it at the same moment."""
    settings = validate_settings(data)
    values = settings.model_dump()
    explicit: str | None = values.pop("slug")

    def insert(session: Session, slug: str) -> AgentPublic:
        now = utcnow()
        agent = Agent(owner_id=owner_id, slug=slug, created_at=now, updated_at=now, **values)
        session.add(agent)
        session.flush()
        agent_versions.record(session, agent, owner_id, SETTING_NAMES)  # version 1
        return _public(agent)

    try:
        return insert_with_free_slug(
            explicit or slugify(settings.name),
            max_length=limits.AGENT_SLUG_MAX,
            taken=lambda session, prefix: repo.slugs_starting(session, owner_id, prefix),
            insert=insert,
            busy="Could not create the agent right now; please try again.",
            fixed=explicit is not None,
            reserved=RESERVED_SLUGS,
        )
    except SlugTaken as error:
        raise _taken(error.slug) from None


def _derived_slug(session: Session, agent: Agent, name: str) -> str:
    """The agent's slug for a (new) name: its own if that already derives from
    the name, else the first free one among the owner's other agents."""
    base = slugify(name)
    if base == agent.slug:
        return base
    prefix = slugs.taken_prefix(base, limits.AGENT_SLUG_MAX)
    taken = repo.slugs_starting(session, agent.owner_id, prefix, except_id=agent.id)
    return slugs.candidate(base, taken | RESERVED_SLUGS, attempt=0, max_length=limits.AGENT_SLUG_MAX)


def update_agent(owner_id: int, agent_id: int | str, data: Mapping[str, Any] | AgentSettings) -> AgentPublic:
    """Change some settings of the agent (by id or slug); fields not given stay as they are.

    The change is validated field by field, then the whole result once more.
    A slug set to None (or blank) is derived again from the (new) name."""
    slug = None
    try:
        with session_scope() as session:
            agent = _owned(session, owner_id, agent_id)
            checked = validate_settings(data, partial=True)
            changes = checked.model_dump(exclude_unset=True)
            if "mcp_servers" in changes:
                old = [McpServer.model_validate(server) for server in agent.mcp_servers or []]
                changes["mcp_servers"] = [s.model_dump() for s in keep_tokens(checked.mcp_servers, old)]
            settings = validate_settings({**{name: getattr(agent, name) for name in SETTING_NAMES}, **changes})
            values = settings.model_dump()
            slug = values.pop("slug")
            if slug is None:
                slug = _derived_slug(session, agent, settings.name)
            elif slug != agent.slug and slug in repo.slugs_starting(session, owner_id, slug, except_id=agent.id):
                raise _taken(slug)
            for name, value in values.items():
                setattr(agent, name, value)
            agent.slug = slug
            agent.updated_at = utcnow()
            session.add(agent)
            session.flush()
            agent_versions.record(session, agent, owner_id, SETTING_NAMES)
            return _public(agent)
    except IntegrityError:
        # Only the (owner, slug) index can fail here: someone took it meanwhile.
        raise _taken(slug or "") from None


def restore_version(owner_id: int, agent_id: int | str, number: int) -> AgentPublic:
    """Save version `number`'s settings again: a new version (history is never
    rewritten). MCP servers come back with the tokens still stored for their URLs."""
    old = agent_versions.get_version(owner_id, agent_id, number)
    settings = {name: value for name, value in old.settings.items() if name in SETTING_NAMES}
    if "mcp_servers" in settings:
        settings["mcp_servers"] = [{k: v for k, v in server.items() if k != "has_token"} for server in settings["mcp_servers"]]
    return update_agent(owner_id, agent_id, settings)


def duplicate_agent(owner_id: int, agent_id: int) -> AgentPublic:
    """A copy named "<name> copy", with a free slug derived from that name."""
    source = get_agent(owner_id, agent_id)
    values = source.model_dump(include=set(SETTING_NAMES))
    values["name"] = source.name[: limits.AGENT_NAME_MAX - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX
    values["slug"] = None
    return create_agent(owner_id, values)


def delete_agent(owner_id: int, agent_id: int | str) -> None:
    """Delete the owner's agent (by id or slug). Its messages stay (their author becomes unknown);
    its channel memberships go with it (the database cascades)."""
    with session_scope() as session:
        if not repo.delete_owned(session, owner_id, agent_id):
            raise NotFound(NOT_FOUND)


__all__ = [
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "REPLY_MODES",
    "SETTING_NAMES",
    "AgentPublic",
    "AgentSettings",
    "SettingsInvalid",
    "count_agents",
    "create_agent",
    "delete_agent",
    "duplicate_agent",
    "get_agent",
    "list_agents",
    "restore_version",
    "slugify",
    "update_agent",
    "validate_settings",
]
