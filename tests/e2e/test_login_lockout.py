"""The per-account log-in lock in a real browser: ten wrong passwords, then even
the right one is refused with when to try again."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import BrowserContext, expect

from testkit.factories import Account
from testkit.hub import HubServer

LOCKED = re.compile(r"^Too many failed log-ins for this account\. Try again in 1[45] minutes\.$")


def test_ten_wrong_passwords_lock_the_account(
    new_context: Callable[..., BrowserContext], hub: HubServer, sign_up: Callable[..., Account]
) -> None:
    account = sign_up(new_context(base_url=hub.url).new_page())
    page = new_context(base_url=hub.url).new_page()
    page.goto("/login")
    submit = page.get_by_role("button", name="Log in", exact=True)
    alert = page.get_by_role("alert")

    def log_in(password: str) -> None:
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(password)
        expect(submit).to_be_enabled()  # the previous attempt has finished
        submit.click()

    for _ in range(10):
        log_in(account.password + "x")
        expect(alert).to_have_text("Email or password is incorrect.", timeout=45_000)  # a loaded CI box
    log_in(account.password)
    expect(alert).to_have_text(LOCKED, timeout=45_000)
    expect(page).to_have_url(re.compile(r"/login/?$"))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
