"""Channels in a real browser on the production-like server (Postgres, Redis state
manager and two Granian workers): two people chat in real time, each in their own
browser context, and whatever one does the other sees without reloading."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from testkit.browser import create_channel, invite
from testkit.factories import Account
from testkit.hub import HubServer

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]


def send(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Message")
    box.fill(text)
    box.press("Enter")


def log(page: Page):
    return page.get_by_role("log", name="Messages")


def two_people_in_a_channel(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> tuple[Page, Page, Account, str]:
    ada = new_context(base_url=hub.url).new_page()
    bob = new_context(base_url=hub.url).new_page()
    sign_up(ada)
    bob_account = sign_up(bob)
    name = f"launch {uuid.uuid4().hex[:6]}"
    create_channel(ada, name)
    invite(ada, bob_account.email)
    bob.goto("/channels")
    bob.get_by_role("link", name=name, exact=True).click()
    expect(bob.get_by_role("heading", name=f"# {name}")).to_be_visible()
    return ada, bob, bob_account, name


def test_two_people_chat_in_real_time(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada, bob, bob_account, _ = two_people_in_a_channel(new_context, hub, sign_up)

    send(ada, "Hello **Bob**")
    expect(log(ada).get_by_text("Hello Bob")).to_be_visible()
    expect(log(bob).get_by_text("Hello Bob")).to_be_visible()
    expect(log(bob).locator("strong", has_text="Bob")).to_be_visible()  # markdown rendered
    expect(ada.get_by_role("textbox", name="Message")).to_have_value("")

    bob.get_by_role("textbox", name="Message").press_sequentially("Hi Ada")
    expect(ada.get_by_text(f"{bob_account.name} is typing…")).to_be_visible()
    bob.get_by_role("textbox", name="Message").press("Enter")
    expect(log(ada).get_by_text("Hi Ada")).to_be_visible()
    rows = log(ada).locator("[data-message-id]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Hello Bob")
    expect(rows.nth(1)).to_contain_text("Hi Ada")

    # Shift+Enter is a new line, not a send.
    box = ada.get_by_role("textbox", name="Message")
    box.fill("line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    expect(box).to_have_value("line one\nline two")
    box.press("Enter")
    expect(log(bob).get_by_text("line two")).to_be_visible()


def test_edit_and_delete_reach_the_other_viewer(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada, bob, _, _ = two_people_in_a_channel(new_context, hub, sign_up)
    send(ada, "first draft")
    expect(log(bob).get_by_text("first draft")).to_be_visible()

    log(ada).get_by_role("button", name="Edit message").click()
    editor = ada.get_by_role("textbox", name="Edit message")
    editor.fill("final text")
    editor.press("Enter")
    expect(log(bob).get_by_text("final text")).to_be_visible()
    expect(log(bob).get_by_text("(edited)")).to_be_visible()
    expect(log(bob).get_by_text("first draft")).to_have_count(0)
    # Only the author gets the controls.
    expect(log(bob).get_by_role("button", name="Edit message")).to_have_count(0)

    log(ada).get_by_role("button", name="Delete message").click()
    ada.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(log(bob).get_by_text("final text")).to_have_count(0)
    expect(log(ada).get_by_text("final text")).to_have_count(0)


def test_raw_html_is_not_rendered_and_bad_messages_are_refused(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada, bob, _, _ = two_people_in_a_channel(new_context, hub, sign_up)
    send(ada, '<img src=x id="injected" onerror="document.title=\'pwned\'"> plain words')
    expect(log(bob).get_by_text("plain words")).to_be_visible()
    expect(bob.locator("#injected")).to_have_count(0)
    assert bob.title() != "pwned"

    send(ada, "   ")
    expect(ada.get_by_role("alert")).to_contain_text("Message is empty")
    too_long = "x" * 4001
    ada.get_by_role("textbox", name="Message").fill(too_long)
    ada.get_by_role("textbox", name="Message").press("Enter")
    expect(ada.get_by_role("alert")).to_contain_text("the limit is 4,000")
    # Refused text stays in the box so nothing typed is lost.
    expect(ada.get_by_role("textbox", name="Message")).to_have_value(too_long)


def test_non_members_and_logged_out_visitors_see_nothing(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada = new_context(base_url=hub.url).new_page()
    sign_up(ada)
    name = f"secret {uuid.uuid4().hex[:6]}"
    create_channel(ada, name)
    send(ada, "classified plans")
    expect(log(ada).get_by_text("classified plans")).to_be_visible()
    url = ada.url

    eve = new_context(base_url=hub.url).new_page()
    sign_up(eve)
    eve.goto(url)
    expect(eve.get_by_text("Channel not found")).to_be_visible()
    expect(eve.get_by_text("classified plans")).to_have_count(0)
    expect(eve.get_by_role("link", name=name)).to_have_count(0)

    stranger = new_context(base_url=hub.url).new_page()
    stranger.goto(url)
    expect(stranger).to_have_url(re.compile(r"/login"))


def test_unread_counts_and_switching_back(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada, bob, _, name = two_people_in_a_channel(new_context, hub, sign_up)
    other = f"side {uuid.uuid4().hex[:6]}"
    create_channel(bob, other)  # Bob now looks at another channel
    send(ada, "while you were away")
    link = bob.get_by_role("link", name=name, exact=True)
    expect(link.get_by_title("unread messages")).to_have_text("1")
    link.click()
    expect(log(bob).get_by_text("while you were away")).to_be_visible()
    expect(link.get_by_title("unread messages")).to_have_count(0)
    bob.get_by_role("link", name=other, exact=True).click()
    bob.get_by_role("link", name=name, exact=True).click()
    expect(log(bob).get_by_text("while you were away")).to_be_visible()
