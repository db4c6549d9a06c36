"""Threads in real browsers, two people on the production-like hub, in a channel with
a morning's conversation (testkit/conversation.py): "Reply in thread" opens the panel
from any message (the last one, one in the middle), replies stay out of the channel,
"N replies" follows live, agents answer inside the thread with the thread as context,
and unread counts include thread replies (and leaving a channel's page marks it read)."""

from __future__ import annotations

import time

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Channel, ChannelMember, User
from testkit.browser import channel_link
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from tests.e2e.test_channel_agents import add_agent
from tests.e2e.test_channels import log, send

MIDDLE = 12
"""A message in the middle of the seeded channel, the second of a run by one author, with no thread yet."""


def row(page: Page, text: str):
    return log(page).locator("[data-message-id]").filter(has_text=text)


def thread(page: Page):
    return page.get_by_role("region", name="Thread")


def authored(page: Page, author: str):
    """The thread's rows written by `author` (by the name line: "@scout" in a question is not Scout)."""
    return thread(page).locator("[data-message-id]").filter(has=page.get_by_text(author, exact=True))


def reply(page: Page, text: str) -> None:
    """Send a reply and wait until it is stored (the box is emptied then, so the
    next reply is not typed into a box about to be cleared)."""
    box = thread(page).get_by_role("textbox", name="Reply")
    box.fill(text)
    box.press("Enter")
    expect(thread(page).get_by_text(text)).to_be_visible()
    expect(box).to_have_value("")


def open_thread_on(page: Page, root_text: str) -> None:
    target = row(page, root_text)
    target.hover()
    target.get_by_role("button", name="Reply in thread").click()
    expect(thread(page)).to_be_visible()
    expect(thread(page).get_by_text(root_text)).to_be_visible()


