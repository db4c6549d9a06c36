"""A reply's knowledge citations, opened: the passage a reply was given, for its
agent's owner always, and for the members of its channel only if the owner lets
them (`agent.share_cited_passages`; otherwise they see the document's name)."""

from __future__ import annotations

from dataclasses import dataclass

from neurocache_ui.domain.errors import Forbidden, NotFound
from neurocache_ui.services import messaging
from neurocache_ui.services.knowledge.access import UNAVAILABLE
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import knowledge as repo

PASSAGE_GONE = "That passage is gone: its document was deleted."
PRIVATE = "The agent's owner keeps its passages private; the reply names the document it used."


@dataclass(frozen=True)
class CitedPassage:
    filename: str
    text: str
    agent_slug: str | None
    """Set for the agent's owner, who can open the agent's knowledge."""


def cited_passage(viewer_id: int, message_id: int, chunk_id: int) -> CitedPassage:
    """The passage `chunk_id` that message `message_id` cites, if `viewer_id` may
    read it: a member of the message's channel (else NotFound), and the agent's
    owner or allowed by them (else Forbidden)."""
    message = messaging.get_message(message_id, viewer_id=viewer_id)
    if not any(source.chunk_id == chunk_id for source in message.sources if source.is_knowledge):
        raise NotFound(PASSAGE_GONE)
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = repo.cited(session, chunk_id)
    if found is None:
        raise NotFound(PASSAGE_GONE)
    owner = found.owner_id == viewer_id
    if not owner and not found.share_cited_passages:
        raise Forbidden(PRIVATE)
    return CitedPassage(found.filename, found.content, found.slug if owner else None)
