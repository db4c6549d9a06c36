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
    """Mark the user online in the channel and in the hub (call every ~20 s). Returns the channel's roster when it
    differs from `shown`, the names the caller's page lists, after telling every
    viewer; None when it does not, so an unchanged roster costs no event."""
    rosters.heartbeat(channel_id, user_id, name)
    rosters.heartbeat(rosters.HUB, user_id, name)  # "in the hub": the dots of DMs with them
    names = rosters.online(channel_id)
    if names == list(shown):
        return None
    bus.publish(channel_id, PresenceChanged(names=names))
    return names


def typing(channel_id: int, user_id: int, name: str, thread_id: int = 0) -> None:
    """The user is typing in the channel (or in thread `thread_id`); repeat every few
    seconds while they are. Viewers show the name until their message arrives or
    a few seconds pass without another notice: no roster to keep or re-read."""
    bus.publish(channel_id, TypingChanged(user_id=user_id, name=" ".join(name.split()), thread_id=thread_id))
