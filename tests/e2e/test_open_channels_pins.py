"""Open channels, pins and saved messages in real browsers on the production-like hub.

Bob finds Ada's open channel under Browse channels, reads its history before joining
(a "Join channel" bar instead of the composer), joins it (his sidebar shows it, his
message reaches Ada live) and never sees her private channel: not in Browse, not by
its URL, not in search, not over the API. In the seeded 20+-message channel Ada pins
message #15 and Bob's Pinned panel shows it live and jumps to it; Bob saves a message
and a thread reply from the keyboard and finds both under Saved."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.services import api_keys, channels, messaging
from neurocache_ui.settings import PROJECT_ROOT
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.hub import HubServer
from tests.e2e.test_channels import log, send

NewContext = Callable[..., BrowserContext]
SCREENS = PROJECT_ROOT / "test-artifacts" / "screens"
PINNED = 14
"""Message #15 of the seeded channel (0-based), in the middle of its history."""


def shot(page: Page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"openpins-{name}.png")


def row(page: Page, text: str, where: str = "Messages"):
    return page.get_by_role("log", name=where).locator("[data-message-id]").filter(has_text=text).first


def test_bob_browses_reads_and_joins_an_open_channel_and_never_sees_a_private_one(
    new_context: NewContext, hub: HubServer, conversation: Conversation
) -> None:
    ada_id, bob_id = conversation.owner.id, conversation.member.id
    tag = uuid.uuid4().hex[:6]
    ada = new_context(base_url=hub.url).new_page()
    pages.sign_in(ada, ada_id, "/channels")
    # Ada makes an open channel through the dialog: the visibility choice explains itself.
    ada.get_by_role("button", name="New channel").click()
    ada.get_by_label("Name").fill(f"Town hall {tag}")
    ada.get_by_label("Description").fill("Questions for everyone")
    expect(ada.get_by_text("Anyone in the workspace can find it in Browse channels, read it and join.")).to_be_visible()
    expect(ada.get_by_role("radio", name="Private")).to_be_checked()  # the default
    ada.get_by_role("radio", name="Open").click()
    ada.get_by_role("button", name="Create").click()
    expect(ada.get_by_role("heading", name=f"# Town hall {tag}")).to_be_visible()
    shared = channels.get_channel(ada.url.rstrip("/").split("/")[-1], ada_id)
    assert shared.visibility == "open"
    secret = channels.create_channel(ada_id, name=f"Board {tag}", description="Salaries")
    for i in range(3):
        messaging.post_message(shared.id, user_id=ada_id, content=f"Agenda item {i} {tag}")
    messaging.post_message(secret.id, user_id=ada_id, content=f"Salary bands {tag}")

    bob = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(bob, bob_id, "/channels")
    bob.get_by_role("navigation", name="Hub").get_by_role("link", name="Browse channels").click()
    expect(bob).to_have_url(re.compile(r"/browse$"))
    bob.get_by_role("searchbox", name="Search open channels").fill(tag)
    bob.get_by_role("button", name="Search", exact=True).click()
    listed = bob.get_by_role("list", name="Open channels")
    expect(listed.get_by_role("listitem")).to_have_count(1)
    expect(listed).to_contain_text(f"Town hall {tag}")
    expect(listed).to_contain_text("Questions for everyone")
    expect(listed).to_contain_text("1 member")
    expect(listed).not_to_contain_text("Board")
    shot(bob, "browse-1280x800")
    bob.get_by_role("searchbox", name="Search open channels").fill(f"Board {tag}")
    bob.get_by_role("button", name="Search", exact=True).click()
    expect(bob.get_by_text("No open channels match")).to_be_visible()

    # Reading before joining: the history, a Join bar, no composer, no channel actions.
    bob.get_by_role("searchbox", name="Search open channels").fill(tag)
    bob.get_by_role("button", name="Search", exact=True).click()
    listed.get_by_role("link", name=f"# Town hall {tag}").click()
    expect(log(bob).get_by_text(f"Agenda item 2 {tag}")).to_be_visible()
    expect(log(bob).get_by_text(f"Agenda item 0 {tag}")).to_be_visible()
    expect(bob.get_by_role("textbox", name="Message")).to_have_count(0)
    expect(bob.get_by_role("button", name="More actions")).to_have_count(0)
    shot(bob, "join-bar-1280x800")
    bob.get_by_role("button", name="Join channel").click()
    expect(bob.get_by_role("textbox", name="Message")).to_be_visible()
    expect(pages.channel_link(bob, f"Town hall {tag}")).to_be_visible()  # the sidebar has it
    send(bob, f"Joined, thanks {tag}")
    expect(log(ada).get_by_text(f"Joined, thanks {tag}")).to_be_visible()  # Ada sees it live

    # The private channel: not by its URL, not in search, not over the API.
    bob.goto(f"/channels/{secret.slug}")
    expect(bob.get_by_role("heading", name="Channel not found")).to_be_visible()
    bob.get_by_role("searchbox", name="Search messages").fill(f"Salary {tag}")
    bob.get_by_role("searchbox", name="Search messages").press("Enter")
    expect(bob.get_by_text(f"No messages match “Salary {tag}”.")).to_be_visible()
    key, _ = api_keys.create_key(bob_id, "open channels test")
    headers = {"Authorization": f"Bearer {key}"}
    for path in (f"/channels/{secret.slug}", f"/channels/{secret.slug}/messages", f"/channels/{secret.slug}/pins"):
        assert httpx.get(f"{hub.url}/api/v1{path}", headers=headers, timeout=30).status_code == 404
    browse = httpx.get(f"{hub.url}/api/v1/channels/browse", params={"q": tag}, headers=headers, timeout=30).json()
    assert [(c["slug"], c["is_member"], c["member_count"]) for c in browse["data"]] == [(shared.slug, True, 2)]

    phone = new_context(base_url=hub.url, viewport={"width": 390, "height": 844}).new_page()
    pages.sign_in(phone, ada_id, "/browse")
    expect(phone.get_by_role("list", name="Open channels")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "browse-390x844")


