"""Sign-up, log-in, log-out and the session guard, in a real browser against the
production-like server (Postgres, Redis state, two workers)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from testkit.factories import Account, new_account
from testkit.hub import HubServer

NAV = ["Channels", "Agents", "API keys", "Usage"]
NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]


def open_page(new_context: NewContext, hub: HubServer) -> Page:
    return new_context(base_url=hub.url).new_page()


def expect_hub(page: Page, account: Account) -> None:
    """The signed-in shell: the sidebar's sections and who is logged in."""
    nav = page.get_by_role("navigation", name="Hub")
    for label in NAV:
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.get_by_text(account.name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()


def test_sign_up_log_out_log_in_and_stay_logged_in(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = open_page(new_context, hub)
    account = sign_up(page)
    expect(page).to_have_url(re.compile(r"/welcome/?$"))  # a new account starts with the first-run steps
    expect_hub(page, account)

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()

    log_in(page, account.email.upper(), account.password)
    expect(page).to_have_url(re.compile(r"/channels/?$"))
    expect_hub(page, account)

    page.reload()
    expect_hub(page, account)
    page.goto("/agents")
    expect(page).to_have_url(re.compile(r"/agents/?$"))
    expect_hub(page, account)


def test_logged_out_visitor_is_sent_to_login_and_back(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    """The guard runs on the server; after logging in the visitor lands where they were going."""
    account = sign_up(open_page(new_context, hub))
    visitor = open_page(new_context, hub)
    visitor.goto("/agents")
    expect(visitor).to_have_url(re.compile(r"/login\?next=(/|%2F)agents(/|%2F)?$"))
    expect(visitor.get_by_role("navigation", name="Hub")).to_have_count(0)

    log_in(visitor, account.email, account.password)
    expect(visitor).to_have_url(re.compile(r"/agents/?$"))
    expect_hub(visitor, account)


def test_duplicate_email_on_sign_up_is_explained(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    first = sign_up(open_page(new_context, hub))
    page = open_page(new_context, hub)
    page.goto("/signup")
    page.get_by_label("Name").fill("Someone Else")
    page.get_by_label("Email").fill(first.email)
    page.get_by_label("Password").fill(new_account().password)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert")).to_have_text("An account with this email already exists. Log in instead.")
    expect(page).to_have_url(re.compile(r"/signup/?$"))


def test_wrong_password_is_refused(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    account = sign_up(open_page(new_context, hub))
    page = open_page(new_context, hub)
    page.goto("/login")
    log_in(page, account.email, account.password + "x")
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
