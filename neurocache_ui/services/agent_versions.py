"""An agent's versions: every save that changes it (its settings, its MCP servers,
what its knowledge was at the save) is kept as an immutable, numbered version
with its author, so it can be compared, evaluated and restored. Saving records
the version in the save's own transaction (`record`); reads are the owner's only."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.versions import FieldChange, Line, changed_fields, text_diff
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Agent
from neurocache_ui.store.repositories import agents as agent_rows
from neurocache_ui.store.repositories import versions as repo
from neurocache_ui.store.version_models import AgentVersion

AGENT_NOT_FOUND = "Agent not found."
VERSION_NOT_FOUND = "That version of the agent does not exist."
PAGE_MAX = 100


@dataclass(frozen=True)
class VersionView:
    number: int
    created_at: datetime
    author: str
    settings: dict[str, Any]
    knowledge: str


@dataclass(frozen=True)
class Comparison:
    before: VersionView
    after: VersionView
    fields: list[FieldChange]
    instructions: list[Line]


def snapshot(agent: Agent, names: Sequence[str]) -> dict[str, Any]:
    """The settings a version keeps: the named ones as stored, MCP servers without
    their tokens (only whether each has one: a token is a secret, not a setting)."""
    settings: dict[str, Any] = {name: getattr(agent, name) for name in names}
    if "tools" in settings:
        settings["tools"] = list(settings["tools"] or [])
    if "mcp_servers" in settings:
        settings["mcp_servers"] = [
            {**{key: value for key, value in server.items() if key != "token"}, "has_token": bool(server.get("token"))}
            for server in settings["mcp_servers"] or []
        ]
    return settings


def fingerprint(session: Session, agent_id: int) -> str:
    """Which knowledge documents the agent has (and how big), as a short hash."""
    listed = ",".join(f"{document_id}:{size}" for document_id, size in repo.knowledge_files(session, agent_id))
    return hashlib.sha256(listed.encode()).hexdigest()[:16]


def record(session: Session, agent: Agent, author_id: int | None, names: Sequence[str]) -> int | None:
    """After a save in `session`: a new version when the agent's settings or knowledge
    differ from its newest version's; its number, or None when nothing changed."""
    assert agent.id is not None
    settings, knowledge = snapshot(agent, names), fingerprint(session, agent.id)
    latest = repo.latest(session, agent.id)
    if latest is not None and latest.settings == settings and latest.knowledge == knowledge:
        return None
    number = (latest.number if latest is not None else 0) + 1
    session.add(AgentVersion(agent_id=agent.id, number=number, author_id=author_id, settings=settings, knowledge=knowledge))
    agent.version = number
    session.add(agent)
    session.flush()
    return number


def _owned(session: Session, owner_id: int, agent_id: int | str) -> Agent:
    agent = agent_rows.owned(session, owner_id, agent_id)
    if agent is None or agent.id is None:
        raise NotFound(AGENT_NOT_FOUND)
    return agent


def _view(row: AgentVersion, author: str | None) -> VersionView:
    return VersionView(row.number, row.created_at, author or "someone", dict(row.settings), row.knowledge)


def list_versions(owner_id: int, agent_id: int | str, limit: int = 50, offset: int = 0) -> tuple[list[VersionView], bool]:
    """A page of the agent's versions, newest first, and whether older ones follow."""
    limit = max(1, min(int(limit), PAGE_MAX))
    with session_scope() as session:
        agent = _owned(session, owner_id, agent_id)
        assert agent.id is not None
        rows = repo.page(session, agent.id, limit + 1, max(0, int(offset)))
        return [_view(row, author) for row, author in rows[:limit]], len(rows) > limit


def get_version(owner_id: int, agent_id: int | str, number: int) -> VersionView:
    with session_scope() as session:
        agent = _owned(session, owner_id, agent_id)
        assert agent.id is not None
        found = repo.one(session, agent.id, number)
    if found is None:
        raise NotFound(VERSION_NOT_FOUND)
    return _view(*found)


def compare(owner_id: int, agent_id: int | str, before: int, after: int) -> Comparison:
    """Version `after` against version `before`: changed settings and the instructions' line diff."""
    old, new = get_version(owner_id, agent_id, before), get_version(owner_id, agent_id, after)
    return Comparison(
        old, new, changed_fields(old.settings, new.settings),
        text_diff(str(old.settings.get("instructions") or ""), str(new.settings.get("instructions") or "")),
    )
