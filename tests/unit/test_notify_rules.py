"""Who is notified of a message, when it is e-mailed, and the checks on settings:
domain/notify_rules.py, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from neurocache_ui.domain import notify_rules as rules
from neurocache_ui.domain.errors import Invalid

CHANNEL, DM = rules.Membership("channel"), rules.Membership("dm")
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_defaults_notify_every_dm_message_but_only_mentions_and_thread_replies_in_channels() -> None:
    plain = {"mentioned": False, "in_my_thread": False, "own": False}
    assert rules.notifies(DM, **plain)
    assert not rules.notifies(CHANNEL, **plain)
    assert rules.notifies(CHANNEL, **{**plain, "mentioned": True})
    assert rules.notifies(CHANNEL, **{**plain, "in_my_thread": True})
    assert not rules.notifies(DM, **{**plain, "own": True})


@pytest.mark.parametrize(("membership", "expected"), [
    (rules.Membership("channel", notify="all"), True),
    (rules.Membership("dm", notify="mentions"), False),
    (rules.Membership("dm", notify="nothing"), False),
    (rules.Membership("dm", muted=True), False),
])
def test_a_chosen_level_or_mute_overrides_the_default(membership: rules.Membership, expected: bool) -> None:
    assert rules.notifies(membership, mentioned=False, in_my_thread=False, own=False) is expected


def test_mute_and_nothing_silence_even_a_mention() -> None:
    for membership in (rules.Membership("channel", muted=True), rules.Membership("channel", notify="nothing")):
        assert not rules.notifies(membership, mentioned=True, in_my_thread=True, own=False)
        assert not rules.emails(membership, mentioned=True, own=False)


def test_quiet_hours_over_midnight_in_the_persons_zone() -> None:
    quiet = rules.quiet_hours("22:00", "07:00", "Europe/Berlin")
    assert quiet == rules.QuietHours(time(22), time(7), "Europe/Berlin")
    assert quiet.covers(datetime(2026, 12, 7, 21, 30, tzinfo=UTC))  # 22:30 in Berlin
    assert quiet.covers(datetime(2026, 12, 8, 5, 59, tzinfo=UTC))  # 06:59
    assert not quiet.covers(datetime(2026, 12, 8, 6, 0, tzinfo=UTC))  # 07:00: over
    assert not rules.notifies(DM, mentioned=False, in_my_thread=False, own=False, quiet=quiet,
                              now=datetime(2026, 12, 7, 23, 0, tzinfo=UTC))
    assert rules.notifies(DM, mentioned=False, in_my_thread=False, own=False, quiet=quiet, now=NOON)
    daytime = rules.quiet_hours("9:00", "17:30", "UTC")
    assert daytime is not None and daytime.covers(NOON) and not daytime.covers(NOON.replace(hour=18))
    assert rules.quiet_hours("", "", "UTC") is None


@pytest.mark.parametrize(("start", "end", "zone", "field"), [
    ("22:00", "", "UTC", "quiet_end"), ("", "07:00", "UTC", "quiet_start"), ("7pm", "07:00", "UTC", "quiet_start"),
    ("08:00", "08:00", "UTC", "quiet_end"), ("22:00", "07:00", "Nowhere/City", "timezone"),
])
def test_quiet_hours_refusals_name_their_field(start: str, end: str, zone: str, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        rules.quiet_hours(start, end, zone)
    assert refused.value.field == field


def test_only_mentions_and_dms_are_emailed_after_the_delay() -> None:
    assert rules.emails(DM, mentioned=False, own=False)
    assert rules.emails(CHANNEL, mentioned=True, own=False)
    assert not rules.emails(CHANNEL, mentioned=False, own=False)
    assert not rules.emails(rules.Membership("channel", notify="all"), mentioned=False, own=False)
    written = datetime(2026, 12, 7, 11, 50, tzinfo=UTC)
    assert rules.email_due(written, NOON, 10) and not rules.email_due(written, NOON, 11)
    for bad in (0, 24 * 60 + 1, True, "10"):
        with pytest.raises(Invalid):
            rules.check_delay(bad)


def test_tab_count_leaves_out_muted_dms_and_channels_unread_without_a_mention() -> None:
    sidebar = [
        {"kind": "dm", "unread": 2, "muted": False}, {"kind": "dm", "unread": 5, "muted": True},
        {"kind": "channel", "unread": 9, "muted": False},
    ]
    assert rules.waiting(sidebar, mentions=3) == 5
    assert rules.waiting([], mentions=0) == 0
