"""An agent's reply written again ("Regenerate", or "Retry" after a failure): its
text so far becomes an earlier version, browsable as "1/2", and the reply streams
again in the same place, so the conversation keeps its order and its thread.
The model call itself is the runner's (services/agent_runs/regenerate.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.messages import MAX_VERSIONS, MessageView, clean_notes, sources_of
from neurocache_ui.services import messaging
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Message
from neurocache_ui.store.repositories import messages as repo

STREAMING = "streaming"
NOT_A_REPLY = "Only an agent's reply can be written again."
STILL_WRITING = "This reply is still being written. Stop it first, or wait for it to finish."


def asked_message(reply: MessageView, reply_to_id: int | None) -> MessageView | None:
    """What `reply` answered: its recorded question if it is still there, else the
    newest person's message before it in the same channel or thread."""
    with database_guard(messaging.UNAVAILABLE_READ), session_scope() as session:
        asked = repo.view(session, reply_to_id) if reply_to_id is not None else None
        if asked is not None and asked.channel_id == reply.channel_id:
            return asked
        return repo.asked_before(session, reply.channel_id, reply.thread_id, reply.id)


def check(message_id: int, *, viewer_id: int) -> tuple[MessageView, int | None]:
    """The reply and what it answered (its id) if `viewer_id` may have it written
    again: a member of its channel, an agent's finished reply. Changes nothing."""
    reply = messaging.get_message(message_id, viewer_id=viewer_id)
    if reply.author_kind != "agent" or reply.agent_id is None:
        raise Invalid(NOT_A_REPLY)
    if reply.status == STREAMING:
        raise Invalid(STILL_WRITING)
    with database_guard(messaging.UNAVAILABLE_READ), session_scope() as session:
        state = repo.reply_state(session, message_id)
    if state is None:
        raise NotFound(messaging.MESSAGE_NOT_FOUND)
    return reply, state.reply_to_id


def restart(message_id: int, agent_version: int | None = None) -> MessageView:
    """Keep the reply's text as its newest earlier version and mark it streaming
    again (empty), written by the agent's `agent_version` now, in one conditional
    UPDATE: two clicks at once restart it once (the second gets STILL_WRITING).
    Viewers get the change."""
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        state = repo.reply_state(session, message_id)
        if state is None or state.agent_id is None:
            raise NotFound(messaging.MESSAGE_NOT_FOUND)
        kept = {
            "content": state.content, "status": state.status, "sources": state.sources, "notes": state.notes,
            "created_at": _iso(state.created_at),
        }
        values = {"versions": [*state.versions, kept][-(MAX_VERSIONS - 1):], "content": "", "status": STREAMING,
                  "sources": [], "notes": [], "agent_version": agent_version}
        view = repo.update(session, message_id, values, Message.status != STREAMING)
    if view is None:
        raise Invalid(STILL_WRITING)
    messaging.published_update(view)
    return view


def version(message_id: int, number: int, *, viewer_id: int) -> MessageView:
    """The reply as it read in version `number` (1 = the first; its count = now),
    for a member of its channel."""
    reply = messaging.get_message(message_id, viewer_id=viewer_id)
    if not 1 <= number <= reply.version_count:
        raise NotFound("That version of the reply does not exist.")
    if number == reply.version_count:
        return reply
    with database_guard(messaging.UNAVAILABLE_READ), session_scope() as session:
        state = repo.reply_state(session, message_id)
    if state is None or number > len(state.versions):
        raise NotFound("That version of the reply does not exist.")
    old = state.versions[number - 1]
    return replace(
        reply, content=str(old.get("content", "")), status=str(old.get("status", "complete")),
        sources=sources_of(old.get("sources") or ()), notes=clean_notes(old.get("notes") or ()),
    )


def _iso(moment: datetime | str) -> str:
    return moment if isinstance(moment, str) else moment.isoformat()
