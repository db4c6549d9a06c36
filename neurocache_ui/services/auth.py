"""Accounts and browser sessions.

A session token is 256 random bits handed to the browser once; the database keeps
only its SHA-256, so reading the table does not let anyone log in. Every
protected read resolves the token again on the server (`user_for_session`): a page
redirect is a convenience, not the protection.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete, select, update

from neurocache_ui.services import login_throttle
from neurocache_ui.infra import ratelimit
from neurocache_ui.domain.events import SessionsEnded
from neurocache_ui.infra import bus
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.store.models import AuthSession, User, utcnow
from neurocache_ui.domain.passwords import hash_password, needs_rehash, password_problem, verify_password
from neurocache_ui.settings import get_settings

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
LOGIN_FAILED = "Email or password is incorrect."
SESSION_COOKIE = "nc_session"
"""The browser cookie that carries the session token (the hub's pages and /_upload)."""


class AuthError(Invalid):
    """A sign-up or log-in was refused; `field` names the form field to blame, if one."""


@dataclass(frozen=True)
class CurrentUser:
    """What the rest of the app may know about the signed-in user (no hash)."""

    id: int
    name: str
    email: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _public(user: User) -> CurrentUser:
    assert user.id is not None
    return CurrentUser(id=user.id, name=user.name, email=user.email)


def create_user(*, name: str, email: str, password: str, client_ip: str | None = None) -> CurrentUser:
    """A new account. With `client_ip` (the hub's sign-up form; not the CLI),
    attempts that pass the form checks are limited per IP (NEUROCACHE_SIGNUP_RATE_LIMIT).

    A taken email is said so: people need to know to log in instead, and the
    per-IP limit bounds how many emails one client can probe this way (the
    log-in form reveals nothing; see docs/SECURITY.md). Other accounts' names
    never appear in a message."""
    name = " ".join(name.split())
    email = normalize_email(email)
    if not name:
        raise AuthError("Name is required.", "name")
    if len(name) > 100:
        raise AuthError("Name must be at most 100 characters.", "name")
    if len(email) > 254 or not _EMAIL.match(email):
        raise AuthError("Enter a valid email address, like ada@example.com.", "email")
    if problem := password_problem(password, email=email, name=name):
        raise AuthError(problem, "password")
    if client_ip and not (decision := ratelimit.check_signup(client_ip)).allowed:
        raise AuthError(f"Too many sign-ups from your network. Try again in {decision.retry_after_text}.")
    user = User(name=name, email=email, password_hash=hash_password(password))
    try:
        with session_scope() as session:
            session.add(user)
    except IntegrityError:
        raise AuthError("An account with this email already exists. Log in instead.", "email") from None
    return _public(user)


def authenticate(email: str, password: str, *, client_ip: str | None = None) -> CurrentUser:
    """The same message for an unknown email and a wrong password: no enumeration.

    Throttled by core/login_throttle.py: per account always, per IP when
    `client_ip` is given (the hub's log-in form); a refusal happens before the
    password is checked and says when to try again."""
    email = normalize_email(email)
    if refusal := login_throttle.admit(email, client_ip):
        raise AuthError(refusal)
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if not verify_password(user.password_hash if user else None, password) or user is None:
            login_throttle.record_failure(client_ip)
            raise AuthError(LOGIN_FAILED)
        login_throttle.record_success(email)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return _public(user)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user_id: int) -> str:
    """Create a session and return its token; only the caller ever sees the token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope() as session:
        session.add(
            AuthSession(
                user_id=user_id,
                token_hash=_token_hash(token),
                created_at=now,
                expires_at=now + timedelta(days=get_settings().session_days),
            )
        )
    return token


def user_for_session(token: str | None) -> CurrentUser | None:
    """None for no, unknown or expired token; errors.Unavailable if the database is down."""
    if not token:
        return None
    with database_guard(), session_scope() as session:
        row = session.exec(
            select(User, AuthSession.expires_at)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == _token_hash(token))
        ).first()
    if row is None or row[1] <= utcnow():
        return None
    return _public(row[0])


def end_session(token: str | None) -> None:
    if not token:
        return
    with session_scope() as session:
        session.exec(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def purge_expired_sessions() -> int:
    with session_scope() as session:
        result = session.exec(delete(AuthSession).where(AuthSession.expires_at <= utcnow()))
        return result.rowcount or 0


# ---- session hand-off, rotation and revocation ----------------------------------------

HANDOFF_SECONDS = 60
"""A log-in is completed by the browser exchanging this short-lived code for the
real session over plain HTTP, so the real token only ever travels in an HttpOnly
cookie that page scripts cannot read (see api/browser_session.py)."""
WRONG_PASSWORD = "Your current password is not correct."
"""Bus event (on channel 0, "everyone's"): a user's sessions were revoked, so every
worker makes that user's open tabs re-check theirs and forget what they showed."""


def start_handoff(user_id: int) -> str:
    """A one-time code that `claim_handoff` turns into a session within HANDOFF_SECONDS.

    Stored as a session whose lifetime is the hand-off window: no extra table, and
    an unclaimed code simply expires (and is purged with the other expired sessions)."""
    code = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope() as session:
        session.add(
            AuthSession(
                user_id=user_id, token_hash=_token_hash(code), created_at=now,
                expires_at=now + timedelta(seconds=HANDOFF_SECONDS),
            )
        )
    return code


def claim_handoff(code: str, previous_token: str | None = None) -> str | None:
    """Exchange a hand-off code for a fresh session token (None if unknown, used or late).

    The code's row is rewritten in place with the new token's hash, guarded by the
    code's hash, so two concurrent claims cannot both succeed. A session the browser
    still carried from before is ended: a log-in always rotates the session."""
    if not code:
        return None
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope() as session:
        row = session.exec(select(AuthSession).where(AuthSession.token_hash == _token_hash(code))).first()
        if row is None or row.expires_at <= now or row.expires_at - row.created_at > timedelta(seconds=HANDOFF_SECONDS):
            return None
        claimed = session.exec(
            update(AuthSession)
            .where(AuthSession.id == row.id, AuthSession.token_hash == _token_hash(code))
            .values(
                token_hash=_token_hash(token), created_at=now,
                expires_at=now + timedelta(days=get_settings().session_days),
            )
        )
        if claimed.rowcount != 1:
            return None
        if previous_token:
            session.exec(delete(AuthSession).where(AuthSession.token_hash == _token_hash(previous_token)))
    return token


def end_all_sessions(user_id: int, *, except_token: str | None = None) -> int:
    """Log the user out everywhere (but the session `except_token`, if given)."""
    condition = AuthSession.user_id == user_id
    if except_token:
        condition = condition & (AuthSession.token_hash != _token_hash(except_token))
    with session_scope() as session:
        ended = session.exec(delete(AuthSession).where(condition)).rowcount or 0
    bus.publish(0, SessionsEnded(user_id=user_id))
    return ended


def change_password(user_id: int, *, current: str, new: str, keep_token: str) -> int:
    """Set a new password and end every other session of the user; returns how many ended.

    The current password is asked for again so a borrowed, unlocked browser cannot
    lock its owner out."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AuthError(WRONG_PASSWORD, "current")
        if not verify_password(user.password_hash, current):
            raise AuthError(WRONG_PASSWORD, "current")
        if problem := password_problem(new, email=user.email, name=user.name):
            raise AuthError(problem, "new")
        user.password_hash = hash_password(new)
    return end_all_sessions(user_id, except_token=keep_token)
