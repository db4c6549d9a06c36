"""Sign-up as the workspace allows it: open, invite-only (an admin's invite link with
an expiry and a number of uses) or closed. The hub's sign-up form comes through
`sign_up`; the CLI's `user create` is an administrator's tool and is not gated.

An invite's token is 256 random bits shown once (in its link); the database keeps
its SHA-256. A use is counted by one conditional UPDATE in the sign-up's own
transaction, so two people racing for the last use cannot both get in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select, update

from neurocache_ui.domain import roles
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import auth, workspace
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.workspace_models import SignupInvite

INVITE_PATH = "/signup?invite="
LIST_LIMIT = 50


@dataclass(frozen=True)
class InviteRow:
    id: int
    created_at: datetime
    expires_at: datetime
    uses: int
    max_uses: int
    problem: str
    """Why it cannot be used now ("" while it can)."""


@dataclass(frozen=True)
class NewInvite:
    row: InviteRow
    token: str
    """Shown once, in the link `INVITE_PATH + token`."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _row(invite: SignupInvite, now: datetime) -> InviteRow:
    assert invite.id is not None
    problem = roles.invite_problem(
        expires_at=invite.expires_at, uses=invite.uses, max_uses=invite.max_uses, revoked=invite.revoked_at is not None,
        now=now,
    )
    return InviteRow(id=invite.id, created_at=invite.created_at, expires_at=invite.expires_at, uses=invite.uses,
                     max_uses=invite.max_uses, problem=problem)


def _bounded(value: int | str, *, label: str, field: str, maximum: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if not 1 <= number <= maximum:
        raise Invalid(f"{label} must be a whole number from 1 to {maximum}.", field)
    return number


def create_invite(actor_id: int, *, days: int | str, max_uses: int | str) -> NewInvite:
    """An admin's new invite link, valid for `days` days and `max_uses` sign-ups."""
    days = _bounded(days, label="Days valid", field="days", maximum=roles.INVITE_DAYS_MAX)
    uses = _bounded(max_uses, label="Uses", field="max_uses", maximum=roles.INVITE_USES_MAX)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with session_scope() as session:
        workspace.ensure_admin(session, actor_id)
        invite = SignupInvite(token_hash=_hash(token), created_by=actor_id, created_at=now,
                              expires_at=now + timedelta(days=days), max_uses=uses)
        session.add(invite)
        session.flush()
        return NewInvite(row=_row(invite, now), token=token)


def list_invites(actor_id: int) -> list[InviteRow]:
    """The newest LIST_LIMIT invites, usable or not (so an admin sees why one stopped)."""
    with session_scope() as session:
        workspace.ensure_admin(session, actor_id)
        found = session.exec(select(SignupInvite).order_by(SignupInvite.id.desc()).limit(LIST_LIMIT)).all()  # type: ignore[union-attr]
        now = utcnow()
        return [_row(invite, now) for invite in found]


def revoke(actor_id: int, invite_id: int) -> None:
    with session_scope() as session:
        workspace.ensure_admin(session, actor_id)
        invite = session.get(SignupInvite, invite_id)
        if invite is None:
            raise NotFound("That invite does not exist.")
        invite.revoked_at = invite.revoked_at or utcnow()
        session.add(invite)


def _problem_with(session: Session, token: str) -> str:
    invite = session.exec(select(SignupInvite).where(SignupInvite.token_hash == _hash(token))).first()
    if invite is None:
        return roles.INVITE_UNKNOWN
    return _row(invite, utcnow()).problem


def signup_problem(invite_token: str = "") -> str:
    """Why the sign-up page cannot be used now ("" when it can): shown instead of the form.
    An invite link also works while sign-up is open (it is then simply not needed)."""
    with session_scope() as session:
        mode = workspace.signup_mode(session)
        if problem := roles.signup_problem(mode, has_invite=bool(invite_token)):
            return problem
        if mode == roles.SignupMode.INVITE:
            return _problem_with(session, invite_token)
    return ""


def _use(session: Session, token: str) -> None:
    """Count one use of the invite, if it can be used right now; Invalid saying why not."""
    now = utcnow()
    used = session.exec(
        update(SignupInvite)
        .where(
            SignupInvite.token_hash == _hash(token),
            SignupInvite.revoked_at.is_(None),  # type: ignore[union-attr]
            SignupInvite.expires_at > now,
            SignupInvite.uses < SignupInvite.max_uses,
        )
        .values(uses=SignupInvite.uses + sa.literal(1))
    )
    if not used.rowcount:
        raise auth.AuthError(_problem_with(session, token) or roles.INVITE_UNKNOWN)


def sign_up(*, name: str, email: str, password: str, client_ip: str | None, invite: str = "") -> auth.SignedIn:
    """`auth.sign_up` if the workspace lets this person in: the mode is checked, and an
    invite's use counted, in the same transaction as the new account, so a refused
    account is never created and a failed sign-up (say, a weak password) uses nothing."""
    with session_scope() as session:
        mode = workspace.signup_mode(session)
        if problem := roles.signup_problem(mode, has_invite=bool(invite)):
            raise auth.AuthError(problem)
        signed_in = auth.sign_up(name=name, email=email, password=password, client_ip=client_ip, session=session)
        if mode == roles.SignupMode.INVITE:
            _use(session, invite)
        return signed_in
