"""What a person says about themselves: a title ("Product designer") and a status
(an emoji and a few words, "In a meeting", until a chosen time). Pure rules: the
limits, what each "until" choice means, and whether a status still shows. Expired
statuses are not deleted: every reader asks `shown_status`, so nothing has to run
when one expires."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from neurocache_ui.domain.errors import Invalid

TITLE_MAX = 80
STATUS_TEXT_MAX = 100
STATUS_EMOJI_MAX = 16
"""Characters: one emoji may be several code points (skin tones, joiners, flags)."""
AVATAR_LARGE = 128
"""The card's and the account page's avatar, in pixels (square)."""
AVATAR_SMALL = 32
"""The message rows' avatar."""
AVATAR_SIZES = (AVATAR_LARGE, AVATAR_SMALL)
AVATAR_MAX_BYTES = 5 * 1024 * 1024
UNTIL_CHOICES: dict[str, str] = {"30m": "30 minutes", "1h": "1 hour", "today": "Today", "never": "Don't clear"}
"""How long a status lasts: the form's choices and the API's `until` values."""
_OFFSET_MAX = 14 * 60  # minutes: the widest UTC offset in use


@dataclass(frozen=True)
class Status:
    emoji: str
    text: str
    until: datetime | None
    """UTC; None: until the person clears it."""


def clean_title(title: str) -> str:
    """The title as kept (spaces collapsed); Invalid when too long."""
    cleaned = " ".join(title.split())
    if len(cleaned) > TITLE_MAX:
        raise Invalid(f"A title may have at most {TITLE_MAX} characters.", "title")
    return cleaned


def clean_status(emoji: str, text: str) -> tuple[str, str]:
    """(emoji, text) as kept; Invalid when too long or when an emoji comes without words."""
    emoji, text = "".join(emoji.split()), " ".join(text.split())
    if len(emoji) > STATUS_EMOJI_MAX:
        raise Invalid("Pick one emoji for the status.", "status_emoji")
    if len(text) > STATUS_TEXT_MAX:
        raise Invalid(f"A status may have at most {STATUS_TEXT_MAX} characters.", "status_text")
    if emoji and not text:
        raise Invalid("Say what the status is, e.g. \u201cIn a meeting\u201d.", "status_text")
    return emoji, text


def status_until(choice: str, now: datetime, utc_offset_minutes: int = 0) -> datetime | None:
    """When a status set at `now` (UTC) with `choice` ends: "today" is the end of the
    person's own day, which their UTC offset (east positive) decides."""
    if choice == "30m":
        return now + timedelta(minutes=30)
    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "today":
        if abs(utc_offset_minutes) > _OFFSET_MAX:
            raise Invalid("That time zone offset does not exist.", "until")
        local = now.astimezone(timezone(timedelta(minutes=utc_offset_minutes)))
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight.astimezone(timezone.utc)
    if choice == "never":
        return None
    raise Invalid(f"Choose how long the status lasts: {', '.join(UNTIL_CHOICES)}.", "until")


def shown_status(status: Status, now: datetime) -> Status | None:
    """The status others see at `now` (UTC), or None: none set, or it expired."""
    if not status.text:
        return None
    if status.until is not None and status.until <= now:
        return None
    return status