def test_replies_live_in_the_thread_and_the_root_counts_them(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel
    last = conversation.last.content
    open_thread_on(bob, last)  # the channel's newest message, far from its first
    expect(thread(bob).get_by_role("textbox", name="Reply")).to_be_focused()
    reply(bob, "Lisbon, I think")
    expect(thread(bob).get_by_text("Lisbon, I think")).to_be_visible()
    expect(thread(bob).get_by_role("textbox", name="Reply")).to_have_value("")

    # Ada's channel: the root says "1 reply", live; the reply is not inline.
    expect(row(ada, last).get_by_role("button", name="1 reply")).to_be_visible()
    expect(log(ada).get_by_text("Lisbon, I think")).to_have_count(0)
    expect(log(bob).get_by_text("Lisbon, I think")).to_have_count(0)

    row(ada, last).get_by_role("button", name="1 reply").click()
    expect(thread(ada).get_by_text("Lisbon, I think")).to_be_visible()

    # Both panels open: a reply from either shows in the other's, and the count follows.
    reply(ada, "Porto has the venue")
    expect(thread(bob).get_by_text("Porto has the venue")).to_be_visible()
    expect(row(bob, last).get_by_role("button", name="2 replies")).to_be_visible()
    expect(thread(bob).get_by_text("2 replies")).to_be_visible()

    # Keyboard: the thread closes with its button; ArrowUp in the log walks up the messages
    # to one in the middle (one that continues its author's run, so its toolbar is the
    # first thing Tab reaches in it), and "Reply in thread" starts its own thread.
    thread(ada).get_by_role("button", name="Close thread").click()
    expect(thread(ada)).to_have_count(0)
    middle = conversation.messages[MIDDLE].content
    ada.get_by_role("log", name="Messages").focus()
    for _ in range(len(conversation.messages)):
        ada.keyboard.press("ArrowUp")
        if row(ada, middle).evaluate("r => r === document.activeElement"):
            break
    expect(row(ada, middle)).to_be_focused()
    ada.keyboard.press("Tab")
    expect(row(ada, middle).get_by_role("button", name="Add reaction")).to_be_focused()
    ada.keyboard.press("Tab")
    expect(row(ada, middle).get_by_role("button", name="Reply in thread")).to_be_focused()
    ada.keyboard.press("Enter")
    expect(thread(ada).get_by_text(middle)).to_be_visible()
    expect(thread(ada).get_by_text("Porto has the venue")).to_have_count(0)
    reply(ada, "Cap it at 150")
    expect(row(bob, middle).get_by_role("button", name="1 reply")).to_be_visible()
    expect(row(bob, last).get_by_role("button", name="2 replies")).to_be_visible()


def test_an_agent_answers_in_the_thread_with_the_thread_as_context(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    ada, bob = in_channel
    scout = conversation.agent  # already in the channel

    send(ada, "Budget for the offsite")
    open_thread_on(ada, "Budget for the offsite")
    reply(ada, "Hotels are 120 a night")
    open_thread_on(bob, "Budget for the offsite")

    fake_provider.configure(reply="Total comes to 2400 for twenty nights", token_delay=0.05)
    reply(bob, f"@{scout.slug} what is the total?")
    for page in (ada, bob):
        expect(authored(page, scout.name)).to_contain_text("Total comes to 2400", timeout=15_000)
        expect(log(page).get_by_text("Total comes to 2400")).to_have_count(0)
    expect(row(ada, "Budget for the offsite").get_by_role("button", name="3 replies")).to_be_visible()

    sent = fake_provider.last_body()["messages"]
    system, conversation_text = sent[0]["content"], " ".join(str(m.get("content")) for m in sent[1:])
    assert conversation.channel.goal in system and "thread" in system  # the channel's goal, and where it is
    assert "Budget for the offsite" in conversation_text and "Hotels are 120 a night" in conversation_text
    assert conversation.messages[MIDDLE].content not in conversation_text  # the thread, not the channel

    # Reply mode "all" answers thread replies too.
    scribe = make_agent(conversation.owner.account, "Scribe", reply_mode="all")
    add_agent(ada, scribe.name)
    fake_provider.configure(reply="Noted the flights", token_delay=0.01)
    reply(ada, "Flights are booked")
    expect(authored(bob, scribe.name)).to_contain_text("Noted the flights", timeout=15_000)


def read_up_to(email: str, channel_name: str) -> int | None:
    """Bob's read marker in the channel, as stored."""
    with get_engine().connect() as conn:
        return conn.execute(
            sa.select(ChannelMember.last_read_message_id)
            .join(User, User.id == ChannelMember.user_id)
            .join(Channel, Channel.id == ChannelMember.channel_id)
            .where(User.email == email, Channel.name == channel_name)
        ).scalar()


def test_thread_replies_count_as_unread(in_channel: tuple[Page, Page], conversation: Conversation) -> None:
    ada, bob = in_channel
    name, email = conversation.channel.name, conversation.member.account.email
    send(ada, "Agenda draft")
    expect(row(bob, "Agenda draft")).to_be_visible()
    draft = int(row(bob, "Agenda draft").get_attribute("data-message-id") or 0)
    bob.get_by_role("link", name="Agents", exact=True).click()
    # Leaving the channel's page marks it read up to there (what Bob watched arrive).
    deadline = time.monotonic() + 20
    while read_up_to(email, name) != draft and time.monotonic() < deadline:
        time.sleep(0.05)
    assert read_up_to(email, name) == draft

    middle = conversation.messages[MIDDLE].content
    open_thread_on(ada, middle)
    reply(ada, "Item one: budget")
    reply(ada, "Item two: venue")
    link = channel_link(bob, name)
    expect(link).to_have_accessible_name(f"{name} 2 unread")

    link.click()
    expect(row(bob, middle).get_by_role("button", name="2 replies")).to_be_visible()
    expect(link.get_by_title("unread messages")).to_have_count(0)
    bob.reload()  # the read marker moved past the thread replies too
    expect(row(bob, middle)).to_be_attached()
    expect(channel_link(bob, name).get_by_title("unread messages")).to_have_count(0)
