"""Sessions in a real browser: the cookie is HttpOnly, log-out leaves nothing in the
tab, and changing the password logs the account's other browsers out live."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from neurocache_ui.services.auth import SESSION_COOKIE
from testkit.browser import create_channel
from testkit.factories import Account
from testkit.hub import HubServer
from tests.e2e.test_channels import NewContext, SignUp


def log_in(page: Page, account: Account, password: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(password or account.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_the_session_cookie_is_httponly_and_rotates_on_login(hub: HubServer, new_context: NewContext, sign_up: SignUp) -> None:
    context = new_context(base_url=hub.url)
    page = context.new_page()
    account = sign_up(page)
    first = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    assert len(first) == 1 and first[0]["httpOnly"] and first[0]["sameSite"] == "Strict"
    assert SESSION_COOKIE not in page.evaluate("document.cookie")
    assert first[0]["value"] not in page.content()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    assert [c for c in context.cookies() if c["name"] == SESSION_COOKIE] == []
    log_in(page, account)
    second = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    assert second and second[0]["value"] != first[0]["value"]


def test_log_out_leaves_nothing_for_the_next_person_in_the_tab(hub: HubServer, new_context: NewContext, sign_up: SignUp) -> None:
    page = new_context(base_url=hub.url).new_page()
    sign_up(page)
    channel = f"private {uuid.uuid4().hex[:6]}"
    create_channel(page, channel)
    page.goto("/keys")
    page.get_by_role("button", name="Create key").click()
    page.get_by_label("Name").fill("left behind?")
    page.get_by_role("button", name="Create", exact=True).click()
    secret = page.get_by_label("New API key").input_value()
    assert secret.startswith("nck_")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    sign_up(page)  # someone else, same tab
    page.goto("/keys")
    expect(page.get_by_text("No API keys yet")).to_be_visible()
    assert secret not in page.content()
    expect(page.get_by_role("link", name=channel)).to_have_count(0)


def test_changing_the_password_logs_other_browsers_out_live(hub: HubServer, new_context: NewContext, sign_up: SignUp) -> None:
    here = new_context(base_url=hub.url).new_page()
    account = sign_up(here)
    channel = f"watch {uuid.uuid4().hex[:6]}"
    create_channel(here, channel)
    there = new_context(base_url=hub.url).new_page()
    log_in(there, account)
    there.get_by_role("link", name=channel, exact=True).click()
    expect(there.get_by_role("heading", name=f"# {channel}")).to_be_visible()

    here.get_by_role("link", name="Account").click()
    here.get_by_label("Current password").fill("not the password")
    here.get_by_label("New password", exact=True).fill("a much better passphrase")
    here.get_by_label("Repeat new password").fill("a much better passphrase")
    here.get_by_role("button", name="Change password").click()
    expect(here.get_by_text("Your current password is not correct.")).to_be_visible()
    here.get_by_label("Current password").fill(account.password)
    here.get_by_role("button", name="Change password").click()
    expect(here.get_by_text(re.compile(r"Password changed\. 1 other session was logged out\."))).to_be_visible()

    # Live, without a reload or any action there: the tab forgets the channel it showed.
    expect(there.get_by_role("alert")).to_contain_text("You were logged out")
    expect(there.get_by_role("heading", name=f"# {channel}")).to_have_count(0)
    there.reload()
    expect(there).to_have_url(re.compile(r"/login"))
    log_in(there, account, "a much better passphrase")

    here.get_by_role("link", name="Account").click()
    here.get_by_role("button", name="Log out everywhere").click()
    expect(here).to_have_url(re.compile(r"/login/?$"))
    expect(there.get_by_role("alert")).to_contain_text("You were logged out")
    there.reload()
    expect(there).to_have_url(re.compile(r"/login"))
