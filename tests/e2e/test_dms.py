"""Direct messages in real browsers on the production-like server (Postgres, Redis,
two workers, the fake model provider): "New message" opens a DM with a person or an
agent, the other person's sidebar lists it live with its unread count, an agent in
a DM answers without being mentioned while nobody else can see it, and the same
people always come back to the same DM."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Locator, Page, expect

from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channel_agents import reply_row, two_people
from tests.e2e.test_channels import NewContext, SignUp, log, send

WORDS = [f"beta{i:02d}" for i in range(40)]


def row_name(name: str, *, online: bool | None = None, unread: int | None = None) -> re.Pattern[str]:
    """A DM row's accessible name: its name, ", online" while one of its other people
    is in the hub, and "N unread" (None: either way)."""
    presence = {None: r"( ?, online)?", True: r" ?, online", False: ""}[online]
    count = r"( \d+ unread)?" if unread is None else (rf" {unread} unread" if unread else "")
    return re.compile(rf"^{re.escape(name)}{presence}{count}$")


def dm_link(page: Page, name: str) -> Locator:
    """A DM's row in the sidebar's "Direct messages" group."""
    return page.get_by_role("group", name="Direct messages").get_by_role("link", name=row_name(name))


def new_message(page: Page, *, people: tuple[str, ...] = (), agents: tuple[str, ...] = (), emails: str = "") -> None:
    """Through the sidebar's "New message" button and its dialog, by keyboard where a person would."""
    page.get_by_role("group", name="Direct messages").get_by_role("button", name="New message").click()
    dialog = page.get_by_role("dialog", name="New message")
    for name in (*people, *agents):
        dialog.get_by_role("checkbox", name=re.compile(rf"(^|\s){re.escape(name)}(\s|$)")).check()
    if emails:
        dialog.get_by_label("Or their emails (comma-separated)").fill(emails)
    dialog.get_by_role("button", name="Open conversation").click()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/channels/dm-[a-f0-9]+/?$"))


def test_a_dm_between_ada_and_bob_counts_unread_for_bob_and_reopens_the_same_dm(
    new_context: NewContext, hub: HubServer, sign_up: SignUp,
) -> None:
    ada, bob, ada_account, bob_account, _ = two_people(new_context, hub, sign_up)
    ada_name = ada_account.name
    expect(bob.get_by_role("group", name="Direct messages")).to_contain_text("No direct messages yet")
    new_message(ada, people=(bob_account.name,))
    expect(ada.get_by_role("heading", name=bob_account.name, exact=True)).to_be_visible()
    dm_url = ada.url
    # No channel admin in a DM: its people are fixed.
    expect(ada.get_by_role("button", name="Invite", exact=True)).to_have_count(0)
    expect(ada.get_by_role("button", name="Add agent", exact=True)).to_have_count(0)
    # Bob has a channel open, so Ada's row for him shows him online.
    expect(dm_link(ada, bob_account.name)).to_have_accessible_name(row_name(bob_account.name, online=True, unread=0))

    # Bob, still in the channel, gets the DM in his sidebar live, then its unread count.
    expect(dm_link(bob, ada_name)).to_be_visible()
    expect(bob.get_by_role("group", name="Direct messages")).not_to_contain_text("No direct messages yet")
    send(ada, "psst, a secret")
    expect(log(ada).get_by_text("psst, a secret")).to_be_visible()
    expect(dm_link(bob, ada_name)).to_have_accessible_name(row_name(ada_name, unread=1))
    dm_link(bob, ada_name).click()
    expect(bob.get_by_role("heading", name=ada_name, exact=True)).to_be_visible()
    expect(log(bob).get_by_text("psst, a secret")).to_be_visible()
    expect(dm_link(bob, ada_name).get_by_title("unread messages")).to_have_count(0)

    # "New message" with the same person opens the same DM, from either side.
    ada.goto("/channels")
    new_message(ada, people=(bob_account.name,))
    assert ada.url == dm_url
    expect(log(ada).get_by_text("psst, a secret")).to_be_visible()
    bob.goto("/channels")
    new_message(bob, people=(ada_name,))
    assert bob.url == dm_url


def test_a_dm_with_an_agent_streams_a_reply_only_the_two_see(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent,
) -> None:
    ada, bob, ada_account, _, _ = two_people(new_context, hub, sign_up)
    writer = make_agent(ada_account, f"Writer {uuid.uuid4().hex[:4]}", instructions="Answer in words.")

    new_message(ada, agents=(writer.name,))
    expect(ada.get_by_role("heading", name=writer.name, exact=True)).to_be_visible()
    fake_provider.configure(reply=" ".join(WORDS), token_delay=0.1)
    send(ada, "draft the announcement")  # no @mention: in a DM the agent answers anyway
    row = reply_row(ada, writer.name)
    expect(row).to_contain_text("beta05", timeout=10_000)
    assert "beta39" not in row.inner_text(), "the reply should still be streaming"
    expect(row.get_by_role("button", name="Stop")).to_be_visible()
    expect(row).to_contain_text("beta39", timeout=15_000)

    # Bob, in the channel they share, never sees the conversation nor its reply.
    expect(bob.get_by_role("group", name="Direct messages").get_by_role("link")).to_have_count(0)
    expect(bob.get_by_role("group", name="Direct messages")).to_contain_text("No direct messages yet")
    assert "beta" not in bob.content() and "draft the announcement" not in bob.content()
    bob.goto(ada.url)
    expect(bob.get_by_text("Channel not found")).to_be_visible()
    assert "beta" not in bob.content()

