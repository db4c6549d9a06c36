"""Threads in real browsers, two people on the production-like hub: "Reply in
thread" opens the panel, replies stay out of the channel, "N replies" follows
live, agents answer inside the thread with the thread as context, and unread
counts include thread replies (and leaving a channel's page marks it read)."""

from __future__ import annotations

import time
import uuid

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Channel, ChannelMember, User
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channel_agents import add_agent, two_people
from tests.e2e.test_channels import NewContext, SignUp, log, send


def row(page: Page, text: str):
    return log(page).locator("[data-message-id]").filter(has_text=text)


def thread(page: Page):
    return page.get_by_role("region", name="Thread")


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


def test_replies_live_in_the_thread_and_the_root_counts_them(
    new_context: NewContext, hub: HubServer, sign_up: SignUp
) -> None:
    ada, bob, _, _, _ = two_people(new_context, hub, sign_up)
    send(ada, "Where do we launch first?")
    expect(row(bob, "Where do we launch first?")).to_be_visible()

    open_thread_on(bob, "Where do we launch first?")
    expect(thread(bob).get_by_role("textbox", name="Reply")).to_be_focused()
    reply(bob, "Lisbon, I think")
    expect(thread(bob).get_by_text("Lisbon, I think")).to_be_visible()
    expect(thread(bob).get_by_role("textbox", name="Reply")).to_have_value("")

    # Ada's channel: the root says "1 reply", live; the reply is not inline.
    expect(row(ada, "Where do we launch first?").get_by_role("button", name="1 reply")).to_be_visible()
    expect(log(ada).get_by_text("Lisbon, I think")).to_have_count(0)
    expect(log(bob).get_by_text("Lisbon, I think")).to_have_count(0)

    row(ada, "Where do we launch first?").get_by_role("button", name="1 reply").click()
    expect(thread(ada).get_by_text("Lisbon, I think")).to_be_visible()

    # Both panels open: a reply from either shows in the other's, and the count follows.
    reply(ada, "Porto has the venue")
    expect(thread(bob).get_by_text("Porto has the venue")).to_be_visible()
    expect(row(bob, "Where do we launch first?").get_by_role("button", name="2 replies")).to_be_visible()
    expect(thread(bob).get_by_text("2 replies")).to_be_visible()

    # Keyboard: the thread closes with its button, and Tab reaches a row's "Reply in thread".
    thread(ada).get_by_role("button", name="Close thread").click()
    expect(thread(ada)).to_have_count(0)
    button = row(ada, "Where do we launch first?").get_by_role("button", name="Reply in thread")
    button.focus()
    ada.keyboard.press("Enter")
    expect(thread(ada).get_by_text("Porto has the venue")).to_be_visible()


def test_an_agent_answers_in_the_thread_with_the_thread_as_context(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    ada, bob, owner, _, _ = two_people(new_context, agent_hub, sign_up)
    slug = f"scout{uuid.uuid4().hex[:4]}"
    scout = make_agent(owner, f"Scout {slug[-4:]}", slug=slug)
    add_agent(ada, scout.name)

    send(ada, "Budget for the offsite")
    open_thread_on(ada, "Budget for the offsite")
    reply(ada, "Hotels are 120 a night")
    open_thread_on(bob, "Budget for the offsite")

    fake_provider.configure(reply="Total comes to 2400 for twenty nights", token_delay=0.05)
    reply(bob, f"@{slug} what is the total?")
    for page in (ada, bob):
        expect(thread(page).locator("[data-message-id]").filter(has_text=scout.name)).to_contain_text(
            "Total comes to 2400", timeout=15_000
        )
        expect(log(page).get_by_text("Total comes to 2400")).to_have_count(0)
    expect(row(ada, "Budget for the offsite").get_by_role("button", name="3 replies")).to_be_visible()

    sent = fake_provider.last_body()["messages"]
    system, conversation = sent[0]["content"], " ".join(str(m.get("content")) for m in sent[1:])
    assert "Ship the launch plan" in system and "thread" in system  # the channel's goal, and where it is
    assert "Budget for the offsite" in conversation and "Hotels are 120 a night" in conversation

    # Reply mode "all" answers thread replies too.
    scribe = make_agent(owner, f"Scribe {slug[-4:]}", reply_mode="all")
    add_agent(ada, scribe.name)
    fake_provider.configure(reply="Noted the flights", token_delay=0.01)
    reply(ada, "Flights are booked")
    expect(thread(bob).locator("[data-message-id]").filter(has_text=scribe.name)).to_contain_text(
        "Noted the flights", timeout=15_000
    )


def read_up_to(email: str, channel_name: str) -> int | None:
    """Bob's read marker in the channel, as stored."""
    with get_engine().connect() as conn:
        return conn.execute(
            sa.select(ChannelMember.last_read_message_id)
            .join(User, User.id == ChannelMember.user_id)
            .join(Channel, Channel.id == ChannelMember.channel_id)
            .where(User.email == email, Channel.name == channel_name)
        ).scalar()


def test_thread_replies_count_as_unread(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, use_settings, postgres_url: str
) -> None:
    use_settings(DATABASE_URL=postgres_url)
    ada, bob, _, bob_account, name = two_people(new_context, hub, sign_up)
    send(ada, "Agenda draft")
    expect(row(bob, "Agenda draft")).to_be_visible()
    draft = int(row(bob, "Agenda draft").get_attribute("data-message-id") or 0)
    bob.get_by_role("link", name="Agents", exact=True).click()
    # Leaving the channel's page marks it read up to there (what Bob watched arrive).
    deadline = time.monotonic() + 20
    while read_up_to(bob_account.email, name) != draft and time.monotonic() < deadline:
        time.sleep(0.05)
    assert read_up_to(bob_account.email, name) == draft

    open_thread_on(ada, "Agenda draft")
    reply(ada, "Item one: budget")
    reply(ada, "Item two: venue")
    channel_link = bob.get_by_role("link", name=name, exact=True)
    expect(channel_link.get_by_title("unread messages")).to_have_text("2")

    channel_link.click()
    expect(row(bob, "Agenda draft").get_by_role("button", name="2 replies")).to_be_visible()
    expect(channel_link.get_by_title("unread messages")).to_have_count(0)
    bob.reload()  # the read marker moved past the thread replies too
    expect(row(bob, "Agenda draft")).to_be_visible()
    expect(bob.get_by_role("link", name=name, exact=True).get_by_title("unread messages")).to_have_count(0)
