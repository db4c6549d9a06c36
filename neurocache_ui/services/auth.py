"""Accounts and browser sessions. A session token is 256 random bits handed to the
browser once; the database keeps only its SHA-256. Every protected read resolves
the token again on the server (`user_for_session`): redirects are a convenience."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, delete, select, update

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.events import SessionsEnded
from neurocache_ui.domain.limits import EMAIL_MAX, USER_NAME_MAX
from neurocache_ui.domain.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from neurocache_ui.domain.roles import DEACTIVATED
from neurocache_ui.infra import bus, ratelimit
from neurocache_ui.services import login_throttle
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import AuthSession, User, utcnow

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
LOGIN_FAILED = "Email or password is incorrect."
EMAIL_TAKEN = "An account with this email already exists. Log in instead."
WRONG_PASSWORD = "Your current password is not correct."
SESSION_COOKIE = "nc_session"
"""The browser cookie that carries the session token (the hub's pages and /_upload)."""
HOME = "/channels"
"""Where a browser lands after logging in when no safe `next=` says otherwise."""
WELCOME = "/welcome"
"""Where a new account lands after signing up (the first-run steps), unless a safe `next=` says otherwise."""
SESSION_PATH = "/auth/session"
"""Where the browser swaps a hand-off code for its session cookie (api/browser_session.py)."""
LOGOUT_PATH = "/auth/logout"
"""Where the browser drops the cookie of a session already ended on the server."""
HANDOFF_SECONDS = 60
"""A log-in ends with the browser swapping a code this short-lived for the real
session over plain HTTP, so the token only travels in an HttpOnly cookie
(api/browser_session.py)."""


class AuthError(Invalid):
    """A sign-up or log-in was refused; `field` names the form field to blame, if one."""


@dataclass(frozen=True)
class CurrentUser:
    """What the rest of the app may know about the signed-in user (no hash)."""

    id: int
    name: str
    email: str
    is_admin: bool = False


@dataclass(frozen=True)
class SignedIn:
    """A user who just signed up or logged in, and the one-time hand-off code
    (`claim_handoff`) that gets their browser its session cookie."""

    user: CurrentUser
    code: str


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _public(user: User) -> CurrentUser:
    assert user.id is not None
    return CurrentUser(id=user.id, name=user.name, email=user.email, is_admin=user.is_admin)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _session_lifetime() -> timedelta:
    return timedelta(days=get_settings().session_days)


def _add_session(session: Session, user_id: int, lifetime: timedelta) -> str:
    """A new session row for the user; returns its secret (only its hash is stored)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AuthSession(user_id=user_id, token_hash=_token_hash(secret), created_at=now, expires_at=now + lifetime))
    return secret


# ---- accounts -------------------------------------------------------------------------


def _new_user(name: str, email: str, password: str, client_ip: str | None) -> User:
    """The checked, unsaved account. A taken email is said so later (people must
    know to log in instead); the per-IP sign-up limit bounds that probing."""
    name = " ".join(name.split())
    email = normalize_email(email)
    if not name:
        raise AuthError("Name is required.", "name")
    if len(name) > USER_NAME_MAX:
        raise AuthError(f"Name must be at most {USER_NAME_MAX} characters.", "name")
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        raise AuthError("Enter a valid email address, like ada@example.com.", "email")
    if problem := password_problem(password, email=email, name=name):
        raise AuthError(problem, "password")
    if client_ip and not (decision := ratelimit.check_signup(client_ip)).allowed:
        raise AuthError(f"Too many sign-ups from your network. Try again in {decision.retry_after_text}.")
    return User(name=name, email=email, password_hash=hash_password(password))


def _register(user: User, *, handoff: bool, joined: Session | None = None) -> SignedIn:
    try:
        with session_scope(joined) as session:
            session.add(user)
            session.flush()
            assert user.id is not None
            _first_is_admin(session, user)
            code = _add_session(session, user.id, timedelta(seconds=HANDOFF_SECONDS)) if handoff else ""
    except IntegrityError:
        raise AuthError(EMAIL_TAKEN, "email") from None
    return SignedIn(_public(user), code)


def _first_is_admin(session: Session, user: User) -> None:
    """The deployment's first account is its admin (domain/roles.py); later ones are
    made admins on /admin. In the sign-up's own transaction, so it cannot be lost."""
    other = aliased(User)  # not the row being updated: an uncorrelated look at the table
    others = sa.exists().where(other.id != user.id)
    made = session.exec(update(User).where(User.id == user.id, ~others).values(is_admin=True))
    user.is_admin = bool(made.rowcount)


def create_user(*, name: str, email: str, password: str, client_ip: str | None = None) -> CurrentUser:
    """A new account. With `client_ip` (the hub's form; not the CLI) attempts that
    pass the form checks are limited per IP (NEUROCACHE_SIGNUP_RATE_LIMIT)."""
    return _register(_new_user(name, email, password, client_ip), handoff=False).user


def sign_up(
    *, name: str, email: str, password: str, client_ip: str | None = None, session: Session | None = None
) -> SignedIn:
    """`create_user` and its first hand-off code, in one transaction (the caller's,
    given `session`: services/invites.py checks the workspace's sign-up mode in it)."""
    return _register(_new_user(name, email, password, client_ip), handoff=True, joined=session)


def _verified_user(session: Session, email: str, password: str, client_ip: str | None) -> User:
    """The same message for an unknown email and a wrong password: no enumeration.
    Throttled (services/login_throttle.py) before the password is checked."""
    email = normalize_email(email)
    if refusal := login_throttle.admit(email, client_ip):
        raise AuthError(refusal)
    user = session.exec(select(User).where(User.email == email)).first()
    if not verify_password(user.password_hash if user else None, password) or user is None:
        login_throttle.record_failure(client_ip)
        raise AuthError(LOGIN_FAILED)
    login_throttle.record_success(email)
    if user.deactivated_at is not None:  # said only to whoever knows the password
        raise AuthError(DEACTIVATED)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def authenticate(email: str, password: str, *, client_ip: str | None = None) -> CurrentUser:
    """The account for these credentials; AuthError otherwise (per IP too when
    `client_ip` is given: the hub's log-in form)."""
    with session_scope() as session:
        return _public(_verified_user(session, email, password, client_ip))


def log_in(email: str, password: str, *, client_ip: str | None = None) -> SignedIn:
    """`authenticate` and a hand-off code, in one transaction."""
    with session_scope() as session:
        user = _public(_verified_user(session, email, password, client_ip))
        return SignedIn(user, _add_session(session, user.id, timedelta(seconds=HANDOFF_SECONDS)))


def change_password(user_id: int, *, current: str, new: str, keep_token: str) -> int:
    """Set a new password and end every other session of the user, in one
    transaction; returns how many ended. The current password is asked again so
    a borrowed, unlocked browser cannot lock its owner out."""
    with session_scope() as session:
        user = session.get(User, user_id)
        if user is None or not verify_password(user.password_hash, current):
            raise AuthError(WRONG_PASSWORD, "current")
        if problem := password_problem(new, email=user.email, name=user.name):
            raise AuthError(problem, "new")
        user.password_hash = hash_password(new)
        ended = _end_sessions(session, user_id, except_token=keep_token)
    bus.publish(0, SessionsEnded(user_id=user_id))
    return ended


# ---- sessions -------------------------------------------------------------------------


def start_session(user_id: int) -> str:
    """Create a session and return its token; only the caller ever sees the token."""
    with session_scope() as session:
        return _add_session(session, user_id, _session_lifetime())


def start_handoff(user_id: int) -> str:
    """A one-time code that `claim_handoff` turns into a session within HANDOFF_SECONDS.
    Stored as a session that short-lived: no extra table, and an unclaimed code
    simply expires and is purged with the other expired sessions."""
    with session_scope() as session:
        return _add_session(session, user_id, timedelta(seconds=HANDOFF_SECONDS))


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
            .values(token_hash=_token_hash(token), created_at=now, expires_at=now + _session_lifetime())
        )
        if claimed.rowcount != 1:
            return None
        if previous_token:
            session.exec(delete(AuthSession).where(AuthSession.token_hash == _token_hash(previous_token)))
    return token


