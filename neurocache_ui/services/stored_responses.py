"""Responses API responses the hub keeps (unless the caller says `store: false`), so
`previous_response_id` continues a conversation server-side and GET/DELETE
/responses/{id} work. A response is its owner's alone: anyone else's id, a deleted
one and one never stored are the same NotFound (404). Rows go with their user, agent
or channel (cascade) and after the chat history's retention period (services/retention.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.response_items import RESPONSE_ID_MAX
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.response_models import StoredResponse

NOT_FOUND = "Response not found: it does not exist, was not stored (store: false), was deleted or is not yours."
UNAVAILABLE = "Stored responses cannot be reached right now because the database is unreachable. Try again in a moment."


def _own(session: Any, user_id: int, response_id: str) -> StoredResponse:
    row = session.get(StoredResponse, response_id) if len(response_id) <= RESPONSE_ID_MAX else None
    if row is None or row.user_id != user_id:
        raise NotFound(NOT_FOUND)
    return row


def save(
    user_id: int,
    response_id: str,
    *,
    agent_id: int | None,
    channel_id: int | None,
    conversation: Sequence[Mapping[str, Any]],
    body: Mapping[str, Any],
) -> None:
    """Keep a finished response: its whole conversation (what a continuation starts from) and the object returned."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        session.add(StoredResponse(
            id=response_id, user_id=user_id, agent_id=agent_id, channel_id=channel_id,
            conversation=[dict(m) for m in conversation], body=dict(body), created_at=utcnow(),
        ))  # fmt: skip


def conversation_of(user_id: int, response_id: str) -> list[dict[str, Any]]:
    """The chat turns through `response_id` (input and output), for the next request to go on from."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return [dict(m) for m in _own(session, user_id, response_id).conversation]


def get(user_id: int, response_id: str) -> dict[str, Any]:
    """The response object as it was returned."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return dict(_own(session, user_id, response_id).body)


def delete(user_id: int, response_id: str) -> None:
    """Forget a response; later requests naming it as previous_response_id get 404."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        session.delete(_own(session, user_id, response_id))


__all__ = ["NOT_FOUND", "conversation_of", "delete", "get", "save"]
