"""What sending a message does to its media (messaging.post_message): in the message's
transaction the sender's unsent files become the message's and join the processor's
queue; after the commit this process's processor (services/media/worker.py) is woken
so it starts at once instead of at its next poll. Apart from the processor because
messaging must not import it (the processor publishes through messaging). Sending
files in an owner's Try it chat with an agent (`send_private`) queues them the same
way, with no message."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra.doorbell import Doorbell
from neurocache_ui.services import agents
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import media as repo

MAX_PER_MESSAGE = 4
UNAVAILABLE = "Video and audio cannot be stored or read right now. Try again in a moment."

GONE = "An attached file is no longer available. Remove it and attach it again."


def _wanted(ids: Sequence[int]) -> list[int]:
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if len(wanted) > MAX_PER_MESSAGE:
        raise Invalid(f"A message can carry at most {MAX_PER_MESSAGE} files (video, audio and others together).", "media")
    return wanted


def link(session: Session, message_id: int, ids: Sequence[int], *, channel_id: int, user_id: int) -> None:
    """The media become the message's. Invalid, undoing the send, if any is not the
    sender's unsent, complete file in this channel."""
    wanted = _wanted(ids)
    if repo.link(session, message_id, wanted, channel_id=channel_id, user_id=user_id) != len(wanted):
        raise Invalid(GONE, "media")
    repo.show_on_message(session, message_id)


def send_private(user_id: int, agent_id: int, ids: Sequence[int]) -> list[int]:
    """Send files in the owner's Try it chat with the agent: queued for the processor,
    which is woken after the commit. The ids sent; Invalid (nothing sent) if any is not
    the owner's unsent, complete file of that chat, NotFound for someone else's agent."""
    wanted = _wanted(ids)
    if not wanted:
        return []
    with database_guard(UNAVAILABLE), session_scope() as session:
        agents.get_agent(user_id, agent_id)
        if repo.link_private(session, wanted, agent_id=agent_id, user_id=user_id) != len(wanted):
            raise Invalid(GONE, "media")
    wake()
    return wanted


bell = Doorbell()
wake = bell.ring
"""New media is queued: this process's processor looks now (any thread)."""


__all__ = ["MAX_PER_MESSAGE", "UNAVAILABLE", "link", "send_private", "bell", "wake"]