def user_for_session(token: str | None) -> CurrentUser | None:
    """None for no, unknown or expired token; errors.Unavailable if the database is down."""
    if not token:
        return None
    with database_guard(), session_scope() as session:
        row = session.exec(
            select(User, AuthSession.expires_at)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.token_hash == _token_hash(token), User.deactivated_at.is_(None))  # type: ignore[union-attr]
        ).first()
    if row is None or row[1] <= utcnow():
        return None
    return _public(row[0])


def end_session(token: str | None) -> None:
    if not token:
        return
    with session_scope() as session:
        session.exec(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def _end_sessions(session: Session, user_id: int, except_token: str | None) -> int:
    condition = AuthSession.user_id == user_id
    if except_token:
        condition = condition & (AuthSession.token_hash != _token_hash(except_token))
    return session.exec(delete(AuthSession).where(condition)).rowcount or 0


def end_all_sessions(user_id: int, *, except_token: str | None = None) -> int:
    """Log the user out everywhere (but the session `except_token`, if given); every
    worker is told (`SessionsEnded`) so the user's open tabs re-check theirs."""
    with session_scope() as session:
        ended = _end_sessions(session, user_id, except_token)
    bus.publish(0, SessionsEnded(user_id=user_id))
    return ended


def purge_expired_sessions() -> int:
    with session_scope() as session:
        result = session.exec(delete(AuthSession).where(AuthSession.expires_at <= utcnow()))
        return result.rowcount or 0
