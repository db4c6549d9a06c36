"""Who a message @mentions among the people of its channel. One rule for the
stored mentions (badge, Mentions view) and for the live badge in a tab."""

from __future__ import annotations

import re
from collections.abc import Iterable


def names_person(text: str, name: str) -> bool:
    """Whether `text` @mentions `name` (a display name, spaces allowed) as a whole
    word, case-insensitively: "@Ada" names Ada, "@Adam" and "x@Ada" do not."""
    name = name.strip()
    if not name or "@" not in text:
        return False
    return re.search(rf"(?<![\w@])@{re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def mentioned(text: str, people: Iterable[tuple[int, str]], *, author_id: int | None) -> set[int]:
    """The ids of the people (id, name) that `text` @mentions, never its author."""
    if "@" not in text:
        return set()
    return {user_id for user_id, name in people if user_id != author_id and names_person(text, name)}