def test_pins_show_live_and_saved_messages_are_found(
    in_channel: tuple[Page, Page], new_context: NewContext, hub: HubServer, conversation: Conversation
) -> None:
    ada, bob = in_channel
    bob.set_viewport_size({"width": 1280, "height": 800})
    text = conversation.messages[PINNED].content
    pinned_panel = bob.get_by_role("button", name="Pinned messages")
    expect(pinned_panel).to_contain_text("0")

    # Ada pins message #15 from its row's toolbar; Bob's panel and row show it without a reload.
    row(ada, text).hover()
    row(ada, text).get_by_role("button", name="Pin message").click()
    expect(pinned_panel).to_contain_text("1")
    expect(row(bob, text).get_by_text("Pinned", exact=True)).to_be_visible()
    pinned_panel.click()
    entry = bob.get_by_role("list", name="Pinned messages").get_by_role("listitem")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(text[:40])
    expect(entry).to_contain_text(f"Pinned by {conversation.owner.name}")
    shot(bob, "pinned-panel-1280x800")
    entry.get_by_role("link").click()
    expect(bob).to_have_url(re.compile(rf"\?m={conversation.messages[PINNED].id}$"))
    expect(row(bob, text)).to_have_attribute("data-focused", "true")

    # Bob saves another message from the keyboard: a focused row draws its toolbar, and focus reaches it.
    saved_text = conversation.messages[3].content
    row(bob, saved_text).focus()
    save = row(bob, saved_text).get_by_role("button", name="Save message")
    save.focus()
    expect(save).to_be_visible()
    bob.keyboard.press("Enter")
    expect(row(bob, saved_text).get_by_role("button", name="Remove from saved")).to_have_attribute("aria-pressed", "true")
    # ... and a thread reply, in the thread panel.
    reply = conversation.replies[-1].content
    row(bob, conversation.thread_root.content).get_by_role("button", name=re.compile(r"\d+ repl")).click()
    thread_reply = row(bob, reply, where="Thread")
    thread_reply.hover()
    thread_reply.get_by_role("button", name="Save message").click()
    expect(thread_reply.get_by_text("Saved", exact=True)).to_be_visible()

    bob.get_by_role("navigation", name="Hub").get_by_role("link", name="Saved").click()
    saved = bob.get_by_role("list", name="Saved messages").get_by_role("listitem")
    expect(saved).to_have_count(2)
    expect(saved.first).to_contain_text(reply[:40])  # newest saved first
    expect(saved.first.get_by_text("Thread")).to_be_visible()
    expect(saved.nth(1)).to_contain_text(saved_text[:40])
    shot(bob, "saved-1280x800")
    ada.get_by_role("navigation", name="Hub").get_by_role("link", name="Saved").click()
    expect(ada.get_by_text("Nothing saved yet")).to_be_visible()  # saved items are Bob's alone
    saved.nth(1).get_by_role("link").click()
    expect(bob).to_have_url(re.compile(rf"\?m={conversation.messages[3].id}$"))
    expect(row(bob, saved_text)).to_have_attribute("data-focused", "true")

    phone = new_context(base_url=hub.url, viewport={"width": 390, "height": 844}).new_page()
    pages.sign_in(phone, conversation.member.id, "/saved")
    expect(phone.get_by_role("list", name="Saved messages").get_by_role("listitem")).to_have_count(2)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "saved-390x844")
    pages.sign_in(phone, conversation.member.id, conversation.url)
    phone.get_by_role("button", name="Pinned messages").click()
    expect(phone.get_by_role("list", name="Pinned messages").get_by_role("listitem")).to_have_count(1)
    shot(phone, "pinned-panel-390x844")
