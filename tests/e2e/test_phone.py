"""A person on a phone (390×844) does the whole first-run path of issue 18: signs up,
creates an agent from a template, starts a channel, adds the agent, invites a
teammate, chats with the agent, opens a thread, reacts and searches, with the page
never wider than the screen and the composer on screen."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect

from neurocache_ui.services import auth
from testkit.browser import header_action
from testkit.factories import Account, new_account
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.servers import PROJECT_ROOT
from testkit.ui_audit import audit
from tests.e2e.test_channels import log

PHONE = {"width": 390, "height": 844}
SCREENS = PROJECT_ROOT / "test-artifacts" / "screens"


def fits(page: Page, step: str, popup: Locator | None = None) -> None:
    """Nothing wider than the phone's screen, no control under another element (once
    the last toast, which covers what is under it for a few seconds, has gone); the
    screen is kept in test-artifacts/screens/ for a person to look at. With a `popup`
    open, only its own controls must be uncovered (covering the page is its job)."""
    expect(page.locator("[data-sonner-toast]")).to_have_count(0, timeout=15_000)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"phone-first-run-{step}-390x844.png")
    found = audit(page, scan=False, popup=popup)
    assert not (found.overflow or found.covered), f"{page.url}: {found.problems()}"


def row_with(page: Page, text: str):
    return log(page).locator("[data-message-id]").filter(has_text=text).last


def test_the_first_run_path_on_a_phone(
    new_context: Callable[..., BrowserContext], hub: HubServer, sign_up: Callable[..., Account],
    fake_provider: FakeOpenAIServer, use_settings, postgres_url: str,
) -> None:
    use_settings(DATABASE_URL=postgres_url)
    teammate = new_account("Bob")
    auth.create_user(name=teammate.name, email=teammate.email, password=teammate.password)
    page = new_context(base_url=hub.url, viewport=PHONE, has_touch=True, is_mobile=True).new_page()

    sign_up(page)
    expect(page).to_have_url(re.compile(r"/welcome/?$"))
    fits(page, "welcome")

    # An agent from a template.
    page.get_by_role("link", name="Create an agent").click()
    page.get_by_role("group", name="Start from a template").get_by_role("button", name="Researcher").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Researcher")).to_be_visible()
    fits(page, "agent")

    # A channel, reached through the Menu drawer.
    page.get_by_role("button", name="Menu").click()
    drawer = page.get_by_role("dialog", name="Menu")
    drawer.get_by_role("link", name="Channels", exact=True).click()
    expect(drawer).to_be_hidden()
    name = f"launch {uuid.uuid4().hex[:4]}"
    page.get_by_role("button", name="New channel").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name=f"# {name}")).to_be_visible()
    fits(page, "channel")
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_in_viewport(ratio=1)

    # The agent and a teammate, through "More actions".
    header_action(page, "Add agent")
    picker = page.get_by_role("dialog")
    picker.get_by_role("button", name="Add Researcher").click()
    picker.get_by_role("button", name="Done").click()
    header_action(page, "Invite")
    invite = page.get_by_role("dialog")
    invite.get_by_label("Email").fill(teammate.email)
    invite.get_by_role("button", name="Invite").click()
    expect(page.get_by_text(f"Invited {teammate.email}")).to_be_visible()

    # Chat with the agent (mentioned from the keyboard's list).
    box = page.get_by_role("textbox", name="Message", exact=True)
    box.press_sequentially("@res", delay=20)
    page.get_by_role("listbox", name="Mention suggestions").get_by_role("option", name=re.compile("Researcher")).click()
    box.press_sequentially("what should we launch first?", delay=5)
    box.press("Enter")
    answer = row_with(page, "Echo:")
    expect(answer).to_be_visible()
    expect(answer).to_be_in_viewport()
    fits(page, "chat")

    # A thread on the person's message: the whole screen, then Back.
    question = log(page).locator("[data-message-id]").filter(has_text="what should we launch first?").first
    question.tap()
    question.get_by_role("button", name="Reply in thread").tap()
    thread = page.get_by_role("region", name="Thread")
    expect(thread).to_be_in_viewport(ratio=0.95)
    thread.get_by_role("textbox", name="Reply").fill("Starting with the pricing page")
    thread.get_by_role("button", name="Send reply").tap()
    expect(thread.get_by_text("Starting with the pricing page")).to_be_visible()
    fits(page, "thread")
    thread.get_by_role("button", name="Back").tap()
    expect(thread).to_have_count(0)
    expect(question.get_by_role("button", name="1 reply")).to_be_visible()

    # A reaction, from the picker's search.
    question.tap()
    question.get_by_role("button", name="Add reaction").tap()
    emoji = page.get_by_role("dialog", name="Pick a reaction")
    emoji.get_by_role("searchbox", name="Search emoji").fill("rocket")
    emoji.get_by_role("button", name="🚀").tap()
    expect(question.get_by_role("button", name="🚀 1")).to_be_visible()
    fits(page, "reaction")

    # Search, and back to the message.
    page.get_by_role("searchbox", name="Search messages").fill("pricing")
    results = page.get_by_role("region", name="Search results")
    expect(results.get_by_text("Starting with the")).to_be_visible()
    fits(page, "search", popup=results)
    results.get_by_role("link").first.tap()
    expect(results).to_have_count(0)
    expect(page.get_by_role("region", name="Thread").get_by_text("Starting with the pricing page")).to_be_visible()
