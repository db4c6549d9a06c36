"""What sending a message does to its media (messaging.post_message): in the message's
transaction the sender's unsent files become the message's and join the processor's
queue; after the commit this process's processor (services/media/worker.py) is woken
so it starts at once instead of at its next poll. Apart from the processor because
messaging must not import it (the processor publishes through messaging)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra.doorbell import Doorbell
from neurocache_ui.store.repositories import media as repo

MAX_PER_MESSAGE = 4
UNAVAILABLE = "Video and audio cannot be stored or read right now. Try again in a moment."

def link(session: Session, message_id: int, ids: Sequence[int], *, channel_id: int, user_id: int) -> None:
    """The media become the message's. Invalid, undoing the send, if any is not the
    sender's unsent, complete file in this channel."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if len(wanted) > MAX_PER_MESSAGE:
        raise Invalid(f"A message can carry at most {MAX_PER_MESSAGE} video or audio files.", "media")
    if repo.link(session, message_id, wanted, channel_id=channel_id, user_id=user_id) != len(wanted):
        raise Invalid("An attached video or audio file is no longer available. Remove it and attach it again.", "media")
    repo.show_on_message(session, message_id)


bell = Doorbell()
wake = bell.ring
"""New media is queued: this process's processor looks now (any thread)."""


__all__ = ["MAX_PER_MESSAGE", "UNAVAILABLE", "link", "bell", "wake"]
