"""Profiles in real browsers on the production-like hub (two people, the seeded 20+
message channel): Ada sets her title, status and avatar on /account; Bob opens her
card from a message row and from the member list and sees them, her avatar replaces
the initial in his rows and a change she makes reaches his open card live; her status
disappears once it expires; the agent's card shows its owner and model; the keyboard
opens and closes a card."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.store.db import session_scope
from neurocache_ui.store.profile_models import UserProfile
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.hub import HubServer

NewContext = Callable[..., BrowserContext]
SHOTS = Path("/work/shots/profiles")


def _avatar_file(tmp_path: Path) -> Path:
    path = tmp_path / "ada.png"
    image = Image.new("RGB", (400, 300), "orange")
    image.paste(Image.new("RGB", (100, 100), "navy"), (150, 100))
    out = io.BytesIO()
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


def _card(page: Page):
    return page.get_by_role("dialog")


def test_bob_sees_adas_profile_live_and_her_status_expires(
    new_context: NewContext, hub: HubServer, conversation: Conversation, tmp_path: Path
) -> None:
    ada_id, bob_id = conversation.owner.id, conversation.member.id
    ada = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(ada, ada_id, "/account")
    expect(ada.get_by_role("heading", name="Profile")).to_be_visible()
    ada.get_by_label("Title").fill("Product designer")
    ada.get_by_label("Emoji").fill("📅")
    ada.get_by_label("What you are doing").fill("In a meeting")
    ada.get_by_label("Clear after").select_option("1h")
    ada.get_by_role("button", name="Save profile").click()
    expect(ada.get_by_text("Profile saved.")).to_be_visible()
    ada.get_by_label("Choose an avatar image").set_input_files(_avatar_file(tmp_path))
    expect(ada.get_by_test_id("my-avatar")).to_have_attribute("src", re.compile(rf"/avatars/{ada_id}/128\?v=1"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=SHOTS / "account-1280.png", full_page=True, animations="disabled")

    bob = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(bob, bob_id, conversation.url)
    log = bob.get_by_role("log", name="Messages")
    expect(log.get_by_text(conversation.last.content)).to_be_visible()
    # Ada's avatar replaces her initial in Bob's rows.
    expect(log.locator(f'img[src*="/avatars/{ada_id}/32"]').first).to_be_visible()

    # From a message row: her card.
    log.get_by_role("button", name="Profile of Ada Lovelace").first.click()
    card = _card(bob)
    expect(card.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(card.get_by_text("Product designer")).to_be_visible()
    expect(card.get_by_test_id("card-status")).to_have_text("📅 In a meeting")
    expect(card.get_by_test_id("card-presence")).to_have_text(re.compile("Online|Away"))
    expect(card.locator("img")).to_have_attribute("src", re.compile(rf"/avatars/{ada_id}/128"))
    bob.screenshot(path=SHOTS / "card-1280.png", animations="disabled")

    # Ada changes her title while Bob's card is open: it updates live.
    ada.get_by_label("Title").fill("Design lead")
    ada.get_by_role("button", name="Save profile").click()
    expect(card.get_by_text("Design lead")).to_be_visible()
    card.get_by_role("button", name="Close").click()
    expect(card).to_be_hidden()

    # From the member list.
    pages.header_action(bob, "Members")
    bob.get_by_role("list", name="Channel members").get_by_role("button", name="Profile of Ada Lovelace").click()
    expect(card.get_by_text("Design lead")).to_be_visible()
    expect(card.get_by_test_id("card-status")).to_have_text("📅 In a meeting")

    # Her status ends (set to end in 2 s here, instead of waiting an hour): it is gone when the card is read again.
    with session_scope() as session:
        profile = session.get(UserProfile, ada_id)
        assert profile is not None
        profile.status_until = datetime.now(UTC) + timedelta(seconds=2)
        session.add(profile)
    time.sleep(2.5)
    bob.keyboard.press("Escape")
    expect(card).to_be_hidden()
    # The keyboard opens a card: Tab to a name, Enter.
    name = log.get_by_role("button", name="Profile of Ada Lovelace").last
    name.focus()
    bob.keyboard.press("Enter")
    expect(card.get_by_text("Design lead")).to_be_visible()
    expect(card.get_by_test_id("card-status")).to_have_count(0)
    bob.keyboard.press("Escape")
    expect(card).to_be_hidden()

    # "Message" on the card opens their DM.
    name.click()
    card.get_by_role("button", name="Message").click()
    expect(bob).to_have_url(re.compile(r"/channels/dm-"))
    expect(bob.get_by_role("button", name="Profile of Ada Lovelace").first).to_be_visible()  # the sidebar's DM row


def test_an_agents_card_shows_its_owner_and_model_also_on_a_phone(
    new_context: NewContext, hub: HubServer, conversation: Conversation
) -> None:
    bob = new_context(base_url=hub.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    pages.sign_in(bob, conversation.member.id, conversation.url)
    log = bob.get_by_role("log", name="Messages")
    reply = log.locator(f'[data-message-id="{conversation.agent_reply.id}"]')
    reply.scroll_into_view_if_needed()
    reply.get_by_role("button", name="Profile of Scout").click()
    card = _card(bob)
    expect(card.get_by_role("heading", name="Scout")).to_be_visible()
    expect(card.get_by_text("Agent", exact=True)).to_be_visible()
    expect(card.get_by_text("Ada Lovelace")).to_be_visible()
    expect(card.get_by_text("fake-model")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    bob.screenshot(path=SHOTS / "agent-card-390.png", animations="disabled")
    card.get_by_role("button", name="Close").click()
    # A person's card on a phone.
    log.get_by_role("button", name="Profile of Ada Lovelace").last.click()
    expect(card.get_by_role("heading", name="Ada Lovelace")).to_be_visible()
    expect(card.get_by_role("button", name="Message")).to_be_visible()
    bob.screenshot(path=SHOTS / "card-390.png", animations="disabled")
