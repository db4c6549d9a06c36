"""The pure rules of roles and sign-up (domain/roles.py): who outranks whom, who may
remove whom, why an invite or the sign-up page cannot be used."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from neurocache_ui.domain import roles
from neurocache_ui.domain.roles import ChannelRole, SignupMode

OWNER, MODERATOR, MEMBER = ChannelRole.OWNER, ChannelRole.MODERATOR, ChannelRole.MEMBER
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_roles_rank_owner_over_moderator_over_member() -> None:
    assert roles.at_least(OWNER, MODERATOR) and roles.at_least(MODERATOR, MODERATOR)
    assert not roles.at_least(MEMBER, MODERATOR) and not roles.at_least(MODERATOR, OWNER)
    assert roles.parse_role("admin") == MEMBER  # unknown text never grants anything
    assert roles.refusal(MODERATOR, "rename it") == "Only the channel's owner or a moderator can rename it."


@pytest.mark.parametrize(("actor", "target", "allowed"), [
    (OWNER, MODERATOR, True), (OWNER, MEMBER, True), (OWNER, OWNER, False),
    (MODERATOR, MEMBER, True), (MODERATOR, MODERATOR, False), (MODERATOR, OWNER, False),
    (MEMBER, MEMBER, False),
])
def test_who_may_remove_whom(actor: ChannelRole, target: ChannelRole, allowed: bool) -> None:
    assert roles.may_remove(actor, target) is allowed


def test_an_invite_says_why_it_cannot_be_used() -> None:
    def problem(**changes: object) -> str:
        invite = {"expires_at": NOW + timedelta(days=1), "uses": 0, "max_uses": 1, "revoked": False, "now": NOW}
        return roles.invite_problem(**{**invite, **changes})  # type: ignore[arg-type]

    assert problem() == ""
    assert problem(uses=1) == roles.INVITE_USED_UP
    assert problem(expires_at=NOW) == roles.INVITE_EXPIRED
    assert problem(revoked=True, uses=1) == roles.INVITE_REVOKED  # revoked says so first


def test_the_sign_up_page_says_why_before_any_invite_is_read() -> None:
    assert roles.signup_problem(SignupMode.OPEN, has_invite=False) == ""
    assert roles.signup_problem(SignupMode.INVITE, has_invite=False) == roles.INVITE_NEEDED
    assert roles.signup_problem(SignupMode.INVITE, has_invite=True) == ""
    assert roles.signup_problem(SignupMode.CLOSED, has_invite=True) == roles.SIGNUP_CLOSED
