"""Notifications: each channel's level and mute (members only), a person's quiet hours
and e-mail settings, and the e-mail digest sent to a real SMTP server (aiosmtpd):
an unseen mention or DM is mailed once, batched per person, a seen one never; the
unsubscribe link turns it off. On Postgres + Redis and on SQLite + in-process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlmodel import select

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import channels, dms, messaging, notify_email, notify_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import User, utcnow
from testkit.servers import SmtpServer, free_port
from tests.integration.messaging_support import Stores, make_channel, make_user


@pytest.fixture
def smtp(stores: Stores, use_settings) -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        use_settings(NEUROCACHE_SMTP_URL=server.url, NEUROCACHE_PUBLIC_URL="http://hub.test", NEUROCACHE_EMAIL_DELAY_MINUTES="10")
        yield server


def email_of(user_id: int) -> str:
    with session_scope() as session:
        return session.exec(select(User.email).where(User.id == user_id)).one()


def mails_to(server: SmtpServer, user_id: int) -> list[EmailMessage]:
    address = email_of(user_id)
    return [m for m in server.messages if m["To"] == address]


def body(mail: EmailMessage) -> str:
    return mail.get_content()


def test_an_unseen_mention_and_dm_are_mailed_once_in_one_mail_and_a_seen_one_never(smtp: SmtpServer) -> None:
    ada, bob, cleo = make_user("Ada"), make_user("Bob"), make_user("Cleo")
    channel = make_channel(ada, bob, cleo)
    dm, _ = dms.open_dm(ada, emails=[email_of(bob)])
    messaging.post_message(channel, user_id=ada, content="@Bob and @Cleo, the launch checklist please")
    messaging.post_message(dm.id, user_id=ada, content="Lunch at noon?")
    messaging.post_message(channel, user_id=ada, content="no names here")  # neither a mention nor a DM
    channels.mark_read(channel, cleo)  # Cleo read it: her mention is seen

    notify_email.run_once(utcnow() + timedelta(minutes=5))  # not unseen for 10 minutes yet
    assert mails_to(smtp, bob) == []

    notify_email.run_once(utcnow() + timedelta(minutes=11))
    [mail] = mails_to(smtp, bob)
    assert mails_to(smtp, cleo) == [] and mails_to(smtp, ada) == []
    text = body(mail)
    assert "Ada mentioned you in #Test" in text and "the launch checklist" in text
    assert "Ada wrote in a direct message" in text and "Lunch at noon?" in text
    assert "no names here" not in text
    assert mail["Subject"] == "[Neurocache] 2 messages waiting for you"
    assert f"http://hub.test/channels/{dm.slug}?m=" in text
    link = re.search(r"http://hub\.test/email/unsubscribe\?t=(\S+)", text)
    assert link and mail["List-Unsubscribe"] == f"<{link[0]}>"

    notify_email.run_once(utcnow() + timedelta(minutes=30))  # nothing new: nothing mailed twice
    assert len(mails_to(smtp, bob)) == 1

    assert notify_settings.unsubscribe(link[1]) is True
    assert notify_settings.person_settings(bob).email_enabled is False
    messaging.post_message(dm.id, user_id=ada, content="Still there?")
    notify_email.run_once(utcnow() + timedelta(minutes=11))
    assert len(mails_to(smtp, bob)) == 1
    assert notify_settings.unsubscribe("x" * 40) is False and notify_settings.unsubscribe(None) is False


def test_muted_and_nothing_channels_mail_nothing_and_quiet_hours_postpone(smtp: SmtpServer) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    muted, silent, loud = make_channel(ada, bob), make_channel(ada, bob), make_channel(ada, bob)
    notify_settings.set_channel_level(bob, muted, muted=True)
    notify_settings.set_channel_level(bob, silent, notify="nothing")
    for channel in (muted, silent):
        messaging.post_message(channel, user_id=ada, content="@Bob are you there?")
    now = utcnow() + timedelta(minutes=11)
    local_hour = now.hour  # quiet hours around the run's time, in UTC
    notify_settings.save_person_settings(
        bob, email_enabled=True, email_delay_minutes=10, quiet_start=f"{local_hour:02d}:00",
        quiet_end=f"{(local_hour + 1) % 24:02d}:00", timezone="UTC",
    )
    messaging.post_message(loud, user_id=ada, content="@Bob the real one")
    notify_email.run_once(now)
    assert mails_to(smtp, bob) == []  # quiet hours: postponed, not dropped

    notify_settings.save_person_settings(bob, email_enabled=True, email_delay_minutes=10, quiet_start="", quiet_end="", timezone="UTC")
    notify_email.run_once(now)
    [mail] = mails_to(smtp, bob)
    assert "the real one" in body(mail) and "are you there" not in body(mail)


def test_a_refusing_smtp_server_gives_the_messages_back_for_the_next_run(smtp: SmtpServer, use_settings) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    messaging.post_message(channel, user_id=ada, content="@Bob ping")
    use_settings(NEUROCACHE_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")  # nobody listens
    assert notify_email.run_once(utcnow() + timedelta(minutes=11)).mails == 0
    use_settings(NEUROCACHE_SMTP_URL=smtp.url)
    notify_email.run_once(utcnow() + timedelta(minutes=11))
    assert "@Bob ping" in body(mails_to(smtp, bob)[0])


def test_channel_levels_are_for_members_only_and_checked(stores: Stores) -> None:
    ada, bob, outsider = make_user("Ada"), make_user("Bob"), make_user("Eve")
    channel = make_channel(ada, bob)
    dm, _ = dms.open_dm(ada, emails=[email_of(bob)])
    level = notify_settings.channel_level(bob, channel)
    assert (level.notify, level.chosen, level.muted) == ("mentions", False, False)  # a channel's default
    assert notify_settings.channel_level(bob, dm.id).notify == "all"  # a DM's default
    changed = notify_settings.set_channel_level(bob, channel, notify="all", muted=True)
    assert (changed.notify, changed.chosen, changed.muted) == ("all", True, True)
    assert notify_settings.set_channel_level(bob, channel, muted=False).notify == "all"  # the level stays
    assert notify_settings.channel_level(ada, channel).muted is False  # one person's choice
    with pytest.raises(NotFound):
        notify_settings.set_channel_level(outsider, channel, muted=True)
    with pytest.raises(NotFound):
        notify_settings.channel_level(outsider, channel)
    with pytest.raises(Invalid) as refused:
        notify_settings.set_channel_level(bob, channel, notify="loud")
    assert refused.value.field == "notify"
    summary = next(s for s in channels.list_channels(bob) if s.id == channel)
    assert (summary.muted, summary.notify) == (False, "all")


def test_person_settings_are_checked_and_thread_membership_known(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    assert notify_settings.person_settings(bob).email_delay_minutes == 10
    for kwargs, field in (
        ({"quiet_start": "22:00", "quiet_end": ""}, "quiet_end"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"email_delay_minutes": 0}, "email_delay"),
    ):
        values = {"email_enabled": True, "email_delay_minutes": 10, "quiet_start": "", "quiet_end": "", "timezone": "UTC", **kwargs}
        with pytest.raises(Invalid) as refused:
            notify_settings.save_person_settings(bob, **values)
        assert refused.value.field == field
    saved = notify_settings.save_person_settings(
        bob, email_enabled=False, email_delay_minutes=30, quiet_start="22:00", quiet_end="7:00", timezone="Europe/Berlin")
    assert (saved.email_enabled, saved.email_delay_minutes, saved.quiet_start, saved.quiet_end, saved.timezone) == (
        False, 30, "22:00", "07:00", "Europe/Berlin")

    root = messaging.post_message(channel, user_id=ada, content="Plan?")
    assert notify_settings.in_thread(ada, root.id) and not notify_settings.in_thread(bob, root.id)
    messaging.post_message(channel, user_id=bob, content="Mine", thread_id=root.id)
    assert notify_settings.in_thread(bob, root.id)
