"""Telling an owner that their outgoing webhook was turned off: the list (API and hub)
shows `active: false` and the reason at once; when the hub can send e-mail
(NEUROCACHE_SMTP_URL) the owner also gets one plain mail, since nobody watches a
webhook's list while its receiver is down."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import make_msgid

from neurocache_ui.domain.notify_rules import PRODUCT
from neurocache_ui.infra import mail
from neurocache_ui.infra.web.addresses import shown_url
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.repositories import webhooks as repo

log = logging.getLogger(__name__)


def compose(email: str, name: str, url: str, reason: str, *, sender: str, base_url: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = f"[{PRODUCT}] Your webhook to {shown_url(url)[:80]} was turned off"
    message["From"] = sender
    message["To"] = email
    message["Message-ID"] = make_msgid(domain="neurocache")
    message.set_content("\n".join([
        f"Hi {name},", "",
        f"Your outgoing webhook to {shown_url(url)} stopped receiving events.", reason, "",
        f"Its delivery log: GET {base_url}/api/v1/webhooks (your API key), then /webhooks/<id>/deliveries.",
    ]))
    return message


def tell_owners(webhook_ids: Sequence[int]) -> int:
    """Mail the owners of these webhooks (just turned off); how many mails the server took.
    Without an SMTP server, or when it refuses, the list's state is the notice (logged)."""
    settings = get_settings()
    if not webhook_ids or not settings.smtp_url:
        return 0
    with session_scope() as session:
        owners = repo.owners_of(session, webhook_ids)
    mails = [compose(*owner, sender=settings.email_from, base_url=settings.public_url) for owner in owners]
    try:
        return mail.send_all(settings.smtp_url, mails)
    except OSError as error:
        log.warning("could not mail %d webhook owner(s) about turned-off webhooks: %s", len(mails), error)
        return 0


__all__ = ["compose", "tell_owners"]
