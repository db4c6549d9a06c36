"""Chromium and the few page steps every browser test and bench starts with."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from neurocache_ui.services import auth
from testkit.factories import Account, new_account

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


FAKE_MICROPHONE = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
"""Chromium's own test device (a beeping microphone), granted without asking: recording in a test."""


def launch(playwright: Playwright, *extra_args: str) -> Browser:
    """Debian's Chromium (`make browser`), headless; `extra_args` such as FAKE_MICROPHONE."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args])


def sign_up(page: Page, account: Account | None = None) -> Account:
    """A new account through the real form; returns once the hub shows."""
    account = account or new_account()
    page.goto("/signup")
    page.get_by_label("Name").fill(account.name)
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign up").click()
    # The hub's search box shows on every signed-in page, on a phone too (where "Log out" is in the Menu).
    expect(page.get_by_role("searchbox", name="Search messages")).to_be_visible()
    return account


def sign_in(page: Page, user_id: int, next_path: str = auth.HOME) -> None:
    """Sign in as a user made through the services, without the log-in form: the form's
    second step (a one-time code the browser swaps for its HttpOnly session cookie),
    landing on `next_path`. The settings must point at the hub's database."""
    code = auth.start_handoff(user_id)
    page.goto(f"{auth.SESSION_PATH}?{urlencode({'code': code, 'next': next_path})}")
    expect(page).not_to_have_url(re.compile(r"/(login|auth/session)\b"))


def create_channel(page: Page, name: str, goal: str = "Ship the launch plan") -> None:
    page.get_by_role("link", name="Channels", exact=True).click()
    expect(page).to_have_url(re.compile(r"/channels/?$"))  # /welcome has a "New channel" button too
    page.get_by_role("button", name="New channel").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill("Where the launch happens")
    page.get_by_label("Goal").fill(goal)
    page.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/channels/[a-z0-9-]+/?$"))
    expect(page.get_by_role("heading", name=f"# {name}")).to_be_visible()


def channel_link(page: Page, name: str) -> Locator:
    """A channel's link in the sidebar; its name is the channel's, and "N unread"
    while it has unread messages (the badge, titled "unread messages")."""
    pattern = re.compile(rf"^{re.escape(name)}( \d+ unread)?$")
    return page.get_by_role("navigation", name="Hub").get_by_role("link", name=pattern)


def header_action(page: Page, name: str) -> None:
    """A channel header's action, as a person reaches it: its button where the header
    has room, else the "More actions" menu (phones, or a thread open beside it)."""
    button = page.get_by_role("button", name=name, exact=True)
    if button.is_visible():
        button.click()
        return
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name=name).click()


def invite(page: Page, email: str) -> None:
    """From an open channel page, through the Invite dialog."""
    header_action(page, "Invite")
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Email").fill(email)
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog).to_be_hidden()
