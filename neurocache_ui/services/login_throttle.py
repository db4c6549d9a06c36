"""Failed log-ins, throttled per account (the email's hash, so unknown emails lock
alike) and per client IP (credential stuffing), in infra/ratelimit.py's moving
windows. Refused attempts cost no password hash and are not counted; a success
clears the account's count, never the IP's. docs/SECURITY.md has the trade-offs."""

from __future__ import annotations

import hashlib

from neurocache_ui.infra import ratelimit
from neurocache_ui.settings import get_settings

ACCOUNT_LOCKED = "Too many failed log-ins for this account. Try again in {wait}."
IP_LOCKED = "Too many failed log-ins from your network. Try again in {wait}."


def _account_limiter() -> ratelimit.RateLimiter:
    return ratelimit.limiter_for(get_settings().login_failures_per_account)


def _ip_limiter() -> ratelimit.RateLimiter:
    return ratelimit.limiter_for(get_settings().login_failures_per_ip)


def account_id(email: str) -> str:
    """The throttle's identifier for a normalized email (no address in Redis)."""
    return "login-account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def ip_id(client_ip: str) -> str:
    return f"login-ip:{client_ip}"


def admit(email: str, client_ip: str | None) -> str | None:
    """Before the password check: the message to refuse this log-in with, or
    None after counting the attempt against the account (`record_success` takes
    it back), so parallel attempts cannot overshoot the account's limit. The IP is
    only checked here and counted on failure: a burst may overshoot it slightly."""
    if client_ip:
        network = _ip_limiter().peek(ip_id(client_ip))
        if not network.allowed:
            return IP_LOCKED.format(wait=network.retry_after_text)
    account = _account_limiter().check(account_id(email))
    if not account.allowed:
        return ACCOUNT_LOCKED.format(wait=account.retry_after_text)
    return None


def record_failure(client_ip: str | None) -> None:
    """A wrong password or unknown email: count it for the IP (`admit` already
    counted it for the account)."""
    if client_ip:
        _ip_limiter().check(ip_id(client_ip))


def record_success(email: str) -> None:
    """The right password: the account's earlier failures no longer matter."""
    _account_limiter().reset(account_id(email))


__all__ = ["ACCOUNT_LOCKED", "IP_LOCKED", "account_id", "admit", "ip_id", "record_failure", "record_success"]
