"""Mentions of people, in two real browsers on the production-like server: Bob
writes @Ada's name and Ada's sidebar badge counts it live (on the channel page and
on another page, without reloading); she opens "Mentions", sees the message, the
badge clears, and the item opens the channel at that message."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from testkit.hub import HubServer
from tests.e2e.test_channel_agents import two_people
from tests.e2e.test_channels import NewContext, SignUp, log, send


def mentions_link(page: Page, unread: int = 0):
    """The sidebar's Mentions link; its accessible name carries the unseen count."""
    name = f"Mentions, {unread} unread" if unread else "Mentions"
    return page.get_by_role("navigation", name="Hub").get_by_role("link", name=name, exact=True)


def no_badge(page: Page):
    return page.get_by_role("navigation", name="Hub").get_by_role("link", name=re.compile(r"^Mentions, \d+ unread$"))


def test_a_mention_shows_live_and_opens_at_the_message(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada, bob, ada_account, bob_account, name = two_people(new_context, hub, sign_up)
    expect(mentions_link(ada)).to_be_visible()
    expect(no_badge(ada)).to_have_count(0)

    # Bob has no mentions yet: the view says so and how mentions happen.
    mentions_link(bob).click()
    expect(bob.get_by_role("heading", name="Mentions", exact=True)).to_be_visible()
    expect(bob.get_by_text("No mentions yet")).to_be_visible()
    expect(bob.get_by_text(f"When someone writes @{bob_account.name}")).to_be_visible()
    bob.get_by_role("link", name=name, exact=True).click()
    expect(bob.get_by_role("heading", name=f"# {name}")).to_be_visible()

    # Live on the channel page, no reload (the marker would be gone).
    ada.evaluate("window.__same_page = true")
    first = f"hey @{ada_account.name} look"
    send(bob, first)
    expect(log(ada).get_by_text(first)).to_be_visible()
    expect(mentions_link(ada, 1)).to_be_visible()
    expect(mentions_link(ada, 1).get_by_text("1", exact=True)).to_be_visible()
    # Ada answers Bob by name: Bob's badge counts it, Ada's own mention of him does not count for her.
    send(ada, f"@{bob_account.name.lower()} thanks")
    expect(mentions_link(bob, 1)).to_be_visible()
    assert ada.evaluate("window.__same_page") is True

    # Live on another page too; a message without a mention changes nothing.
    ada.get_by_role("navigation", name="Hub").get_by_role("link", name="Agents", exact=True).click()
    expect(ada).to_have_url(re.compile(r"/agents$"))
    expect(mentions_link(ada, 1)).to_be_visible()
    ada.evaluate("window.__same_page = true")
    send(bob, "just a note, nobody named")
    expect(log(bob).get_by_text("just a note, nobody named")).to_be_visible()
    second = f"and again @{ada_account.name.upper()}"
    send(bob, second)
    expect(mentions_link(ada, 2)).to_be_visible()
    assert ada.evaluate("window.__same_page") is True

    # The Mentions view: newest first, both new; opening it clears the badge.
    mentions_link(ada, 2).click()
    expect(ada.get_by_role("heading", name="Mentions", exact=True)).to_be_visible()
    items = ada.get_by_role("list", name="Mentions").get_by_role("listitem")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_contain_text(second)
    expect(items.nth(1)).to_contain_text(first)
    for item in (items.nth(0), items.nth(1)):
        expect(item).to_contain_text(f"#{name}")
        expect(item).to_contain_text(bob_account.name)
        expect(item.get_by_text("New", exact=True)).to_be_visible()
    expect(mentions_link(ada)).to_be_visible()
    expect(no_badge(ada)).to_have_count(0)

    # The item opens the channel at the message, highlighted in view.
    message_id = items.nth(1).get_attribute("data-mention-id")
    assert message_id and message_id.isdigit()
    items.nth(1).get_by_role("link").click()
    expect(ada).to_have_url(re.compile(rf"/channels/[a-z0-9-]+\?m={message_id}$"))
    row = log(ada).locator(f'[data-message-id="{message_id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text(first)
    expect(row).to_be_in_viewport()

    # Seen stays seen: a reload shows no badge and the items without "New".
    ada.goto("/mentions")
    expect(items).to_have_count(2)
    expect(ada.get_by_role("list", name="Mentions").get_by_text("New", exact=True)).to_have_count(0)
    expect(no_badge(ada)).to_have_count(0)
