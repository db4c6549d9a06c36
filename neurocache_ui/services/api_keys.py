"""API keys: create (the secret shown once, with its limits: domain/scopes.py), list,
revoke, and authenticate a request's key. Only a key's SHA-256 and prefix are stored;
the secret has full entropy, so a fast hash suffices and a lookup is one unique-index probe."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, computed_field
from sqlmodel import Session

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.limits import KEY_NAME_MAX
from neurocache_ui.domain.scopes import KeyLimits, Scope
from neurocache_ui.services.auth import normalize_email
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, get_engine, session_scope
from neurocache_ui.store.models import Agent, ApiKey, Channel, ChannelMember, User, UTCDateTime, utcnow

KEY_PREFIX = "nck_"
SECRET_BYTES = 32
PREFIX_CHARS = 12  # "nck_" + 8 characters: enough to tell keys apart in a list
LAST_USED_EVERY = timedelta(minutes=1)
NOT_FOUND = "API key not found."
ACCOUNT_GONE = "Account not found."
_KEY_SHAPE = re.compile(r"^nck_[A-Za-z0-9_-]{43}$")


class ApiKeyPublic(BaseModel):
    """A key as its owner sees it: never the secret, never the hash."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    scopes: list[Scope]
    agent_slugs: list[str] = []
    """The agents the key is limited to; empty: all its owner's."""
    channel_slugs: list[str] = []
    """The channels the key is limited to; empty: all its owner's."""
    monthly_budget: int | None = None
    """Model calls a calendar month (UTC); None: no budget."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> str:
        """"active", "expired" or "revoked" (revoked wins)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"


@dataclass(frozen=True, slots=True)
class KeyContext:
    """Who a request's key acts for."""

    user_id: int
    key_id: int
    limits: KeyLimits = KeyLimits()
    """What the key may do and reach; every scope and no restriction unless it was made with limits."""


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def looks_like_key(plaintext: str | None) -> bool:
    """The shape of a key we issue; anything else is refused without a database lookup."""
    return bool(plaintext) and _KEY_SHAPE.match(plaintext) is not None  # type: ignore[arg-type]


def new_secret() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(SECRET_BYTES)


def _public(row: ApiKey) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(row, from_attributes=True)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise Invalid("Give the key a name, e.g. where it will be used.", "name")
    if len(name) > KEY_NAME_MAX:
        raise Invalid(f"Key name must be at most {KEY_NAME_MAX} characters.", "name")
    return name


def expiry_after(days: int | None) -> datetime | None:
    """When a key made now for `days` days expires (None: never)."""
    return utcnow() + timedelta(days=days) if days else None


def _checked_expiry(expires_at: datetime | None) -> datetime | None:
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise Invalid("Expiry must include a time zone (UTC).", "expires_at")
        if expires_at <= utcnow():
            raise Invalid("Expiry must be in the future.", "expires_at")
    return expires_at


def _check_slugs(session: Session, user_id: int, limits: KeyLimits) -> None:
    """Invalid, naming them, for agents that are not the owner's or channels they are not in:
    a typo would otherwise make a key that reaches nothing."""
    if limits.agents:
        query = sa.select(Agent.slug).where(Agent.owner_id == user_id, Agent.slug.in_(limits.agents))  # type: ignore[attr-defined]
        _refuse_unknown(limits.agents, set(session.exec(query).scalars()), "agent of yours", "agents")  # type: ignore[call-overload]
    if limits.channels:
        query = (
            sa.select(Channel.slug)
            .join(ChannelMember, ChannelMember.channel_id == Channel.id)  # type: ignore[arg-type]
            .where(ChannelMember.user_id == user_id, Channel.slug.in_(limits.channels))  # type: ignore[attr-defined]
        )
        _refuse_unknown(limits.channels, set(session.exec(query).scalars()), "channel you are in", "channels")  # type: ignore[call-overload]


def _refuse_unknown(wanted: tuple[str, ...], have: set[str], kind: str, field: str) -> None:
    unknown = [slug for slug in wanted if slug not in have]
    if unknown:
        names = ", ".join(repr(slug) for slug in unknown)
        raise Invalid(f"No {kind} has the slug {names}. Check the spelling, or leave {field} empty for all.", field)


def _add_key(
    session: Session, user_id: int, name: str, expires_at: datetime | None, limits: KeyLimits
) -> tuple[str, ApiKeyPublic]:
    """At most NEUROCACHE_MAX_KEYS_PER_USER active keys per user: each key is one
    more credential to leak and one more per-key rate limit. The no-op UPDATE of
    the user's row locks it (Postgres) or takes the write lock (SQLite) before the
    count, so two concurrent creations cannot pass the cap together."""
    locked = session.exec(sa.update(User).where(User.id == user_id).values(id=User.id))  # type: ignore[call-overload,arg-type]
    if not locked.rowcount:
        raise NotFound(ACCOUNT_GONE)
    active = session.exec(  # type: ignore[call-overload]
        sa.select(sa.func.count()).select_from(ApiKey).where(ApiKey.user_id == user_id, _active(utcnow()))
    ).scalar_one()
    cap = get_settings().max_keys_per_user
    if active >= cap:
        raise Invalid(
            f"You already have {active} active API keys, the most allowed ({cap}). "
            "Revoke a key you no longer use, then create the new one.",
            "name",
        )
    _check_slugs(session, user_id, limits)
    secret = new_secret()
    row = ApiKey(
        user_id=user_id, name=name, prefix=secret[:PREFIX_CHARS], key_hash=hash_key(secret), expires_at=expires_at,
        scopes=list(limits.scopes), agent_slugs=list(limits.agents), channel_slugs=list(limits.channels),
        monthly_budget=limits.budget,
    )
    session.add(row)
    session.flush()
    return secret, _public(row)


