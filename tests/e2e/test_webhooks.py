"""Incoming webhooks in real browsers on the shared production-like hub: Ada (the
channel's owner, 1280×800) makes one in the channel menu's "Incoming webhooks" dialog
and copies its URL, shown once; Bob (a member, on a phone at 390×844) has no such menu
item. A POST to the URL with no key appears at once in both open pages under the
webhook's name with an "integration" badge, and the `username` a post gives replaces
the name. Revoked, the URL answers 404 and the dialog lists nothing. The API keys page
lists Ada's outgoing webhooks with their state (one turned off, with why) and deletes one."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, Locator, Page, expect

from neurocache_ui.services.webhooks import outgoing
from neurocache_ui.settings import PROJECT_ROOT
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.webhook_models import Webhook
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.hub import HubServer
from testkit.ui_audit import audit
from tests.e2e.test_channels import log

SCREENS = PROJECT_ROOT / "test-artifacts" / "screens"


def shoot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size or {"width": 0, "height": 0}
    page.screenshot(path=SCREENS / f"webhooks-{name}-{size['width']}x{size['height']}.png", animations="disabled")


def row(page: Page, text: str) -> Locator:
    return log(page).locator("[data-message-id]").filter(has_text=text)


def open_dialog(page: Page, channel: str) -> Locator:
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("menuitem", name="Incoming webhooks").click()
    dialog = page.get_by_role("dialog", name=f"Incoming webhooks for #{channel}")
    expect(dialog).to_be_visible()
    return dialog


def test_an_incoming_webhook_posts_live_to_every_open_page(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel
    ada.set_viewport_size({"width": 1280, "height": 800})
    bob.set_viewport_size({"width": 390, "height": 844})
    channel = conversation.channel.name

    bob.get_by_role("button", name="More actions").click()  # a member: no webhooks to manage
    expect(bob.get_by_role("menuitem", name="Notifications")).to_be_visible()
    expect(bob.get_by_role("menuitem", name="Incoming webhooks")).to_have_count(0)
    bob.keyboard.press("Escape")

    dialog = open_dialog(ada, channel)
    expect(dialog.get_by_text("None yet.")).to_be_visible()
    dialog.get_by_label("Name").fill("CI")
    dialog.get_by_role("button", name="Create webhook").click()
    url_box = dialog.get_by_role("textbox", name="New webhook URL")
    expect(url_box).to_be_visible()
    url = url_box.input_value()
    assert "/api/v1/hooks/nch_" in url
    expect(dialog.get_by_text("CI", exact=True)).to_be_visible()
    shoot(ada, "dialog")
    assert audit(ada, popup=dialog).problems() == []
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()

    assert httpx.post(url, json={"text": "Build 812 passed on main"}, timeout=30).status_code == 200
    assert httpx.post(url, json={"text": "Deployed to staging", "username": "Release bot"}, timeout=30).status_code == 200
    for page in (ada, bob):  # both, without a reload
        built = row(page, "Build 812 passed on main")
        expect(built).to_be_visible()
        expect(built.get_by_text("CI", exact=True)).to_be_visible()
        expect(built.get_by_text("integration", exact=True)).to_be_visible()
        expect(row(page, "Deployed to staging").get_by_text("Release bot", exact=True)).to_be_visible()
    shoot(ada, "channel")
    shoot(bob, "channel")
    for page in (ada, bob):
        assert audit(page).problems() == []

    # Revoked: the URL is gone, and the list says so.
    dialog = open_dialog(ada, channel)
    dialog.get_by_role("button", name="Revoke CI").click()
    expect(dialog.get_by_text("None yet.")).to_be_visible()
    assert httpx.post(url, json={"text": "after revoking"}, timeout=30).status_code == 404


def test_the_keys_page_lists_outgoing_webhooks_and_deletes_one(
    new_context: Callable[..., BrowserContext], hub: HubServer, conversation: Conversation
) -> None:
    ada = conversation.owner
    _, live = outgoing.create(ada.id, "https://ops.example.com/neurocache", ["message.created", "mention"],
                              conversation.channel.slug)
    _, broken = outgoing.create(ada.id, "https://old.example.com/hook", ["reaction.added"])
    with session_scope() as session:  # as the delivery worker leaves it after eight failures in a row
        session.connection().execute(sa.update(Webhook).where(Webhook.id == broken.id).values(
            active=False, failures=8, disabled_reason="Turned off after 8 failed deliveries in a row."))
    page = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(page, ada.id, "/keys")
    panel = page.get_by_role("heading", name="Outgoing webhooks").locator("xpath=..")
    expect(panel.get_by_text("https://ops.example.com/neurocache")).to_be_visible()
    expect(panel.get_by_text(f"message.created, mention · #{conversation.channel.slug}")).to_be_visible()
    expect(panel.get_by_text("Active", exact=True)).to_have_count(1)
    expect(panel.get_by_text("Turned off", exact=True)).to_be_visible()
    expect(panel.get_by_text("Turned off after 8 failed deliveries in a row.")).to_be_visible()
    expect(panel.get_by_text("reaction.added · all your channels")).to_be_visible()
    panel.get_by_text("https://old.example.com/hook").scroll_into_view_if_needed()
    shoot(page, "keys")
    assert audit(page).problems() == []
    page.set_viewport_size({"width": 390, "height": 844})
    panel.get_by_text("https://old.example.com/hook").scroll_into_view_if_needed()
    shoot(page, "keys")
    assert audit(page).problems() == []

    panel.get_by_role("button", name="Delete webhook to https://old.example.com/hook").click()
    expect(panel.get_by_text("https://old.example.com/hook")).to_have_count(0)
    assert [h.id for h in outgoing.list_for(ada.id)] == [live.id]
