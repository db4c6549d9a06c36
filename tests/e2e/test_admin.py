"""The workspace's admin in real browsers, on a hub with a database of its own (the first
account and the sign-up mode belong to a whole deployment, so the shared hub cannot
show them): the first account signed up is the admin and sees /admin, a second
account gets the not-found page; deactivating an account logs its open tab out live,
its API key gets 401 and it cannot log in; invite-only sign-up works with a valid
invite link and says why with an expired or used-up one; closed sign-up says so."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.domain import roles
from neurocache_ui.services import api_keys, invites, workspace
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.workspace_models import SignupInvite
from testkit import browser as pages
from testkit.database import fresh_database
from testkit.factories import Account, new_account
from testkit.hub import HubServer
from testkit.servers import RedisServer
from testkit.ui_audit import audit
from tests.conftest import PER_IP_LIMITS
from tests.e2e.test_account import log_in

SHOTS = Path("/work/shots/roles")
NewContext = Callable[..., BrowserContext]


@dataclass(frozen=True)
class Deployment:
    hub: HubServer
    database_url: str
    admin: Account
    """The first account, signed up through the form before anything else."""
    admin_id: int


@pytest.fixture(scope="module")
def deployment(
    start_hub: Callable[..., HubServer], unshared_redis_server: RedisServer,
    module_context: Callable[..., BrowserContext], browser_calls: Callable[[], AbstractContextManager[None]],
) -> Iterator[Deployment]:
    """A fresh hub (two workers, its own Postgres database and Redis) whose first account
    signs up through the real form."""
    with fresh_database("nc_admin_e2e") as url:
        hub = start_hub(database_url=url, redis_url=unshared_redis_server.url, workers=2, env=PER_IP_LIMITS)
        with browser_calls():
            page = module_context(base_url=hub.url).new_page()
            admin = pages.sign_up(page)
            page.close()
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            admin_id = conn.execute(sa.text("SELECT id FROM user_account WHERE email = :e"), {"e": admin.email}).scalar_one()
        engine.dispose()
        yield Deployment(hub, url, admin, admin_id)
        hub.stop()


@pytest.fixture
def services_on(deployment: Deployment, use_settings, unshared_redis_server: RedisServer) -> Deployment:
    """This process's services on the deployment's database and Redis."""
    use_settings(DATABASE_URL=deployment.database_url, REDIS_URL=unshared_redis_server.url)
    return deployment


def browser_of(new_context: NewContext, hub: HubServer, size: tuple[int, int] = (1280, 800)) -> Page:
    return new_context(base_url=hub.url, viewport={"width": size[0], "height": size[1]}).new_page()


def admin_page(new_context: NewContext, d: Deployment, size: tuple[int, int] = (1280, 800)) -> Page:
    page = browser_of(new_context, d.hub, size)
    pages.sign_in(page, d.admin_id, "/admin")
    expect(page.get_by_role("heading", name="Admin", level=1)).to_be_visible()
    return page


def account_row(page: Page, account: Account):
    return page.get_by_role("list", name="Accounts").get_by_role("listitem").filter(has_text=account.email)


def test_the_first_account_is_admin_and_a_second_gets_not_found(new_context: NewContext, services_on: Deployment) -> None:
    d = services_on
    ada = admin_page(new_context, d)
    expect(ada.get_by_role("navigation", name="Hub").get_by_role("link", name="Admin")).to_be_visible()
    expect(account_row(ada, d.admin).get_by_text("Admin", exact=True)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=str(SHOTS / "admin-1280.png"), full_page=True)
    assert audit(ada).problems() == []

    bob_page = browser_of(new_context, d.hub)
    bob = pages.sign_up(bob_page)
    expect(bob_page.get_by_role("navigation", name="Hub").get_by_role("link", name="Admin")).to_have_count(0)
    bob_page.goto("/admin")
    expect(bob_page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(bob_page.get_by_text(d.admin.email)).to_have_count(0)
    signed_out = browser_of(new_context, d.hub)
    signed_out.goto("/admin")
    expect(signed_out.get_by_role("heading", name="Page not found")).to_be_visible()

    ada.reload()
    row = account_row(ada, bob)
    row.get_by_role("button", name=f"Make admin: {bob.name}").click()
    expect(row.get_by_text("Admin", exact=True)).to_be_visible()
    row.get_by_role("button", name=f"Remove admin: {bob.name}").click()
    expect(row.get_by_text("Admin", exact=True)).to_have_count(0)
    phone = admin_page(new_context, d, (390, 844))
    phone.screenshot(path=str(SHOTS / "admin-390.png"), full_page=True)
    assert audit(phone).problems() == []  # no sideways scrolling, nothing covered, axe-core


def test_deactivating_logs_the_open_tab_out_live_and_its_key_gets_401(
    new_context: NewContext, services_on: Deployment
) -> None:
    d = services_on
    cy_page = browser_of(new_context, d.hub)
    cy = pages.sign_up(cy_page)
    pages.create_channel(cy_page, "Cy's notes")
    cy_id = next(r.id for r in workspace.accounts(d.admin_id, 1).rows if r.email == cy.email)
    key, _ = api_keys.create_key(cy_id, "cy's script")
    channels_url = f"{d.hub.url}/api/v1/channels"
    assert httpx.get(channels_url, headers={"Authorization": f"Bearer {key}"}).status_code == 200

    ada = admin_page(new_context, d)
    account_row(ada, cy).get_by_role("button", name=f"Deactivate {cy.name}").click()
    ada.get_by_role("alertdialog").get_by_role("button", name="Deactivate").click()
    expect(account_row(ada, cy).get_by_text("Deactivated")).to_be_visible()

    expect(cy_page.get_by_role("alert")).to_contain_text("You were logged out")  # live, no reload
    assert httpx.get(channels_url, headers={"Authorization": f"Bearer {key}"}).status_code == 401
    again = browser_of(new_context, d.hub)
    again.goto("/login")
    again.get_by_label("Email").fill(cy.email)
    again.get_by_label("Password").fill(cy.password)
    again.get_by_role("button", name="Log in").click()
    expect(again.get_by_role("alert")).to_contain_text("This account has been deactivated")

    account_row(ada, cy).get_by_role("button", name=f"Reactivate {cy.name}").click()
    expect(account_row(ada, cy).get_by_text("Deactivated")).to_have_count(0)
    log_in(again, cy)
    assert httpx.get(channels_url, headers={"Authorization": f"Bearer {key}"}).status_code == 200


def signup_says(new_context: NewContext, d: Deployment, path: str, text: str) -> Page:
    page = browser_of(new_context, d.hub)
    page.goto(path)
    expect(page.get_by_role("alert")).to_contain_text(text)
    expect(page.get_by_role("button", name="Sign up")).to_have_count(0)
    return page


def test_invite_only_and_closed_sign_up(new_context: NewContext, services_on: Deployment) -> None:
    d = services_on
    ada = admin_page(new_context, d)
    ada.get_by_role("combobox", name="Who can sign up").click()
    ada.get_by_role("option", name=roles.SIGNUP_LABELS[roles.SignupMode.INVITE]).click()
    expect(ada.get_by_text("Sign-up setting saved")).to_be_visible()
    signup_says(new_context, d, "/signup", "by invitation only")

    ada.get_by_label("Days valid").fill("7")
    ada.get_by_label("Uses").fill("1")
    ada.get_by_role("button", name="Create invite link").click()
    link = ada.get_by_label("New invite link").input_value()
    assert re.search(r"/signup\?invite=[\w-]{40,}$", link), link
    path = link[link.index("/signup"):]
    ada.screenshot(path=str(SHOTS / "admin-invites-1280.png"), full_page=True)
    invitee = browser_of(new_context, d.hub)
    invitee.goto(path)
    account = new_account("Dee")
    invitee.get_by_label("Name").fill(account.name)
    invitee.get_by_label("Email").fill(account.email)
    invitee.get_by_label("Password").fill(account.password)
    invitee.get_by_role("button", name="Sign up").click()
    expect(invitee.get_by_role("searchbox", name="Search messages")).to_be_visible()
    signup_says(new_context, d, path, "used as many times as it allows")
    ada.reload()
    expect(ada.get_by_role("list", name="Invite links").get_by_role("listitem").first).to_contain_text("1 of 1")

    late = invites.create_invite(d.admin_id, days=1, max_uses=5)
    with session_scope() as session:
        session.execute(sa.update(SignupInvite).where(SignupInvite.id == late.row.id)
                        .values(expires_at=late.row.created_at - timedelta(seconds=1)))
    signup_says(new_context, d, f"{invites.INVITE_PATH}{late.token}", "This invite link has expired")
    signup_says(new_context, d, f"{invites.INVITE_PATH}made-up-token", "not valid")

    ada.get_by_role("combobox", name="Who can sign up").click()
    ada.get_by_role("option", name=roles.SIGNUP_LABELS[roles.SignupMode.CLOSED]).click()
    expect(ada.get_by_role("combobox", name="Who can sign up")).to_contain_text("Closed")
    signup_says(new_context, d, "/signup", "Sign-up is closed on this hub")
    signup_says(new_context, d, path, "Sign-up is closed on this hub")
    workspace.set_signup_mode(d.admin_id, "open")  # the deployment as it came, for any test after
