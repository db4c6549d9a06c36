"""Who may do what in the workspace and in a channel: pure rules, no I/O.

A deployment is one workspace: its accounts, its admins and its sign-up mode. In a
channel everyone has one role; the channel's `owner_id` is always its owner, the
owner names moderators, and everyone else is a member. Services ask these rules
(services/roles.py, services/workspace.py); the pages only use them to hide
buttons that would be refused anyway."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum


class ChannelRole(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    OWNER = "owner"


_RANK = {ChannelRole.MEMBER: 0, ChannelRole.MODERATOR: 1, ChannelRole.OWNER: 2}
ROLE_MAX = 16
"""The longest role name the column holds."""

ACTIONS = {
    ChannelRole.MODERATOR: "the channel's owner or a moderator",
    ChannelRole.OWNER: "the channel's owner",
}


def parse_role(value: str) -> ChannelRole:
    """A stored or requested role; anything unknown reads as a plain member."""
    try:
        return ChannelRole(value)
    except ValueError:
        return ChannelRole.MEMBER


def at_least(role: ChannelRole | str, needed: ChannelRole) -> bool:
    return _RANK[parse_role(role)] >= _RANK[needed]


def refusal(needed: ChannelRole, action: str) -> str:
    """The message for someone whose role is below `needed`, e.g. "Only the channel's
    owner or a moderator can delete other people's messages."."""
    return f"Only {ACTIONS[needed]} can {action}."


def may_remove(actor: ChannelRole, target: ChannelRole) -> bool:
    """The owner removes anyone but themself; a moderator removes plain members only
    (never another moderator, who may have been named to watch them)."""
    return actor == ChannelRole.OWNER and target != ChannelRole.OWNER or (
        actor == ChannelRole.MODERATOR and target == ChannelRole.MEMBER
    )


# ---------------------------------------------------------------- the workspace


class SignupMode(StrEnum):
    OPEN = "open"
    INVITE = "invite"
    CLOSED = "closed"


SIGNUP_LABELS = {
    SignupMode.OPEN: "Open: anyone can sign up",
    SignupMode.INVITE: "Invite-only: sign-up needs an invite link",
    SignupMode.CLOSED: "Closed: nobody can sign up",
}
SIGNUP_CLOSED = "Sign-up is closed on this hub. Ask an admin for an account."
INVITE_NEEDED = "Sign-up on this hub is by invitation only. Ask an admin for an invite link."
INVITE_UNKNOWN = "This invite link is not valid. Ask an admin for a new one."
INVITE_EXPIRED = "This invite link has expired. Ask an admin for a new one."
INVITE_USED_UP = "This invite link has been used as many times as it allows. Ask an admin for a new one."
INVITE_REVOKED = "This invite link was revoked. Ask an admin for a new one."
DEACTIVATED = "This account has been deactivated. Ask an admin of this hub if you think this is a mistake."
LAST_ADMIN = "The hub needs at least one admin: make someone else an admin first."
INVITE_DAYS_MAX = 90
INVITE_USES_MAX = 1000


def invite_problem(*, expires_at: datetime, uses: int, max_uses: int, revoked: bool, now: datetime) -> str:
    """Why an invite cannot be used now ("" when it can)."""
    if revoked:
        return INVITE_REVOKED
    if expires_at <= now:
        return INVITE_EXPIRED
    if uses >= max_uses:
        return INVITE_USED_UP
    return ""


def signup_problem(mode: SignupMode, *, has_invite: bool) -> str:
    """Why sign-up is refused before any invite is looked at ("" when it may go on)."""
    if mode == SignupMode.CLOSED:
        return SIGNUP_CLOSED
    if mode == SignupMode.INVITE and not has_invite:
        return INVITE_NEEDED
    return ""
