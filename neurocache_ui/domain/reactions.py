"""Emoji reactions: which emoji a person may react with, and how a message's
reactions are shown (one group per emoji, in the order it was first used)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from neurocache_ui.domain.emoji_names import EMOJI
from neurocache_ui.domain.errors import Invalid

PICKER = ("👍", "❤️", "😂", "🎉", "👀", "✅")
"""The quick reactions, first in the picker."""
ALLOWED = frozenset(emoji for emoji, _ in EMOJI)
"""What the picker offers and the API accepts: a fixed set of a few hundred, so a
reaction is always one recognisable emoji (no text smuggled under messages)."""


@dataclass(frozen=True, slots=True)
class ReactionGroup:
    """One emoji under a message: who reacted with it, oldest first."""

    emoji: str
    user_ids: tuple[int, ...]
    names: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.user_ids)


def clean_emoji(emoji: str) -> str:
    """The emoji if it is one of ALLOWED (a trailing variation selector is optional)."""
    text = (emoji or "").strip()
    for candidate in (text, text + "\ufe0f", text.removesuffix("\ufe0f")):
        if candidate in ALLOWED:
            return candidate
    raise Invalid(f"Pick a reaction from the hub's emoji, for example {' '.join(PICKER)}.", "emoji")


def grouped(rows: Iterable[tuple[str, int, str]]) -> tuple[ReactionGroup, ...]:
    """(emoji, user id, name) rows, oldest first, as one group per emoji."""
    groups: dict[str, tuple[list[int], list[str]]] = {}
    for emoji, user_id, name in rows:
        ids, names = groups.setdefault(emoji, ([], []))
        ids.append(user_id)
        names.append(name)
    return tuple(ReactionGroup(emoji, tuple(ids), tuple(names)) for emoji, (ids, names) in groups.items())