def create_key(
    user_id: int, name: str, expires_at: datetime | None = None, limits: KeyLimits = KeyLimits()
) -> tuple[str, ApiKeyPublic]:
    """A new key for the user: (the secret, shown to them once; its public view).
    `limits` come parsed (domain/scopes.py); the agents and channels named must be the user's."""
    name, expires_at = _clean_name(name), _checked_expiry(expires_at)
    with database_guard(), session_scope() as session:
        return _add_key(session, user_id, name, expires_at, limits)


def _active(now: datetime) -> sa.ColumnElement[bool]:
    """Not revoked and not expired at `now`."""
    return sa.and_(
        ApiKey.revoked_at.is_(None),  # type: ignore[union-attr]
        sa.or_(ApiKey.expires_at.is_(None), ApiKey.expires_at > now),  # type: ignore[union-attr,operator]
    )


def create_key_for_email(
    email: str, name: str, expires_at: datetime | None = None, limits: KeyLimits = KeyLimits()
) -> tuple[str, ApiKeyPublic]:
    """For the CLI: a key for the account with this email."""
    name, expires_at = _clean_name(name), _checked_expiry(expires_at)
    with database_guard(), session_scope() as session:
        user_id = session.exec(sa.select(User.id).where(User.email == normalize_email(email))).scalar()  # type: ignore[call-overload]
        if user_id is None:
            raise NotFound(f"No account uses the email {email!r}.")
        return _add_key(session, user_id, name, expires_at, limits)


def list_keys(user_id: int) -> list[ApiKeyPublic]:
    """The user's keys, newest first, revoked and expired ones included."""
    with database_guard(), session_scope() as session:
        rows = session.exec(  # type: ignore[call-overload]
            sa.select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())  # type: ignore[attr-defined,union-attr]
        ).scalars().all()
        return [_public(row) for row in rows]


def revoke_key(user_id: int, key_id: int) -> ApiKeyPublic:
    """Revoke one of the user's keys; idempotent. Effective on the next request
    on every worker, since `authenticate` asks the database each time."""
    with database_guard(), session_scope() as session:
        row = session.get(ApiKey, key_id)
        if row is None or row.user_id != user_id:
            raise NotFound(NOT_FOUND)
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            session.add(row)
        session.flush()
        return _public(row)


_LOOKUP = (  # a deactivated account's keys find no row: 401 at once, on every worker
    sa.select(
        ApiKey.id, ApiKey.user_id, ApiKey.expires_at, ApiKey.revoked_at, ApiKey.last_used_at,
        ApiKey.scopes, ApiKey.agent_slugs, ApiKey.channel_slugs, ApiKey.monthly_budget,
    )
    .join(User, User.id == ApiKey.user_id)  # type: ignore[arg-type]
    .where(ApiKey.key_hash == sa.bindparam("key_hash"), User.deactivated_at.is_(None))  # type: ignore[union-attr]
)


def authenticate(plaintext: str | None) -> KeyContext | None:
    """The key's owner and id, or None for a malformed, unknown, revoked or
    expired key or one of a deactivated account; errors.Unavailable when the database cannot be asked. Asked on
    every request, with no cache, so a revocation or expiry counts on the next
    request on every worker; last_used_at is written at most once a minute."""
    if not looks_like_key(plaintext):
        return None
    assert plaintext is not None
    now = utcnow()
    with database_guard(), get_engine().connect() as conn:
        # Autocommit: a single-statement read needs no BEGIN and no ROLLBACK,
        # two fewer round trips on every API request.
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        row = conn.execute(_LOOKUP, {"key_hash": hash_key(plaintext)}).first()
        if row is None or row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
            return None
        if row.last_used_at is None or row.last_used_at <= now - LAST_USED_EVERY:
            _touch(conn, row.id, now)
    limits = KeyLimits(
        scopes=tuple(row.scopes), agents=tuple(row.agent_slugs), channels=tuple(row.channel_slugs), budget=row.monthly_budget
    )
    return KeyContext(user_id=row.user_id, key_id=row.id, limits=limits)


def _touch(conn: sa.Connection, key_id: int, now: datetime) -> None:
    """Move last_used_at forward; the condition keeps concurrent workers from
    writing more than needed and time from going backwards."""
    stale = sa.literal(now - LAST_USED_EVERY, UTCDateTime())
    conn.execute(
        sa.update(ApiKey)
        .where(ApiKey.id == key_id, sa.or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at <= stale))  # type: ignore[union-attr,operator]
        .values(last_used_at=now)
    )  # autocommit: written at once


__all__ = [
    "ApiKeyPublic",
    "KeyContext",
    "authenticate",
    "create_key",
    "create_key_for_email",
    "expiry_after",
    "hash_key",
    "list_keys",
    "looks_like_key",
    "revoke_key",
]
