"""The workspace (one per deployment) and its admins: the accounts list, deactivating
and reactivating accounts, making and removing admins, and the sign-up mode.

Every action re-checks that the actor is an active admin (`ensure_admin`); anyone
else gets NotFound, the same answer as for a page that does not exist, so /admin
does not tell a member that it is there. The hub never has zero active admins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.roles import LAST_ADMIN, SignupMode
from neurocache_ui.services import auth
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import User, utcnow
from neurocache_ui.store.workspace_models import WORKSPACE_ID, Workspace

NOT_ADMIN = "Page not found."
ACCOUNTS_PAGE = 25
UNKNOWN_ACCOUNT = "That account does not exist."


@dataclass(frozen=True)
class AccountRow:
    """One account as /admin lists it."""

    id: int
    name: str
    email: str
    is_admin: bool
    active: bool
    created_at: datetime


@dataclass(frozen=True)
class AccountPage:
    rows: list[AccountRow]
    page: int
    pages: int
    total: int


def ensure_admin(session: Session, user_id: int) -> None:
    """NotFound unless `user_id` is an active admin: one primary-key lookup."""
    user = session.get(User, user_id)
    if user is None or not user.is_admin or user.deactivated_at is not None:
        raise NotFound(NOT_ADMIN)


def is_admin(user_id: int) -> bool:
    with session_scope() as session:
        try:
            ensure_admin(session, user_id)
        except NotFound:
            return False
    return True


def _active_admins(session: Session) -> int:
    query = select(sa.func.count()).select_from(User).where(User.is_admin, User.deactivated_at.is_(None))  # type: ignore[union-attr,arg-type]
    return int(session.exec(query).one())


def accounts(actor_id: int, page: int = 1) -> AccountPage:
    """Every account, oldest first, ACCOUNTS_PAGE at a time (`page` from 1, clamped)."""
    with session_scope() as session:
        ensure_admin(session, actor_id)
        total = int(session.exec(select(sa.func.count()).select_from(User)).one())
        pages = max(1, -(-total // ACCOUNTS_PAGE))
        page = min(max(1, page), pages)
        users = session.exec(
            select(User).order_by(User.created_at, User.id).offset((page - 1) * ACCOUNTS_PAGE).limit(ACCOUNTS_PAGE)  # type: ignore[arg-type]
        ).all()
        rows = [
            AccountRow(id=u.id or 0, name=u.name, email=u.email, is_admin=u.is_admin, active=u.deactivated_at is None,
                       created_at=u.created_at)
            for u in users
        ]
    return AccountPage(rows=rows, page=page, pages=pages, total=total)


def _target(session: Session, actor_id: int, user_id: int) -> User:
    ensure_admin(session, actor_id)
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise Invalid(UNKNOWN_ACCOUNT)
    return user


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse a change that would take the last active admin away."""
    if user.is_admin and user.deactivated_at is None and _active_admins(session) <= 1:
        raise Invalid(LAST_ADMIN)


def set_active(actor_id: int, user_id: int, active: bool) -> AccountRow:
    """Deactivate (or reactivate) an account. Deactivated: it cannot log in, its API
    keys get 401 on their next request (services/api_keys.authenticate), its sessions
    end and its open tabs are logged out live (`auth.end_all_sessions` publishes
    `sessions.ended`); its messages, channels and agents stay."""
    with session_scope() as session:
        user = _target(session, actor_id, user_id)
        if not active:
            if user_id == actor_id:
                raise Invalid("You cannot deactivate your own account.")
            _keep_an_admin(session, user)
        user.deactivated_at = None if active else (user.deactivated_at or utcnow())
        session.add(user)
        row = _row(user)
    if not active:
        auth.end_all_sessions(user_id)
    return row


def set_admin(actor_id: int, user_id: int, admin: bool) -> AccountRow:
    """Make an account an admin, or take it away (never from the last active admin)."""
    with session_scope() as session:
        user = _target(session, actor_id, user_id)
        if not admin:
            _keep_an_admin(session, user)
        elif user.deactivated_at is not None:
            raise Invalid("Reactivate this account before making it an admin.")
        user.is_admin = admin
        session.add(user)
        return _row(user)


def _row(user: User) -> AccountRow:
    assert user.id is not None
    return AccountRow(id=user.id, name=user.name, email=user.email, is_admin=user.is_admin,
                      active=user.deactivated_at is None, created_at=user.created_at)


def signup_mode(session: Session | None = None) -> SignupMode:
    """The workspace's sign-up mode; open on a database whose row is missing."""
    with session_scope(session) as unit:
        stored = unit.exec(select(Workspace.signup_mode).where(Workspace.id == WORKSPACE_ID)).first()
    try:
        return SignupMode(stored or SignupMode.OPEN)
    except ValueError:
        return SignupMode.CLOSED  # an unknown stored value lets nobody in rather than everyone


def set_signup_mode(actor_id: int, mode: str) -> SignupMode:
    try:
        chosen = SignupMode(mode)
    except ValueError:
        raise Invalid("Choose open, invite-only or closed.", "signup_mode") from None
    with session_scope() as session:
        ensure_admin(session, actor_id)
        row = session.get(Workspace, WORKSPACE_ID) or Workspace(id=WORKSPACE_ID)
        row.signup_mode = chosen.value
        session.add(row)
    return chosen
