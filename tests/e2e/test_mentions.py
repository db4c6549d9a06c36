"""Mentions of people, in two real browsers on the production-like server, in a channel
with a morning's conversation (testkit/conversation.py; Bob mentioned Ada in it once):
Bob writes @Ada's name and Ada's sidebar badge counts it live (on the channel page and
on another page, without reloading); she opens "Mentions", sees the messages, the
badge clears, and an item opens the channel at that message, also one in the middle."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from testkit.browser import channel_link
from testkit.conversation import Conversation
from tests.e2e.test_channels import log, send


def mentions_link(page: Page, unread: int = 0):
    """The sidebar's Mentions link; its accessible name carries the unseen count."""
    name = f"Mentions {unread} unread" if unread else "Mentions"
    return page.get_by_role("navigation", name="Hub").get_by_role("link", name=name, exact=True)


def no_badge(page: Page):
    return page.get_by_role("navigation", name="Hub").get_by_role("link", name=re.compile(r"^Mentions \d+ unread$"))


def test_a_mention_shows_live_and_opens_at_the_message(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel
    ada_account, bob_account, name = conversation.owner.account, conversation.member.account, conversation.channel.name
    seeded = next(m for m in conversation.messages if f"@{ada_account.name}" in m.content)
    expect(mentions_link(ada, 1)).to_be_visible()  # Bob's mention in the conversation, unseen

    # Bob has no mentions yet: the view says so and how mentions happen.
    mentions_link(bob).click()
    expect(bob.get_by_role("heading", name="Mentions", exact=True)).to_be_visible()
    expect(bob.get_by_text("No mentions yet")).to_be_visible()
    expect(bob.get_by_text(f"When someone writes @{bob_account.name}")).to_be_visible()
    channel_link(bob, name).click()
    expect(bob.get_by_role("heading", name=f"# {name}")).to_be_visible()

    # Live on the channel page, no reload (the marker would be gone).
    ada.evaluate("window.__same_page = true")
    first = f"hey @{ada_account.name} look"
    send(bob, first)
    expect(log(ada).get_by_text(first)).to_be_visible()
    expect(mentions_link(ada, 2)).to_be_visible()
    expect(mentions_link(ada, 2)).to_be_visible()
    # Ada answers Bob by name: Bob's badge counts it, Ada's own mention of him does not count for her.
    send(ada, f"@{bob_account.name.lower()} thanks")
    expect(mentions_link(bob, 1)).to_be_visible()
    assert ada.evaluate("window.__same_page") is True

    # Live on another page too; a message without a mention changes nothing.
    ada.get_by_role("navigation", name="Hub").get_by_role("link", name="Agents", exact=True).click()
    expect(ada).to_have_url(re.compile(r"/agents$"))
    expect(mentions_link(ada, 2)).to_be_visible()
    ada.evaluate("window.__same_page = true")
    send(bob, "just a note, nobody named")
    expect(log(bob).get_by_text("just a note, nobody named")).to_be_visible()
    second = f"and again @{ada_account.name.upper()}"
    send(bob, second)
    expect(mentions_link(ada, 3)).to_be_visible()
    assert ada.evaluate("window.__same_page") is True

    # The Mentions view: newest first, all new; opening it clears the badge.
    mentions_link(ada, 3).click()
    expect(ada.get_by_role("heading", name="Mentions", exact=True)).to_be_visible()
    items = ada.get_by_role("list", name="Mentions").get_by_role("listitem")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text(second)
    expect(items.nth(1)).to_contain_text(first)
    expect(items.nth(2)).to_contain_text(seeded.content)
    for item in (items.nth(0), items.nth(1), items.nth(2)):
        expect(item).to_contain_text(f"#{name}")
        expect(item).to_contain_text(bob_account.name)
        expect(item.get_by_text("New", exact=True)).to_be_visible()
    expect(mentions_link(ada)).to_be_visible()
    expect(no_badge(ada)).to_have_count(0)

    # An item opens the channel at the message, highlighted in view: the newest one, and
    # the one in the middle of the conversation (the log opens there, not at the bottom).
    for index, text in ((1, first), (2, seeded.content)):
        ada.goto("/mentions")
        message_id = items.nth(index).get_attribute("data-mention-id")
        assert message_id and message_id.isdigit()
        items.nth(index).get_by_role("link").click()
        expect(ada).to_have_url(re.compile(rf"/channels/[a-z0-9-]+\?m={message_id}$"))
        row = log(ada).locator(f'[data-message-id="{message_id}"]')
        expect(row).to_be_visible()
        expect(row).to_contain_text(text)
        expect(row).to_be_in_viewport()
    assert int(message_id) == seeded.id

    # Seen stays seen: a reload shows no badge and the items without "New".
    ada.goto("/mentions")
    expect(items).to_have_count(3)
    expect(ada.get_by_role("list", name="Mentions").get_by_text("New", exact=True)).to_have_count(0)
    expect(no_badge(ada)).to_have_count(0)
