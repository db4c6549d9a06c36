"""Who is told about a message, and how the tab says so: one rule for the browser
notification (web/state/live_events.py), the e-mail digest (services/notify_email.py)
and the tab title, so a muted channel is quiet everywhere at once. Pure: the callers
bring the membership's settings, the person's quiet hours and the time."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from neurocache_ui.domain.errors import Invalid

ALL, MENTIONS, NOTHING = "all", "mentions", "nothing"
LEVELS = (ALL, MENTIONS, NOTHING)
LEVEL_LABELS = {ALL: "All new messages", MENTIONS: "Mentions and replies", NOTHING: "Nothing"}
EMAIL_DELAY_MIN, EMAIL_DELAY_MAX = 1, 24 * 60
TIMEZONE_MAX = 64
PRODUCT = "Neurocache"


def default_level(kind: str) -> str:
    """A DM is a conversation with you, so every message in it notifies; in a channel
    only what names you (a mention, a reply in your thread) does, or a busy channel
    would make notifications noise and people would turn them all off."""
    return ALL if kind == "dm" else MENTIONS


def level_of(stored: str | None, kind: str) -> str:
    """The membership's level: its own choice, else the default for its kind."""
    return stored if stored in LEVELS else default_level(kind)


def check_level(value: object) -> str:
    if value not in LEVELS:
        raise Invalid("Notify must be one of: all, mentions, nothing.", "notify")
    return str(value)


@dataclass(frozen=True)
class QuietHours:
    """Local times between which nothing notifies (start after end: over midnight);
    None when the person set none."""

    start: time
    end: time
    timezone: str = "UTC"

    def covers(self, moment: datetime) -> bool:
        """Whether the aware `moment` falls in the quiet hours, in the person's zone."""
        local = moment.astimezone(ZoneInfo(self.timezone)).time().replace(second=0, microsecond=0)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(value: str, field: str) -> time | None:
    """"22:00" → 22:00; "" → None (not set); anything else a clear refusal."""
    value = (value or "").strip()
    if not value:
        return None
    match = _HHMM.match(value)
    if match is None:
        raise Invalid("Enter a time as HH:MM, for example 22:00.", field)
    return time(int(match[1]), int(match[2]))


def check_timezone(value: str) -> str:
    """An IANA time zone name ("Europe/Berlin", "UTC")."""
    value = (value or "").strip() or "UTC"
    if len(value) > TIMEZONE_MAX or value not in _zones():
        raise Invalid("Enter a time zone such as UTC or Europe/Berlin.", "timezone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise Invalid("Enter a time zone such as UTC or Europe/Berlin.", "timezone") from error
    return value


def _zones() -> set[str]:
    global _ZONES
    if not _ZONES:
        _ZONES = available_timezones() | {"UTC"}
    return _ZONES


_ZONES: set[str] = set()


def quiet_hours(start: str, end: str, timezone: str) -> QuietHours | None:
    """Both times or neither: half a range is refused, not guessed."""
    begins, ends = parse_time(start, "quiet_start"), parse_time(end, "quiet_end")
    zone = check_timezone(timezone)
    if (begins is None) != (ends is None):
        raise Invalid("Give both the start and the end of quiet hours, or neither.", "quiet_end" if ends is None else "quiet_start")
    if begins is None or ends is None:
        return None
    if begins == ends:
        raise Invalid("Quiet hours must start and end at different times.", "quiet_end")
    return QuietHours(begins, ends, zone)


def check_delay(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not EMAIL_DELAY_MIN <= value <= EMAIL_DELAY_MAX:
        raise Invalid(f"The e-mail delay must be a whole number of minutes from {EMAIL_DELAY_MIN} to {EMAIL_DELAY_MAX}.", "email_delay")
    return value


@dataclass(frozen=True)
class Membership:
    """What the rule needs of the reader's membership in the message's channel."""

    kind: str  # "channel" or "dm"
    notify: str | None = None  # stored choice; None: the kind's default
    muted: bool = False


def notifies(
    membership: Membership, *, mentioned: bool, in_my_thread: bool, own: bool,
    quiet: QuietHours | None = None, now: datetime | None = None,
) -> bool:
    """Whether a new message tells its reader (a browser notification): never their
    own, never in a muted channel or in quiet hours; at level "all" every message,
    at "mentions" one that names them or replies in a thread they are in, at "nothing" none."""
    if own or membership.muted:
        return False
    if quiet is not None and now is not None and quiet.covers(now):
        return False
    level = level_of(membership.notify, membership.kind)
    if level == NOTHING:
        return False
    return level == ALL or mentioned or in_my_thread


def emails(membership: Membership, *, mentioned: bool, own: bool) -> bool:
    """Whether an unseen message may be e-mailed: only a mention or a DM (what needs
    you), never muted or "nothing"; quiet hours only postpone, checked per run."""
    if own or membership.muted or level_of(membership.notify, membership.kind) == NOTHING:
        return False
    return mentioned or membership.kind == "dm"


def email_due(created_at: datetime, now: datetime, delay_minutes: int) -> bool:
    """A message is e-mailed once it has gone unseen for the delay."""
    return created_at <= now - timedelta(minutes=delay_minutes)


def waiting(entries: list[dict[str, object]], mentions: int) -> int:
    """The tab's count: unseen mentions plus unread messages in DMs, muted ones left out."""
    return mentions + sum(int(e.get("unread") or 0) for e in entries if e.get("kind") == "dm" and not e.get("muted"))  # type: ignore[call-overload]
