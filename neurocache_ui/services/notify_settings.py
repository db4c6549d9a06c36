"""A person's notification settings: each channel's "Notify" level and mute (only
for a channel they are a member of; anything else is NotFound, as for reading it),
their quiet hours and e-mail choices, and the unsubscribe link of the e-mails,
which works without a login because it carries a random token only the mail has."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain import notify_rules
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import notifications as repo

NOT_FOUND = "Channel not found."
UNAVAILABLE = "Notification settings cannot be reached right now because the database is unreachable. Try again in a moment."


def _check_id(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise Invalid("Not a valid id.", field)
    return value


@dataclass(frozen=True)
class ChannelLevel:
    """A membership's notification choice, with the default it falls back to."""

    notify: str  # the effective level
    chosen: bool  # False: the default for the kind
    muted: bool
    kind: str


def channel_level(user_id: int, channel_id: int) -> ChannelLevel:
    _check_id(channel_id, "channel_id")
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = repo.level(session, channel_id, user_id)
    if found is None:
        raise NotFound(NOT_FOUND)
    notify, muted, kind = found
    return ChannelLevel(notify_rules.level_of(notify, kind), notify in notify_rules.LEVELS, muted, kind)


def set_channel_level(user_id: int, channel_id: int, *, notify: str | None = None, muted: bool | None = None) -> ChannelLevel:
    """Change the level, the mute, or both; what is not given stays. Members only."""
    _check_id(channel_id, "channel_id")
    if notify is not None:
        notify_rules.check_level(notify)
    if muted is not None and not isinstance(muted, bool):
        raise Invalid("Mute must be true or false.", "muted")
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = repo.level(session, channel_id, user_id)
        if found is None:
            raise NotFound(NOT_FOUND)
        stored, was_muted, _kind = found
        repo.set_level(session, channel_id, user_id, notify if notify is not None else stored,
                       muted if muted is not None else was_muted)
    return channel_level(user_id, channel_id)


def in_thread(user_id: int, thread_id: int) -> bool:
    """Whether the person is in the thread (wrote its root or a reply): its replies notify them."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return repo.in_thread(session, user_id, _check_id(thread_id, "thread_id"))


@dataclass(frozen=True)
class PersonSettings:
    email_enabled: bool
    email_delay_minutes: int
    quiet_start: str
    quiet_end: str
    timezone: str
    email_available: bool  # the deployment has an SMTP server

    @property
    def quiet(self) -> notify_rules.QuietHours | None:
        return notify_rules.quiet_hours(self.quiet_start, self.quiet_end, self.timezone)


def person_settings(user_id: int) -> PersonSettings:
    settings = get_settings()
    with database_guard(UNAVAILABLE), session_scope() as session:
        row = repo.settings_row(session, user_id)
        values: dict[str, Any] = {} if row is None else row.model_dump()
    return PersonSettings(
        email_enabled=values.get("email_enabled", True),
        email_delay_minutes=values.get("email_delay_minutes") or settings.email_delay_minutes,
        quiet_start=values.get("quiet_start", ""), quiet_end=values.get("quiet_end", ""),
        timezone=values.get("timezone", "UTC"), email_available=settings.smtp_url is not None,
    )


def save_person_settings(
    user_id: int, *, email_enabled: bool, email_delay_minutes: int, quiet_start: str, quiet_end: str, timezone: str,
) -> PersonSettings:
    """Checks everything first (each refusal names its field), then one write."""
    if not isinstance(email_enabled, bool):
        raise Invalid("E-mail must be on or off.", "email_enabled")
    delay = notify_rules.check_delay(email_delay_minutes)
    quiet = notify_rules.quiet_hours(quiet_start, quiet_end, timezone)
    zone = notify_rules.check_timezone(timezone)
    with database_guard(UNAVAILABLE), session_scope() as session:
        row = repo.ensure_row(session, user_id)
        row.email_enabled = email_enabled
        row.email_delay_minutes = None if delay == get_settings().email_delay_minutes else delay
        row.quiet_start = quiet.start.strftime("%H:%M") if quiet else ""
        row.quiet_end = quiet.end.strftime("%H:%M") if quiet else ""
        row.timezone = zone
        row.updated_at = utcnow()
        session.add(row)
    return person_settings(user_id)


def unsubscribe(token: object) -> bool:
    """The e-mail's link: turns e-mail off for the token's person; False for an unknown token."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return False
    with database_guard(UNAVAILABLE), session_scope() as session:
        row = repo.by_token(session, token)
        if row is None:
            return False
        row.email_enabled, row.updated_at = False, utcnow()
        session.add(row)
    return True
