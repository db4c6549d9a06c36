"""Message search in real browsers on the production-like hub: Ada searches from the
header, sees Bob's message in their channel of a morning's conversation
(testkit/conversation.py), not the one in Bob's own channel, with the matching word
highlighted, and a result opens the channel at that message, even when 60 newer
messages push it out of the latest page."""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from neurocache_ui.services import channels, messaging
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import User
from testkit.conversation import Conversation
from testkit.hub import HubServer
from testkit.servers import RedisServer
from tests.e2e.test_channels import NewContext, SignUp, log, send


@pytest.fixture
def stores(use_settings, postgres_url: str, redis_server: RedisServer) -> None:
    """This process's services on the hub's database and Redis, so posts reach it live."""
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url)


def user_id(email: str) -> int:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(User.id).where(User.email == email)).scalar_one()


def search_box(page: Page):
    return page.get_by_role("searchbox", name="Search messages")


def results(page: Page):
    return page.get_by_role("region", name="Search results")


def test_search_finds_shared_messages_and_opens_them_in_place(
    in_channel: tuple[Page, Page], conversation: Conversation
) -> None:
    ada, bob = in_channel
    bob_account, bob_id, shared = conversation.member.account, conversation.member.id, conversation.channel
    name = shared.name
    word = f"lighthouse{uuid.uuid4().hex[:6]}"
    send(bob, f"Meet at the {word} at noon")
    expect(log(ada).get_by_text(f"Meet at the {word} at noon")).to_be_visible()
    target = messaging.recent_messages(shared.id, 1, viewer_id=bob_id)[0]
    assert word in target.content
    for i in range(60):  # the hit is no longer among the newest 50 the channel opens with
        messaging.post_message(shared.id, user_id=bob_id, content=f"filler {i}")
    private = channels.create_channel(bob_id, name=f"Bob alone {word[-6:]}")
    messaging.post_message(private.id, user_id=bob_id, content=f"The {word} key is under the mat")

    # Typing searches (the last word as a prefix); Bob's private channel never shows.
    ada.goto("/channels")
    search_box(ada).press_sequentially(word[:-3], delay=20)
    found = results(ada).get_by_role("link")
    expect(found).to_have_count(1)
    expect(found).to_contain_text(name)
    expect(found).to_contain_text(bob_account.name)
    expect(found).to_contain_text("Meet at the")
    expect(found.locator("mark")).to_have_text(word)
    expect(results(ada)).not_to_contain_text("under the mat")

    # Bob, in both channels, finds both messages.
    search_box(bob).fill(word)
    search_box(bob).press("Enter")
    expect(results(bob).get_by_role("link")).to_have_count(2)

    # No match: an empty state. Escape clears the box and closes the panel.
    search_box(ada).fill(f"{word} nowhere")
    expect(results(ada)).to_contain_text(f"No messages match “{word} nowhere”")
    search_box(ada).press("Escape")
    expect(search_box(ada)).to_have_value("")
    expect(results(ada)).to_have_count(0)

    # A result opens the channel at the message, older than the latest page, highlighted in view.
    search_box(ada).fill(word)
    expect(found).to_have_count(1)
    found.click()
    expect(ada).to_have_url(re.compile(rf"/channels/{shared.slug}\?m={target.id}$"))
    expect(results(ada)).to_have_count(0)
    row = log(ada).locator(f'[data-message-id="{target.id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text(f"Meet at the {word} at noon")
    expect(row).to_be_in_viewport()
    expect(log(ada).get_by_text("filler 0", exact=True)).to_be_attached()  # the newer messages follow it

    # The newest messages are further on: a live one does not open a gap; "Jump to newest" shows them.
    jump = log(ada).get_by_role("button", name="Jump to newest messages")
    expect(jump).to_be_visible()
    messaging.post_message(shared.id, user_id=bob_id, content="fresh news after the search")
    expect(log(bob).get_by_text("fresh news after the search")).to_be_visible()
    expect(log(ada).get_by_text("fresh news after the search")).to_have_count(0)
    jump.click()
    expect(log(ada).get_by_text("fresh news after the search")).to_be_visible()
    expect(log(ada).get_by_text("filler 59", exact=True)).to_be_visible()
    expect(jump).to_have_count(0)
    messaging.post_message(shared.id, user_id=bob_id, content="and live again")
    expect(log(ada).get_by_text("and live again")).to_be_visible()


def test_more_results_and_the_close_button(new_context: NewContext, hub: HubServer, sign_up: SignUp, stores: None) -> None:
    page = new_context(base_url=hub.url).new_page()
    account = sign_up(page)
    me = user_id(account.email)
    word = f"heron{uuid.uuid4().hex[:6]}"
    channel = channels.create_channel(me, name=f"Birds {word[-6:]}")
    for i in range(25):
        messaging.post_message(channel.id, user_id=me, content=f"{word} sighting number {i}")

    search_box(page).fill(word)
    found = results(page).get_by_role("link")
    expect(found).to_have_count(20)
    expect(found.first).to_contain_text("sighting number 24")  # newest first
    results(page).get_by_role("button", name="More results").click()
    expect(found).to_have_count(25)
    expect(found.last).to_contain_text("sighting number 0")
    expect(results(page).get_by_role("button", name="More results")).to_have_count(0)
    results(page).get_by_role("button", name="Close search results").click()
    expect(results(page)).to_have_count(0)
    expect(search_box(page)).to_have_value("")
