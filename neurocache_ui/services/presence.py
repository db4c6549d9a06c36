"""Who has a channel open and who is typing in it, told to everyone viewing it.

Thin over infra.presence (the rosters) and the bus (the news). Presence is
decoration: nothing here raises when Redis is down. Callers check membership
first; these functions take the user as given."""

from __future__ import annotations

from collections.abc import Sequence

from neurocache_ui.domain.events import PresenceChanged, TypingChanged
from neurocache_ui.infra import bus
from neurocache_ui.infra import presence as rosters


def announce(channel_id: int, user_id: int, name: str, *, shown: Sequence[str]) -> list[str] | None:
    """Mark the user online (call every ~20 s). Returns the channel's roster when it
    differs from `shown`, the names the caller's page lists, after telling every
    viewer; None when it does not, so an unchanged roster costs no event."""
    rosters.heartbeat(channel_id, user_id, name)
    names = rosters.online(channel_id)
    if names == list(shown):
        return None
    bus.publish(channel_id, PresenceChanged(names=names))
    return names


def typing(channel_id: int, user_id: int, name: str) -> None:
    """The user is typing (repeat every few seconds while they are); viewers re-read
    who is typing."""
    rosters.set_typing(channel_id, user_id, name)
    bus.publish(channel_id, TypingChanged())


def stop_typing(channel_id: int, user_id: int) -> None:
    """The user sent their message. No event: viewers re-read who is typing when
    the message itself arrives."""
    rosters.stop_typing(channel_id, user_id)


def typing_names(channel_id: int, viewer_id: int) -> list[str]:
    """Who is typing, sorted, without the viewer."""
    return rosters.typing(channel_id, exclude_user_id=viewer_id)
