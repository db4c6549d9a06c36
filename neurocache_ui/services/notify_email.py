"""The e-mail digest: a mention or DM message nobody has seen within the person's
delay (default NEUROCACHE_EMAIL_DELAY_MINUTES) is e-mailed, all of one person's in
one mail, with a link that turns e-mail off. Every worker runs `email_loop`; each
person's mark (`notification_setting.emailed_through_id`) is moved by a conditional
UPDATE before sending, so two workers never mail the same message, and moved back
if the SMTP server refuses, so the next run tries again. Seen means read: the
channel's read marker passed the message, or (a mention) it was marked seen."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from neurocache_ui.domain import notify_rules
from neurocache_ui.infra import mail
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import notifications as repo

log = logging.getLogger(__name__)

INTERVAL_SECONDS = 60.0
LOOKBACK = timedelta(days=1)
"""Older unseen messages are not news: the first run after an upgrade mails none of last month's."""
BATCH = 2000
SHOWN_PER_MAIL = 20
EXCERPT = 300


@dataclass
class Item:
    message_id: int
    channel_slug: str
    channel_name: str
    kind: str
    author: str
    content: str
    created_at: datetime
    mention: bool
    thread_id: int | None


@dataclass
class Digest:
    user_id: int
    email: str
    name: str
    items: list[Item] = field(default_factory=list)


@dataclass(frozen=True)
class RunReport:
    mails: int
    messages: int


def _gather(now: datetime, default_delay: int, after_id: int) -> tuple[list[Digest], int, bool]:
    """One batch of what is due, per person, honouring each one's delay, quiet hours
    and mark: (digests, the batch's last message id, whether more may follow)."""
    with session_scope() as session:
        rows = repo.due(session, newer_than=now - LOOKBACK, older_than=now - timedelta(minutes=1), after_id=after_id, limit=BATCH)
        settings = {u: repo.settings_row(session, u) for u in {row[0] for row in rows}}
    digests: dict[int, Digest] = {}
    for user_id, email, name, message_id, _cid, slug, channel_name, kind, author, content, created_at, mention, thread_id in rows:
        row = settings[user_id]
        delay = (row.email_delay_minutes if row else None) or default_delay
        quiet = notify_rules.quiet_hours(row.quiet_start, row.quiet_end, row.timezone) if row else None
        if not notify_rules.email_due(created_at, now, delay) or (quiet is not None and quiet.covers(now)):
            continue
        digest = digests.setdefault(user_id, Digest(user_id, email, name))
        digest.items.append(Item(message_id, slug, channel_name, kind, author, content, created_at, bool(mention), thread_id))
    return list(digests.values()), (rows[-1][3] if rows else after_id), len(rows) == BATCH


def _claim(digest: Digest) -> tuple[int, int, str] | None:
    """Move the person's mark past these messages: (old mark, new mark, unsubscribe
    token), or None when another worker got there first."""
    newest = max(item.message_id for item in digest.items)
    with session_scope() as session:
        row = repo.ensure_row(session, digest.user_id)
        old = row.emailed_through_id
        if old >= newest:
            return None
        if row.unsubscribe_token is None:
            row.unsubscribe_token = secrets.token_urlsafe(32)
            session.add(row)
            session.flush()
        token = row.unsubscribe_token
        if not repo.claim(session, digest.user_id, old, newest):
            return None
    digest.items = [item for item in digest.items if item.message_id > old]
    return old, newest, token


def _release(user_id: int, old: int, new: int) -> None:
    with session_scope() as session:
        repo.claim(session, user_id, new, old)


def unsubscribe_url(base_url: str, token: str) -> str:
    return f"{base_url}/email/unsubscribe?t={token}"


def compose(digest: Digest, *, base_url: str, sender: str, token: str) -> EmailMessage:
    """One plain-text mail for all of a person's waiting messages, newest last."""
    count = len(digest.items)
    dms = sum(1 for item in digest.items if item.kind == "dm")
    subject = (f"{count} unread direct message{'s' * (count != 1)}" if dms == count
               else f"{count} message{'s' * (count != 1)} waiting for you")
    lines = [f"Hi {digest.name},", "", f"These messages in {notify_rules.PRODUCT} are waiting for you:", ""]
    for item in digest.items[-SHOWN_PER_MAIL:]:
        where = "a direct message" if item.kind == "dm" else f"#{item.channel_name}"
        what = "mentioned you in" if item.mention else "wrote in"
        text = item.content.strip().replace("\r", "")
        lines += [f"{item.author} {what} {where}{' (thread)' if item.thread_id else ''}:",
                  f"  {text[:EXCERPT]}{'…' if len(text) > EXCERPT else ''}",
                  f"  {base_url}/channels/{item.channel_slug}?m={item.message_id}", ""]
    if count > SHOWN_PER_MAIL:
        lines += [f"…and {count - SHOWN_PER_MAIL} more.", ""]
    unsubscribe = unsubscribe_url(base_url, token)
    lines += ["—", "You get this because these messages were not read within a few minutes.",
              f"Turn these e-mails off: {unsubscribe}", f"Or change it on {base_url}/account"]
    message = EmailMessage()
    message["Subject"] = f"[{notify_rules.PRODUCT}] {subject}"
    message["From"] = sender
    message["To"] = digest.email
    message["Message-ID"] = make_msgid(domain="neurocache")
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058: the mail client may POST it
    message.set_content("\n".join(lines))
    return message


def _send(smtp_url: str, digests: list[Digest]) -> RunReport:
    """Claim each person's messages, then send their mails over one SMTP connection."""
    settings = get_settings()
    outgoing: list[tuple[Digest, tuple[int, int, str]]] = []
    for digest in digests:
        if (claimed := _claim(digest)) is not None and digest.items:
            outgoing.append((digest, claimed))
    if not outgoing:
        return RunReport(0, 0)
    mails = [compose(d, base_url=settings.public_url, sender=settings.email_from, token=c[2]) for d, c in outgoing]
    try:
        mail.send_all(smtp_url, mails)
    except OSError as error:  # smtplib's errors are OSErrors too: give the messages back for the next run
        log.warning("e-mail digest not sent (%s); %d mails will be retried", error, len(mails))
        for digest, (old, new, _token) in outgoing:
            _release(digest.user_id, old, new)
        return RunReport(0, 0)
    return RunReport(len(mails), sum(len(d.items) for d, _ in outgoing))


def run_once(now: datetime | None = None) -> RunReport:
    """One pass over everything due, in batches of BATCH messages. Nothing without NEUROCACHE_SMTP_URL."""
    settings = get_settings()
    if settings.smtp_url is None:
        return RunReport(0, 0)
    now = now or utcnow()
    mails = messages = after = 0
    more = True
    while more:
        digests, after, more = _gather(now, settings.email_delay_minutes, after)
        report = _send(settings.smtp_url, digests)
        mails, messages = mails + report.mails, messages + report.messages
    return RunReport(mails, messages)


async def email_loop() -> None:
    """Lifespan task: a digest pass every minute (database and SMTP work in a thread)."""
    if get_settings().smtp_url is None:
        return
    while True:
        try:
            report = await asyncio.to_thread(run_once)
            if report.mails:
                log.info("e-mailed %d messages in %d mails", report.messages, report.mails)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bad run must not end the loop
            log.exception("e-mail digest failed")
        await asyncio.sleep(INTERVAL_SECONDS)
