"""A new person's first minutes, in a real browser against the production-like hub:
sign-up lands on /welcome, whose three steps tick off from what they really set up;
a form error is tied to its field; unknown addresses get a page with a way back;
the API keys page's code examples work exactly as pasted."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Locator, Page, expect

from neurocache_ui.domain.api_examples import KEY_PLACEHOLDER
from testkit.browser import invite
from testkit.factories import Account, new_account
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]
STEPS = ("Create your first agent", "Start a channel", "Invite a teammate")
VENV_BIN = Path(sys.executable).parent


def step(page: Page, title: str) -> Locator:
    return page.get_by_role("list", name="Getting started").get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=title)
    )


def expect_done(page: Page, *done: str) -> None:
    for title in STEPS:
        item = step(page, title)
        expect(item).to_have_attribute("data-done", "true" if title in done else "false")
        expect(item.get_by_text("Done", exact=True)).to_have_count(1 if title in done else 0)


def test_sign_up_lands_on_the_first_run_steps_which_tick_off(
    new_context: NewContext, hub: HubServer, sign_up: SignUp
) -> None:
    page = new_context(base_url=hub.url).new_page()
    account = sign_up(page)
    expect(page).to_have_url(re.compile(r"/welcome/?$"))
    expect(page.get_by_role("heading", name="Welcome to Neurocache", level=1)).to_be_visible()
    expect(page.get_by_role("list", name="Getting started").get_by_role("listitem")).to_have_count(3)
    expect_done(page)

    # 1. An agent, from a template.
    step(page, "Create your first agent").get_by_role("link", name="Create an agent").click()
    expect(page).to_have_url(re.compile(r"/agents/new/?$"))
    page.get_by_role("group", name="Start from a template").get_by_role("button", name="Researcher").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Researcher")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Researcher")).to_be_visible()
    page.goto("/welcome")
    expect_done(page, STEPS[0])

    # 2. A channel, with the same "New channel" dialog as the channels page.
    step(page, "Start a channel").get_by_role("button", name="New channel").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill("launch plan")
    dialog.get_by_role("button", name="Create").click()
    expect(page).to_have_url(re.compile(r"/channels/launch-plan[0-9-]*/?$"))
    channel_path = re.sub(r"^https?://[^/]+", "", page.url).rstrip("/")
    page.goto("/welcome")
    expect_done(page, *STEPS[:2])

    # 3. Invites happen in the channel's header: the step says so and leads there.
    item = step(page, "Invite a teammate")
    expect(item).to_contain_text("use “Invite” in its header")
    item.get_by_role("link", name="Invite from your channel").click()
    expect(page).to_have_url(re.compile(re.escape(channel_path) + "/?$"))
    teammate = sign_up(new_context(base_url=hub.url).new_page())
    invite(page, teammate.email)
    page.goto("/welcome")
    expect_done(page, *STEPS)
    expect(page.get_by_text("You are all set")).to_be_visible()

    # Logging in again (not a new account) lands where it always did.
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/?$"))
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/channels/?$"))


def test_a_refused_sign_up_marks_its_field_invalid(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    first = sign_up(new_context(base_url=hub.url).new_page())
    page = new_context(base_url=hub.url).new_page()
    page.goto("/signup")
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "false")
    page.get_by_label("Name").fill("Someone Else")
    email.fill(first.email)
    page.get_by_label("Password").fill(new_account().password)
    page.get_by_role("button", name="Sign up").click()
    message = "An account with this email already exists. Log in instead."
    expect(page.get_by_role("alert")).to_have_text(message)
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(message)
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "false")


def test_an_unknown_address_shows_a_page_with_a_way_back(
    new_context: NewContext, hub: HubServer, sign_up: SignUp
) -> None:
    visitor = new_context(base_url=hub.url).new_page()
    response = visitor.goto("/no/such/page")
    assert response is not None and response.status == 404
    expect(visitor.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    visitor.get_by_role("link", name="Back to the home page").click()
    expect(visitor).to_have_url(re.compile(r"^http://[^/]+/?$"))

    member = new_context(base_url=hub.url).new_page()
    sign_up(member)
    member.goto("/agents/someone/else/entirely")
    expect(member.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    expect(member.get_by_role("link", name="Back to the home page")).to_have_count(0)
    member.get_by_role("link", name="Back to the hub").click()
    expect(member).to_have_url(re.compile(r"/channels/?$"))


def run_example(language: str, code: str) -> str:
    """What the example prints when run as a person would run it."""
    commands = {
        "curl": ["bash", "-c", code],
        "Python": [sys.executable, "-c", code],
        "JavaScript": [str(VENV_BIN / "node"), "--input-type=module", "-e", code],
    }
    done = subprocess.run(commands[language], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_keys_page_examples_work_as_pasted(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    context = new_context(base_url=hub.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hub.url)
    page = context.new_page()
    owner = sign_up(page)
    agent = make_agent(owner, "Echo bot")
    page.goto("/keys")
    section = page.get_by_role("region", name="Use your key")
    expect(section).to_contain_text(f"{hub.url}/api/v1")
    expect(section.get_by_label("curl example", exact=True)).to_contain_text(KEY_PLACEHOLDER)

    page.get_by_role("button", name="Create key").click()
    page.get_by_role("dialog").get_by_label("Name").fill("examples")
    page.get_by_role("dialog").get_by_role("button", name="Create").click()
    secret = page.get_by_label("New API key").input_value()
    assert secret.startswith("nck_")
    for language in ("curl", "Python", "JavaScript"):
        section.get_by_role("tab", name=language).click()
        code = section.get_by_label(f"{language} example", exact=True)
        expect(code).to_contain_text(secret)  # the new key is filled in while it is shown
        expect(code).to_contain_text(f"agent:{agent.slug}")
        section.get_by_role("button", name=f"Copy {language} example").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == code.inner_text()
        printed = run_example(language, copied)
        assert "Echo: Hello! What can you do?" in printed, (language, printed)
    assert len(fake_provider.requests()) == 3

    page.get_by_role("button", name="Done").click()
    section.get_by_role("tab", name="curl").click()
    expect(section.get_by_label("curl example", exact=True)).to_contain_text(KEY_PLACEHOLDER)
    assert secret not in page.content()
