"""Sending e-mail through the one SMTP server NEUROCACHE_SMTP_URL names. One
connection per digest run, however many mails it sends; blocking (smtplib), so
callers run it in a thread. STARTTLS is used when the server offers it."""

from __future__ import annotations

import smtplib
from collections.abc import Iterable
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

TIMEOUT_SECONDS = 15.0


def send_all(smtp_url: str, messages: Iterable[EmailMessage]) -> int:
    """Deliver every message over one connection; returns how many the server took.
    smtp://user:pass@host:port (plain, STARTTLS if offered) or smtps:// (TLS from the start)."""
    parts = urlsplit(smtp_url)
    secure = parts.scheme == "smtps"
    port = parts.port or (465 if secure else 25)
    client_type = smtplib.SMTP_SSL if secure else smtplib.SMTP
    sent = 0
    with client_type(parts.hostname or "localhost", port, timeout=TIMEOUT_SECONDS) as client:
        client.ehlo()
        if not secure and client.has_extn("starttls"):
            client.starttls()
            client.ehlo()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        for message in messages:
            client.send_message(message)
            sent += 1
    return sent
