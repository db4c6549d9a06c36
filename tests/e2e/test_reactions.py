"""Reactions in real browsers, in a channel with a morning's conversation
(testkit/conversation.py): Bob picks 👍 under one of Ada's messages in the middle of
the channel and both see "👍 1" at once; Ada joins ("👍 2", the tooltip names both),
Bob takes his back; a reaction added over the API shows up live in both; the picker
and the toggles work from the keyboard; a refused reaction says why."""

from __future__ import annotations

import uuid

import httpx
from playwright.sync_api import Locator, Page, expect

from neurocache_ui.domain.reactions import PICKER
from neurocache_ui.services import api_keys, channels
from testkit.conversation import Conversation
from testkit.hub import HubServer
from tests.e2e.test_channels import log, send

MIDDLE = 11
"""One of Ada's messages in the middle of the seeded channel, without reactions yet."""


def row(page: Page, text: str) -> Locator:
    return log(page).locator("[data-message-id]").filter(has_text=text)


def reaction(page: Page, text: str, name: str) -> Locator:
    """The toggle named "<emoji> <count>" under the message with `text`."""
    return row(page, text).get_by_role("button", name=name, exact=True)


def tooltip_of(page: Page, toggle: Locator) -> Locator:
    """The toggle's tooltip, hovered afresh (a tooltip closed by a click stays
    closed until the pointer leaves and comes back)."""
    page.mouse.move(0, 0)
    toggle.hover()
    return page.get_by_role("tooltip")


def test_two_people_react_live(in_channel: tuple[Page, Page], conversation: Conversation, hub: HubServer) -> None:
    ada, bob = in_channel
    ada_account, bob_account = conversation.owner.account, conversation.member.account
    text = conversation.messages[MIDDLE].content
    assert conversation.messages[MIDDLE].user_id == conversation.owner.id and not conversation.messages[MIDDLE].reactions

    # Bob: hover the row, "Add reaction", pick 👍 from the picker of named emoji.
    row(bob, text).hover()
    row(bob, text).get_by_role("button", name="Add reaction").click()
    picker = bob.get_by_role("dialog")
    for emoji in PICKER:
        expect(picker.get_by_role("button", name=emoji, exact=True)).to_be_visible()
    picker.get_by_role("button", name="👍", exact=True).click()
    expect(picker).to_be_hidden()
    for page in (ada, bob):  # both, without a reload
        expect(reaction(page, text, "👍 1")).to_be_visible()
    expect(reaction(bob, text, "👍 1")).to_have_attribute("aria-pressed", "true")
    expect(reaction(ada, text, "👍 1")).to_have_attribute("aria-pressed", "false")

    # Ada joins by clicking the toggle: "👍 2" everywhere, its tooltip names both.
    reaction(ada, text, "👍 1").click()
    for page in (ada, bob):
        expect(reaction(page, text, "👍 2")).to_be_visible()
        expect(reaction(page, text, "👍 2")).to_have_attribute("aria-pressed", "true")
    expect(tooltip_of(bob, reaction(bob, text, "👍 2"))).to_have_text(f"{bob_account.name}, {ada_account.name}")

    # Bob takes his back.
    reaction(bob, text, "👍 2").click()
    for page in (ada, bob):
        expect(reaction(page, text, "👍 1")).to_be_visible()
        expect(reaction(page, text, "👍 2")).to_have_count(0)
    expect(reaction(bob, text, "👍 1")).to_have_attribute("aria-pressed", "false")
    expect(tooltip_of(ada, reaction(ada, text, "👍 1"))).to_have_text(ada_account.name)

    # Over the API, as Bob: it appears live in both browsers, after 👍.
    secret, _ = api_keys.create_key(conversation.member.id, "reactions test")
    message_id = row(ada, text).get_attribute("data-message-id")
    slug = conversation.channel.slug
    answer = httpx.post(f"{hub.url}/api/v1/channels/{slug}/messages/{message_id}/reactions",
                        json={"emoji": "🎉"}, headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert answer.status_code == 201, answer.text
    for page in (ada, bob):
        expect(reaction(page, text, "🎉 1")).to_be_visible()
        expect(row(page, text).get_by_role("group", name="Reactions").get_by_role("button")).to_have_text(["👍1", "🎉1"])
    expect(reaction(bob, text, "🎉 1")).to_have_attribute("aria-pressed", "true")

    # Archived while Bob still looks at it: his reaction is refused, and he is told.
    channels.archive(conversation.channel.id, conversation.owner.id)
    reaction(bob, text, "👍 1").click()
    expect(bob.get_by_text("This channel is archived, so it is read-only.")).to_be_visible()
    expect(reaction(ada, text, "👍 1")).to_be_visible()
    expect(reaction(bob, text, "👍 2")).to_have_count(0)


def test_reacting_from_the_keyboard(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    _, page = in_channel  # Bob: his message follows Ada's, so it starts with his name
    text = f"Keyboard only {uuid.uuid4().hex[:4]}"
    send(page, text)
    account = conversation.member.account
    message = row(page, text)
    add = message.get_by_role("button", name="Add reaction")
    actions = message.locator(".message-actions")
    expect(actions).to_have_count(0)  # the action bar is drawn on the row's first hover or focus (row_actions.jsx)

    # From the author's name (a button: it opens their card), Tab reaches the row's action bar; Enter opens the picker.
    message.get_by_role("button", name=f"Profile of {account.name}").focus()  # the name opens the profile card
    page.keyboard.press("Tab")
    expect(add).to_be_focused()
    page.mouse.move(0, 0)  # not hovered: shown because it holds the focus
    expect(actions).to_have_css("opacity", "1")
    page.keyboard.press("Enter")
    picker = page.get_by_role("dialog")
    expect(picker.get_by_role("searchbox", name="Search emoji")).to_be_focused()  # type to search, or Tab to the grid
    page.keyboard.press("Tab")
    expect(picker.get_by_role("button", name="👍", exact=True)).to_be_focused()
    for _ in range(PICKER.index("🎉")):
        page.keyboard.press("Tab")
    expect(picker.get_by_role("button", name="🎉", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    toggle = reaction(page, text, "🎉 1")
    expect(toggle).to_have_attribute("aria-pressed", "true")

    # The toggle is a real button: Space takes the reaction back.
    toggle.focus()
    page.keyboard.press("Space")
    expect(message.get_by_role("group", name="Reactions")).to_have_count(0)
