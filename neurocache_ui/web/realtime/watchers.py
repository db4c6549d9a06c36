"""Which browser tabs on this worker watch which channels, in memory only.

Every worker updates only the tabs whose websocket it holds, so an event reaches
each tab once however many workers run; a tab that reconnected elsewhere is
forgotten here the first time an event finds it gone (realtime/relay.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from neurocache_ui.services.auth import CurrentUser


class Watchers:
    """channel id -> client tokens (and back), plus what each tab shows."""

    def __init__(self) -> None:
        self._by_channel: dict[int, set[str]] = defaultdict(set)
        self._by_token: dict[str, set[int]] = defaultdict(set)
        # The channel each tab has open, for events only its viewers need (an
        # agent's reply streaming in).
        self._focus: dict[str, int] = {}
        # Who each tab is and which channel page it shows, set when it joins: a
        # tab whose server state was lost (Redis restarted) is re-joined when the
        # next event for it arrives, before the browser sends anything.
        self._seats: dict[str, tuple[CurrentUser, str]] = {}
        # Whose each tab is: when a user's sessions end, their tabs are told.
        self._users: dict[str, int] = {}

    def watch(self, token: str, channel_ids: set[int], user_id: int) -> None:
        self.drop(token)
        for channel_id in channel_ids:
            self._by_channel[channel_id].add(token)
        self._by_token[token] = set(channel_ids)
        self._users[token] = user_id

    def drop(self, token: str) -> None:
        for channel_id in self._by_token.pop(token, set()):
            tokens = self._by_channel.get(channel_id)
            if tokens is not None:
                tokens.discard(token)
                if not tokens:
                    del self._by_channel[channel_id]

    def hide(self, channel_id: int, members: Collection[int]) -> None:
        """The channel became private: the tabs of anyone not in `members` stop
        watching (and showing) it at once, before their page state hears of it, so
        not one later event of it is queued for them."""
        for token in self.tokens(channel_id):
            if self._users.get(token) not in members:
                self._by_token[token].discard(channel_id)
                self._by_channel[channel_id].discard(token)
                if self._focus.get(token) == channel_id:
                    del self._focus[token]
        if not self._by_channel.get(channel_id, True):
            del self._by_channel[channel_id]

    def focus(self, token: str, channel_id: int) -> None:
        self._focus[token] = channel_id

    def sees(self, token: str, channel_id: int) -> bool:
        """False only when the tab is known to have another channel open."""
        return self._focus.get(token, channel_id) == channel_id

    def seat(self, token: str, user: CurrentUser, slug: str) -> None:
        self._seats[token] = (user, slug)

    def unseat(self, token: str) -> None:
        """The tab left its channel page: nothing to re-join."""
        self._seats.pop(token, None)
        self._focus.pop(token, None)

    def seat_of(self, token: str) -> tuple[CurrentUser, str] | None:
        return self._seats.get(token)

    def forget(self, token: str) -> None:
        self.drop(token)
        self._focus.pop(token, None)
        self._seats.pop(token, None)
        self._users.pop(token, None)

    def tabs_of(self, user_id: int) -> list[str]:
        return [token for token, owner in self._users.items() if owner == user_id]

    def tokens(self, channel_id: int) -> list[str]:
        return list(self._by_channel.get(channel_id, ()))

    def all_tokens(self) -> list[str]:
        return list(self._by_token)


watchers = Watchers()
