"""What a channel's name, description and goal may be, and its slug for a name:
pure rules shared by creating and renaming (services/channels.py) and the tests."""

from __future__ import annotations

from neurocache_ui.domain import limits, slugs
from neurocache_ui.domain.errors import Invalid


def clean_name(name: str) -> str:
    """Whitespace runs collapse to one space so "a  b" and "a b" look and sort alike."""
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Channel name is required.", "name")
    if len(name) > limits.CHANNEL_NAME_MAX:
        raise Invalid(f"Channel name must be at most {limits.CHANNEL_NAME_MAX} characters.", "name")
    return name


def clean_text(value: str, *, field: str, label: str, maximum: int) -> str:
    value = (value or "").strip()
    if len(value) > maximum:
        raise Invalid(f"{label} must be at most {maximum} characters (it has {len(value)}).", field)
    return value


def slugify(name: str) -> str:
    """A channel's slug for its name; "channel" when the name has no usable letters."""
    return slugs.slugify(name, fallback="channel", max_length=limits.CHANNEL_SLUG_MAX)
