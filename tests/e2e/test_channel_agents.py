"""Agents in channels, in real browsers, on a production-like server (Postgres,
Redis, two Granian workers) whose model provider is the fake OpenAI-compatible
server: add an agent with "Add agent", @mention it, watch the reply stream into a
second person's browser, stop a reply, and try an agent privately on its page."""

from __future__ import annotations

import re
import uuid

import sqlalchemy as sa
from playwright.sync_api import Page, expect

from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import UsageEvent
from testkit.browser import channel_link, create_channel, header_action, invite
from testkit.factories import Account
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channels import NewContext, SignUp, log, send

WORDS = [f"alpha{i:02d}" for i in range(40)]


def add_agent(page: Page, name: str) -> None:
    header_action(page, "Add agent")
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=f"Add {name}").click()
    expect(dialog.get_by_role("button", name=f"Remove {name}")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()


def agents_in_header(page: Page):
    return page.get_by_role("list", name="Agents in this channel")


def two_people(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, *, bob_hub: HubServer | None = None
) -> tuple[Page, Page, Account, Account, str]:
    """Ada's channel with Bob invited, each in their own browser, both looking at it
    (Bob's on `bob_hub`, another host on the same database and Redis, if given)."""
    ada = new_context(base_url=hub.url).new_page()
    bob = new_context(base_url=(bob_hub or hub).url).new_page()
    ada_account, bob_account = sign_up(ada), sign_up(bob)
    name = f"team {uuid.uuid4().hex[:6]}"
    create_channel(ada, name)
    invite(ada, bob_account.email)
    bob.goto("/channels")
    channel_link(bob, name).click()
    expect(bob.get_by_role("heading", name=f"# {name}")).to_be_visible()
    return ada, bob, ada_account, bob_account, name


def reply_row(page: Page, agent_name: str):
    return log(page).locator("[data-message-id]").filter(has_text=agent_name).last


def test_add_mention_and_watch_the_reply_stream_in(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    ada, bob, owner, _, _ = two_people(new_context, agent_hub, sign_up)
    slug = f"scout{uuid.uuid4().hex[:4]}"
    scout = make_agent(owner, f"Scout {slug[-4:]}", slug=slug, instructions="Answer in words.")
    make_agent(owner, f"Critic {slug[-4:]}")  # in the picker, never added

    add_agent(ada, scout.name)
    expect(agents_in_header(ada).get_by_text(scout.name)).to_be_visible()
    expect(agents_in_header(bob).get_by_text(scout.name)).to_be_visible()  # the other viewer's header follows

    # @ completion: typing "@sc" offers the channel's matching agent; a click picks it.
    box = ada.get_by_role("textbox", name="Message")
    box.press_sequentially(f"hello @{slug[:3]}")
    suggestions = ada.get_by_role("listbox", name="Mention suggestions")
    suggestions.get_by_role("option", name=scout.name).click()
    expect(box).to_have_value(f"hello @{slug} ")
    expect(suggestions).to_have_count(0)

    fake_provider.configure(reply=" ".join(WORDS), token_delay=0.12)  # ~5 s of tokens
    box.press_sequentially("what do you know?")
    box.press("Enter")
    expect(log(bob).get_by_text(f"hello @{slug} what do you know?")).to_be_visible()

    # Bob sees the reply being written: the indicator, then partial text before the end.
    expect(bob.get_by_text(f"{scout.name} is replying…")).to_be_visible()
    row = reply_row(bob, scout.name)
    expect(row).to_contain_text("alpha05", timeout=10_000)
    partial = row.inner_text()
    assert "alpha39" not in partial, "the reply should still be streaming"
    expect(row.get_by_role("button", name="Stop")).to_be_visible()
    expect(row).to_contain_text("alpha39", timeout=15_000)
    expect(row.get_by_role("button", name="Stop")).to_have_count(0)
    expect(row.get_by_text("streaming")).to_have_count(0)
    expect(bob.get_by_text(f"{scout.name} is replying…")).to_have_count(0)
    expect(reply_row(ada, scout.name)).to_contain_text("alpha39")

    system = fake_provider.last_body()["messages"][0]["content"]
    assert "Answer in words." in system and "Ship the launch plan" in system


def test_any_member_can_stop_a_reply(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    ada, bob, ada_account, bob_account, _ = two_people(new_context, agent_hub, sign_up)
    slug = f"slow{uuid.uuid4().hex[:4]}"
    slowpoke = make_agent(ada_account, f"Slowpoke {slug[-4:]}", slug=slug)
    add_agent(ada, slowpoke.name)
    expect(agents_in_header(bob).get_by_text(slowpoke.name)).to_be_visible()

    fake_provider.configure(reply=" ".join(WORDS), token_delay=0.3)  # 12 s unless stopped
    send(ada, f"@{slug} take your time")
    row = reply_row(bob, slowpoke.name)
    expect(row).to_contain_text("alpha02", timeout=10_000)
    row.get_by_role("button", name="Stop").click()  # Bob stops Ada's agent

    for page in (ada, bob):
        final = reply_row(page, slowpoke.name)
        expect(final).to_contain_text(f"Stopped by {bob_account.name}", timeout=10_000)
        expect(final.get_by_text("incomplete")).to_be_visible()
        expect(final.get_by_role("button", name="Stop")).to_have_count(0)
    text = reply_row(ada, slowpoke.name).inner_text()
    assert "alpha02" in text and "alpha39" not in text

    # The agent leaves the channel through the same picker.
    header_action(ada, "Add agent")
    ada.get_by_role("dialog").get_by_role("button", name=f"Remove {slowpoke.name}").click()
    expect(ada.get_by_role("dialog").get_by_role("button", name=f"Add {slowpoke.name}")).to_be_visible()
    ada.get_by_role("dialog").get_by_role("button", name="Done").click()
    expect(agents_in_header(bob)).to_have_count(0)


def test_try_an_agent_privately(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    page = new_context(base_url=agent_hub.url).new_page()
    account = sign_up(page)
    slug = f"tester{uuid.uuid4().hex[:4]}"
    agent = make_agent(account, f"Tester {slug[-4:]}", slug=slug, instructions="Be brief.")
    page.goto(f"/agents/{slug}")
    page.get_by_role("tab", name="Try it").click()
    conversation = page.get_by_role("log", name="Try it conversation")

    fake_provider.configure(reply=" ".join(WORDS), token_delay=0.1)
    box = page.get_by_role("textbox", name="Message to the agent")
    box.fill("hello there")
    box.press("Enter")
    expect(conversation.get_by_text("hello there")).to_be_visible()
    expect(conversation).to_contain_text("alpha03", timeout=10_000)
    assert "alpha39" not in conversation.inner_text()
    expect(conversation).to_contain_text("alpha39", timeout=15_000)
    expect(conversation.get_by_role("button", name="Stop")).to_have_count(0)
    body = fake_provider.last_body()
    assert "Be brief." in body["messages"][0]["content"]
    assert body["messages"][-1] == {"role": "user", "content": "hello there"}

    fake_provider.configure(reply=" ".join(WORDS), token_delay=0.3)
    box.fill("again, slowly")
    box.press("Enter")
    expect(conversation).to_contain_text(re.compile(r"again, slowly[\s\S]*alpha01"), timeout=10_000)
    conversation.get_by_role("button", name="Stop").click()
    stopped = conversation.locator("[data-turn-role=assistant]").last
    expect(stopped).to_contain_text("Stopped by you")
    expect(stopped).to_contain_text("incomplete")
    assert "alpha01" in stopped.inner_text() and "alpha39" not in stopped.inner_text()

    with get_engine().connect() as conn:  # usage is recorded for the owner, without a channel
        used = conn.execute(
            sa.select(UsageEvent.outcome, UsageEvent.channel_id, UsageEvent.source)
            .where(UsageEvent.agent_id == agent.id)
            .order_by(UsageEvent.id)
        ).all()
    assert [tuple(row) for row in used] == [("ok", None, "hub"), ("stopped", None, "hub")]
