"""Who may touch an agent's knowledge, and what to say when the database cannot
answer: shared by every part of the knowledge package (documents, indexing,
retrieval, evaluation) without them importing each other."""

from __future__ import annotations

from sqlmodel import Session

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.store.repositories import agents as agent_rows

AGENT_NOT_FOUND = "Agent not found."
UNAVAILABLE = "Knowledge documents are unavailable right now because the database is unreachable. Try again in a moment."


def owned_agent(session: Session, owner_id: int, agent_id: int) -> None:
    """NotFound unless the agent is the owner's."""
    if agent_rows.owned(session, owner_id, agent_id) is None:
        raise NotFound(AGENT_NOT_FOUND)
