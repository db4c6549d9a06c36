"""Failed log-ins, throttled per account and per client IP.

Failures count in a moving window (core/ratelimit.py, so Redis when REDIS_URL
is set and this process's memory otherwise or while Redis is down):

- per account, NEUROCACHE_LOGIN_FAILURES_PER_ACCOUNT ("10/15 minutes"): once
  full, every log-in for that email is refused before the password is checked,
  the right password too, until the oldest failure leaves the window. Online
  guessing of one password is bounded to that many guesses per window. Each
  attempt takes its slot *before* the password check and a success clears the
  account's count, so parallel attempts cannot overshoot the limit.
  The identifier is the normalized email, not the user id, so an unknown email
  fills and locks exactly like a real one: the lock reveals nothing. Redis
  keeps a SHA-256 of the email, not the address.
- per client IP, NEUROCACHE_LOGIN_FAILURES_PER_IP ("30/15 minutes"): bounds
  one client trying a few passwords on many accounts (credential stuffing).

A refused attempt is not counted (the window would never drain) and costs no
password hash. A successful log-in clears the account's failures, not the IP's:
a client that owns one account must not be able to wash its IP count with it.
The IP count is checked before and counted after a failure, so a burst of
parallel attempts from one IP may overshoot it by the attempts in flight.

Trade-off: anyone who knows an email can keep that account locked by failing on
purpose (denial of service); the lock is temporary and the hub's other sessions
stay signed in. Behind a reverse proxy the client IP is the proxy's unless the
proxy hop is trusted (Reflex's `trusted_proxy_hops`, REFLEX_TRUSTED_PROXY_HOPS),
so every client would share the per-IP count.
"""

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
    None after counting the attempt against the account (`record_success`
    takes it back)."""
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
