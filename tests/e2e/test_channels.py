"""Channels in a real browser on the production-like server (Postgres, Redis state
manager and two Granian workers): two people chat in real time, each in their own
browser context, and whatever one does the other sees without reloading; the chat
happens in a channel with a morning's conversation (testkit/conversation.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.services import messaging
from testkit.browser import channel_link, create_channel, invite
from testkit.conversation import Conversation
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
    channel_link(bob, name).click()
    expect(bob.get_by_role("heading", name=f"# {name}")).to_be_visible()
    return ada, bob, bob_account, name


def test_two_people_chat_in_real_time(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel

    send(ada, "Hello **Bob**")
    expect(log(ada).get_by_text("Hello Bob")).to_be_visible()
    expect(log(bob).get_by_text("Hello Bob")).to_be_visible()
    expect(log(bob).locator("strong", has_text="Bob")).to_be_visible()  # markdown rendered
    expect(ada.get_by_role("textbox", name="Message")).to_have_value("")

    bob.get_by_role("textbox", name="Message").press_sequentially("Hi Ada")
    expect(ada.get_by_text(f"{conversation.member.name} is typing…")).to_be_visible()
    bob.get_by_role("textbox", name="Message").press("Enter")
    expect(log(ada).get_by_text("Hi Ada")).to_be_visible()
    rows, seeded = log(ada).locator("[data-message-id]"), len(conversation.messages)
    expect(rows).to_have_count(seeded + 2)  # after the whole conversation, in order
    expect(rows.nth(seeded - 1)).to_contain_text(conversation.last.content)
    expect(rows.nth(seeded)).to_contain_text("Hello Bob")
    expect(rows.nth(seeded + 1)).to_contain_text("Hi Ada")
    expect(rows.nth(seeded + 1)).to_be_in_viewport()  # the log follows the newest message

    # Shift+Enter is a new line, not a send.
    box = ada.get_by_role("textbox", name="Message")
    box.fill("line one")
    box.press("Shift+Enter")
    box.press_sequentially("line two")
    expect(box).to_have_value("line one\nline two")
    box.press("Enter")
    expect(log(bob).get_by_text("line two")).to_be_visible()
    expect(log(bob).get_by_text("line two")).to_be_in_viewport()


def test_two_people_sending_at_once_see_the_same_order(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    """Each sends without waiting for the other; both logs end in the order a reload shows
    (a tab shows its own message on sending, so the other's, stored a moment before, may
    reach it second)."""
    ada, bob = in_channel
    for i in range(8):
        send(ada, f"ada at once {i}")
        send(bob, f"bob at once {i}")
    for page in (ada, bob):  # all sixteen, not just the last of each: two senders' frames may interleave
        expect(log(page).locator("[data-message-id]", has_text="at once")).to_have_count(16)

    def order(page: Page) -> list[str]:
        return log(page).locator("[data-message-id]").evaluate_all("rows => rows.map(r => r.dataset.messageId)")

    shown = order(ada)
    assert order(bob) == shown
    stored = messaging.recent_messages(conversation.channel.id, len(shown), viewer_id=conversation.owner.id)
    assert shown == [str(m.id) for m in stored]  # the order of the database's pages (stored at, then id)
    bob.reload()
    expect(log(bob).locator("[data-message-id]", has_text="at once")).to_have_count(16)
    assert order(bob) == shown


def test_edit_and_delete_reach_the_other_viewer(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel
    middle = conversation.messages[11]  # one of Ada's, in the middle of the channel
    assert middle.user_id == conversation.owner.id
    mine, theirs = (log(page).locator(f'[data-message-id="{middle.id}"]') for page in (ada, bob))

    mine.hover()
    mine.get_by_role("button", name="Edit message").click()
    editor = ada.get_by_role("textbox", name="Edit message")
    editor.fill("final text")
    editor.press("Enter")
    expect(theirs).to_contain_text("final text")
    expect(theirs.get_by_text("(edited)")).to_be_visible()
    expect(log(bob).get_by_text(middle.content)).to_have_count(0)
    # Only the author gets the controls.
    expect(theirs.get_by_role("button", name="Edit message")).to_have_count(0)

    mine.hover()
    mine.get_by_role("button", name="Delete message").click()
    ada.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(log(bob).get_by_text("final text")).to_have_count(0)
    expect(log(ada).get_by_text("final text")).to_have_count(0)
    expect(log(bob).locator("[data-message-id]")).to_have_count(len(conversation.messages) - 1)  # only that one


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


def test_unread_counts_and_switching_back(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel
    name = conversation.channel.name
    link = channel_link(bob, name)
    expect(link.get_by_title("unread messages")).to_have_count(0)  # opening it read the whole conversation
    other = f"side {uuid.uuid4().hex[:6]}"
    create_channel(bob, other)  # Bob now looks at another channel
    send(ada, "while you were away")
    expect(link).to_have_accessible_name(f"{name} 1 unread")
    link.click()
    expect(log(bob).get_by_text("while you were away")).to_be_visible()
    expect(log(bob).get_by_text("while you were away")).to_be_in_viewport()
    expect(link.get_by_title("unread messages")).to_have_count(0)
    channel_link(bob, other).click()
    channel_link(bob, name).click()
    expect(log(bob).get_by_text("while you were away")).to_be_in_viewport()
