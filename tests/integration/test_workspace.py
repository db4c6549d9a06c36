"""The workspace's rules (services/workspace.py, services/invites.py and what they
change in services/auth.py and services/api_keys.py) on Postgres and SQLite. Each
test gets a database of its own: "the first account" and the sign-up mode belong
to a whole deployment, so a shared database would make them depend on test order."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from neurocache_ui.domain import roles
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.infra import bus
from neurocache_ui.services import api_keys, auth, channels, dms, invites, workspace
from neurocache_ui.store.db import engine_for, session_scope
from neurocache_ui.store.workspace_models import SignupInvite
from testkit.database import fresh_database, migrate

PASSWORD = "analytical engine 1843"


@pytest.fixture(params=["postgres", "sqlite"])
def own_database(request: pytest.FixtureRequest, use_settings, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgres":
        with fresh_database("nc_workspace") as url:
            use_settings(DATABASE_URL=url, REDIS_URL=None)
            yield url
    else:
        url = f"sqlite:///{tmp_path / 'workspace.db'}"
        migrate(url)
        use_settings(DATABASE_URL=url, REDIS_URL=None)
        yield url
        engine_for(url).dispose()


def account(name: str) -> auth.CurrentUser:
    return auth.create_user(name=name, email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", password=PASSWORD)


def sign_up(name: str, invite: str = "") -> auth.SignedIn:
    return invites.sign_up(name=name, email=f"{name.lower()}-{uuid.uuid4().hex[:6]}@example.com", password=PASSWORD,
                           client_ip=None, invite=invite)


def test_the_first_account_is_the_admin_and_admins_manage_admins(own_database: str) -> None:
    ada, bob, cy = account("Ada"), account("Bob"), account("Cy")
    assert ada.is_admin and not bob.is_admin and not cy.is_admin
    assert workspace.is_admin(ada.id) and not workspace.is_admin(bob.id)

    with pytest.raises(NotFound):
        workspace.accounts(bob.id)  # /admin does not exist for a member
    with pytest.raises(NotFound):
        workspace.set_admin(bob.id, bob.id, True)
    page = workspace.accounts(ada.id)
    assert [row.name for row in page.rows] == ["Ada", "Bob", "Cy"] and page.pages == 1 and page.total == 3

    with pytest.raises(Invalid, match="at least one admin"):
        workspace.set_admin(ada.id, ada.id, False)  # the only admin
    assert workspace.set_admin(ada.id, bob.id, True).is_admin
    assert workspace.set_admin(bob.id, ada.id, False).is_admin is False  # now Bob is one, Ada may stop
    assert not workspace.is_admin(ada.id)
    with pytest.raises(Invalid, match="at least one admin"):
        workspace.set_admin(bob.id, bob.id, False)


def test_accounts_are_listed_a_page_at_a_time(own_database: str) -> None:
    admin = account("Admin")
    for n in range(workspace.ACCOUNTS_PAGE + 2):
        account(f"P{n:02d}")
    first, second = workspace.accounts(admin.id, 1), workspace.accounts(admin.id, 2)
    assert len(first.rows) == workspace.ACCOUNTS_PAGE and first.pages == 2
    assert [row.name for row in second.rows] == ["P24", "P25", "P26"]  # Admin came first
    assert workspace.accounts(admin.id, 99).page == 2  # clamped, not empty


def test_deactivation_ends_sessions_keys_and_log_in(own_database: str) -> None:
    ada, bob = account("Ada"), account("Bob")
    token = auth.start_session(bob.id)
    key, _ = api_keys.create_key(bob.id, "ci")
    assert api_keys.authenticate(key) is not None

    async def deactivate_and_listen() -> int:
        """Deactivate Bob while listening to the bus: the id `sessions.ended` names."""
        ready = asyncio.Event()
        events = bus.listen(ready=ready)
        first = asyncio.ensure_future(anext(events))
        await ready.wait()
        await asyncio.to_thread(workspace.set_active, ada.id, bob.id, False)
        channel_id, event = await first
        await events.aclose()
        assert channel_id == 0 and event.type == "sessions.ended"
        return event.user_id

    assert asyncio.run(asyncio.wait_for(deactivate_and_listen(), 10)) == bob.id
    assert auth.user_for_session(token) is None
    assert api_keys.authenticate(key) is None
    with pytest.raises(auth.AuthError, match="deactivated"):
        auth.log_in(bob.email, PASSWORD)
    with pytest.raises(auth.AuthError, match="incorrect"):
        auth.log_in(bob.email, "wrong password entirely")  # the state is told only to whoever knows the password
    with pytest.raises(Invalid, match="your own account"):
        workspace.set_active(ada.id, ada.id, False)
    with pytest.raises(Invalid, match="Reactivate"):
        workspace.set_admin(ada.id, bob.id, True)

    workspace.set_active(ada.id, bob.id, True)
    assert api_keys.authenticate(key) is not None  # the key was never revoked, only refused
    assert auth.log_in(bob.email, PASSWORD).user.id == bob.id


def test_sign_up_modes_and_invites(own_database: str) -> None:
    admin = sign_up("Admin").user
    assert admin.is_admin
    assert invites.signup_problem() == ""
    with pytest.raises(NotFound):
        workspace.set_signup_mode(sign_up("Bob").user.id, "closed")

    workspace.set_signup_mode(admin.id, "closed")
    assert invites.signup_problem() == roles.SIGNUP_CLOSED
    with pytest.raises(auth.AuthError, match="closed"):
        sign_up("Cy")
    assert account("Cy").id  # the CLI's `user create` is an admin's tool: not gated

    workspace.set_signup_mode(admin.id, "invite")
    assert invites.signup_problem() == roles.INVITE_NEEDED
    with pytest.raises(auth.AuthError, match="by invitation only"):
        sign_up("Dee")
    with pytest.raises(Invalid):
        invites.create_invite(admin.id, days=0, max_uses=1)
    twice = invites.create_invite(admin.id, days=7, max_uses=2)
    assert invites.signup_problem(twice.token) == ""
    assert invites.signup_problem("made-up") == roles.INVITE_UNKNOWN
    with pytest.raises(auth.AuthError) as weak:
        invites.sign_up(name="Dee", email="dee@example.com", password="short", client_ip=None, invite=twice.token)
    assert weak.value.field == "password"
    sign_up("Dee", twice.token)
    sign_up("Eve", twice.token)  # the weak password above used nothing
    assert invites.signup_problem(twice.token) == roles.INVITE_USED_UP
    with pytest.raises(auth.AuthError, match="as many times"):
        sign_up("Fay", twice.token)

    late = invites.create_invite(admin.id, days=1, max_uses=5)
    with session_scope() as session:  # a day later
        session.execute(sa.update(SignupInvite).where(SignupInvite.id == late.row.id)
                        .values(expires_at=late.row.created_at - timedelta(seconds=1)))
    with pytest.raises(auth.AuthError, match="expired"):
        sign_up("Gus", late.token)

    revoked = invites.create_invite(admin.id, days=1, max_uses=5)
    invites.revoke(admin.id, revoked.row.id)
    with pytest.raises(auth.AuthError, match="revoked"):
        sign_up("Hal", revoked.token)
    listed = {row.id: row.problem for row in invites.list_invites(admin.id)}
    assert listed == {twice.row.id: roles.INVITE_USED_UP, late.row.id: roles.INVITE_EXPIRED,
                      revoked.row.id: roles.INVITE_REVOKED}

    workspace.set_signup_mode(admin.id, "open")
    assert sign_up("Ida").user.id
    with pytest.raises(Invalid):
        workspace.set_signup_mode(admin.id, "sometimes")


def test_a_deactivated_account_cannot_be_invited_or_messaged(own_database: str) -> None:
    ada, bob, cy = account("Ada"), account("Bob"), account("Cy")
    channel = channels.create_channel(ada.id, name="Launch")
    channels.invite(channel.id, ada.id, bob.email)
    assert [p.id for p in dms.candidates(ada.id).people] == [bob.id]
    workspace.set_active(ada.id, bob.id, False)
    workspace.set_active(ada.id, cy.id, False)

    with pytest.raises(Invalid, match="Could not invite"):  # worded as for an unknown email
        channels.invite(channel.id, ada.id, cy.email)
    with pytest.raises(Invalid, match="No account has the email"):
        dms.open_dm(ada.id, emails=[bob.email])
    with pytest.raises(Invalid, match="not in any of your channels"):
        dms.open_dm(ada.id, user_ids=[bob.id])
    assert dms.candidates(ada.id).people == []

    workspace.set_active(ada.id, cy.id, True)
    assert channels.invite(channel.id, ada.id, cy.email).user_id == cy.id
