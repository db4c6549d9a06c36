"""An open channel turned private stops reaching the open tabs of people who read it
without joining, in real browsers on the production-like hub.

Bob (not a member) reads Ada's open, seeded 20+-message channel in three tabs: one
shows it, one on a phone shows it, one read it and moved on to his own channel (the
tab keeps it among its recent channels). Ada makes it private from "Who can find it":
both tabs showing it close it with "#name is now private", and nothing Ada posts
afterwards reaches any of Bob's tabs, neither on the page (also going back to it
through the browser's history) nor down their websockets."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.services import channels, directory, messaging
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.hub import HubServer
from tests.e2e.test_channels import log, send

NewContext = Callable[..., BrowserContext]
SHOTS = Path("/work/shots/private")


def listening(page: Page) -> list[str]:
    """Every websocket frame the page receives from now on, as text."""
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    return frames


def test_a_channel_made_private_closes_in_non_members_tabs_and_sends_them_nothing_more(
    new_context: NewContext, hub: HubServer, conversation: Conversation
) -> None:
    ada_id, bob_id = conversation.owner.id, conversation.member.id
    shared, tag = conversation.channel, uuid.uuid4().hex[:6]
    channels.leave(shared.id, bob_id)  # Bob only reads it: not a member
    directory.set_visibility(shared.id, ada_id, "open")
    notes = channels.create_channel(bob_id, name=f"Notes {tag}")
    last = conversation.last.content

    ada = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(ada, ada_id, conversation.url)
    expect(log(ada).get_by_text(last)).to_be_visible()
    tabs = {
        "reading": new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page(),
        "phone": new_context(base_url=hub.url, viewport={"width": 390, "height": 844}).new_page(),
        "moved-on": new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page(),
    }
    frames = {name: listening(page) for name, page in tabs.items()}
    for page in tabs.values():
        pages.sign_in(page, bob_id, f"/channels/{notes.slug}")
        expect(page.get_by_role("heading", name=f"# Notes {tag}")).to_be_visible()
        page.goto(conversation.url)
        expect(log(page).get_by_text(last)).to_be_visible()
        expect(page.get_by_role("button", name="Join channel")).to_be_visible()  # reading, not a member
    moved_on = tabs["moved-on"]
    pages.channel_link(moved_on, f"Notes {tag}").click()  # in-app navigation: the tab keeps the channel cached
    expect(moved_on.get_by_role("heading", name=f"# Notes {tag}")).to_be_visible()
    # While open, Bob's tabs follow it live.
    send(ada, f"Still open {tag}")
    for name in ("reading", "phone"):
        expect(log(tabs[name]).get_by_text(f"Still open {tag}")).to_be_visible()

    # Ada makes it private from the header's "Who can find it".
    pages.header_action(ada, "Who can find it")
    ada.get_by_role("radio", name="Private").click()
    ada.get_by_role("dialog").get_by_role("button", name="Save").click()
    expect(ada.get_by_text("Only members can find it now.")).to_be_visible()
    notice = f"#{shared.name} is now private: only its members can read it."
    for name in ("reading", "phone"):
        page = tabs[name]
        expect(page.get_by_text(notice)).to_be_visible()
        expect(page.get_by_role("heading", name="Channel not found")).to_be_visible()
        expect(log(page).get_by_text(last)).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    tabs["reading"].screenshot(path=SHOTS / "made-private-1280x800.png")
    tabs["phone"].screenshot(path=SHOTS / "made-private-390x844.png")

    # Ada keeps chatting; Bob's own news still reaches his tabs, hers never does.
    secret = f"Salary bands for Friday {tag}"
    send(ada, secret)
    expect(log(ada).get_by_text(secret)).to_be_visible()
    pages.channel_link(tabs["reading"], f"Notes {tag}").click()
    expect(tabs["reading"].get_by_role("heading", name=f"# Notes {tag}")).to_be_visible()
    messaging.post_message(notes.id, user_id=bob_id, content=f"Reminder {tag}")  # published after Ada's message
    for name in ("reading", "moved-on"):
        expect(log(tabs[name]).get_by_text(f"Reminder {tag}")).to_be_visible()
    for page in (tabs["reading"], moved_on):
        page.go_back()  # back to the channel's page through the history
        expect(page).to_have_url(re.compile(rf"{re.escape(conversation.url)}$"))
        expect(page.get_by_role("heading", name="Channel not found")).to_be_visible()
        expect(page.get_by_text(secret)).to_have_count(0)
        expect(page.get_by_text(last)).to_have_count(0)
    for name, received in frames.items():
        assert any(tag in frame for frame in received), f"nothing captured on Bob's {name} tab"
        assert not [frame for frame in received if secret in frame], f"Bob's {name} tab was sent Ada's message"
    expect(log(ada).get_by_text(secret)).to_be_visible()  # members are unaffected
