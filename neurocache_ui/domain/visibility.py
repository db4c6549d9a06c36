"""Who may find a channel: "open" (every account of the deployment may find it in
Browse channels, read its history and join) or "private" (members only, invisible
to everyone else). Existing and new channels are private unless made open."""

from __future__ import annotations

from typing import Literal

from neurocache_ui.domain.errors import Invalid

Visibility = Literal["open", "private"]
OPEN: Visibility = "open"
PRIVATE: Visibility = "private"
CHOICES: tuple[Visibility, ...] = (OPEN, PRIVATE)
EXPLAINED: dict[str, str] = {
    OPEN: "Anyone in the workspace can find it in Browse channels, read it and join.",
    PRIVATE: "Only people who are invited can find it or read it.",
}


def clean(value: str | None) -> Visibility:
    """The visibility named by `value`; None or empty means private (the default)."""
    value = (value or PRIVATE).strip().lower()
    if value == OPEN:
        return OPEN
    if value == PRIVATE:
        return PRIVATE
    raise Invalid('Visibility must be "open" or "private".', "visibility")
