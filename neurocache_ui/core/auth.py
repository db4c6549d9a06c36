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
from sqlmodel import delete, select

from neurocache_ui.core.db import database_guard, session_scope
from neurocache_ui.core.errors import Invalid
from neurocache_ui.core.models import AuthSession, User, utcnow
from neurocache_ui.core.passwords import hash_password, needs_rehash, password_problem, verify_password
from neurocache_ui.core.settings import get_settings

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


def create_user(*, name: str, email: str, password: str) -> CurrentUser:
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
    user = User(name=name, email=email, password_hash=hash_password(password))
    try:
        with session_scope() as session:
            session.add(user)
    except IntegrityError:
        raise AuthError("An account with this email already exists. Log in instead.", "email") from None
    return _public(user)


def authenticate(email: str, password: str) -> CurrentUser:
    """The same message for an unknown email and a wrong password: no enumeration."""
    with session_scope() as session:
        user = session.exec(select(User).where(User.email == normalize_email(email))).first()
        if not verify_password(user.password_hash if user else None, password) or user is None:
            raise AuthError(LOGIN_FAILED)
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
