"""Two Hub hosts on one Postgres and one Redis, as docs/DEPLOY.md runs several: host A
is the shared `agent_hub`, host B a second server; each is its own process tree (port,
build, two workers). Ada's browser talks only to A, Bob's only to B, so everything one
sees of the other crossed hosts through the database and the Redis bus.

The last test kills host B; pytest runs a module's tests in file order."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from neurocache_ui.services import agents
from neurocache_ui.services.agent_runs.delivery import INTERRUPTED
from testkit.browser import channel_link, create_channel
from testkit.factories import Account
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channel_agents import (
    WORDS,
    add_agent,
    agents_in_header,
    reply_row,
    two_people,
)
from tests.e2e.test_channels import NewContext, SignUp, log, send

ORPHAN_DEADLINE_MS = 30_000
"""Issue 11: another host ends a dead host's reply within 30 s of its death."""


@pytest.fixture(scope="module")
def host_b(start_provider_hub: Callable[..., HubServer]) -> HubServer:
    """The second host: same Postgres, Redis and model provider as `agent_hub`."""
    return start_provider_hub()


def test_each_host_talks_to_its_own_backend(new_context: NewContext, agent_hub: HubServer, host_b: HubServer) -> None:
    """A hub started after another serves that one's frontend build re-addressed to its own
    port (testkit/build_cache.py); a page that spoke to the other host would still pass
    the tests below, so each page's event socket is checked here."""
    for hub in (agent_hub, host_b):
        page = new_context(base_url=hub.url).new_page()
        with page.expect_websocket(lambda socket: "/_event" in socket.url) as opened:
            page.goto("/")
        assert urlsplit(opened.value.url).port == hub.port


def send_and_clear(page: Page, text: str) -> None:
    """Send, and wait only until the box is empty again (the message is stored)."""
    send(page, text)
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")


def test_messages_cross_hosts_in_order(new_context: NewContext, agent_hub: HubServer, host_b: HubServer, sign_up: SignUp) -> None:
    ada, bob, _, _, _ = two_people(new_context, agent_hub, sign_up, bob_hub=host_b)
    burst = [f"burst {i:02d} from host A" for i in range(10)]
    for text in burst:
        send_and_clear(ada, text)
    rows = log(bob).locator("[data-message-id]")
    expect(rows).to_have_count(len(burst))
    expect(rows).to_contain_text(burst)  # every one, once, in the order sent

    send(bob, "all ten arrived on host B")
    rows = log(ada).locator("[data-message-id]")
    expect(rows).to_have_count(len(burst) + 1)
    expect(rows.last).to_contain_text("all ten arrived on host B")


def test_presence_and_typing_cross_hosts(
    new_context: NewContext, agent_hub: HubServer, host_b: HubServer, sign_up: SignUp
) -> None:
    ada, bob, ada_account, bob_account, _ = two_people(new_context, agent_hub, sign_up, bob_hub=host_b)
    for page in (ada, bob):  # each host's page counts the other's viewer
        badge = page.get_by_text("2 online", exact=True)
        expect(badge).to_be_visible()
        badge.hover()
        names = page.get_by_role("tooltip")
        expect(names).to_contain_text(ada_account.name)
        expect(names).to_contain_text(bob_account.name)

    bob.get_by_role("textbox", name="Message").press_sequentially("typing on B")
    expect(ada.get_by_text(f"{bob_account.name} is typing…")).to_be_visible()


def test_unread_counts_cross_hosts(new_context: NewContext, agent_hub: HubServer, host_b: HubServer, sign_up: SignUp) -> None:
    ada, bob, _, _, name = two_people(new_context, agent_hub, sign_up, bob_hub=host_b)
    create_channel(bob, f"side {uuid.uuid4().hex[:6]}")  # Bob now looks at another channel on host B
    link = channel_link(bob, name)
    for count in range(1, 4):
        send_and_clear(ada, f"news {count} while you were away")
        expect(link).to_have_accessible_name(f"{name} {count} unread")
    link.click()
    expect(log(bob).locator("[data-message-id]")).to_have_count(3)
    expect(link.get_by_title("unread messages")).to_have_count(0)


def slow_agent_asked_by(
    asker: Page, ada: Page, bob: Page, owner: Account, fake_provider: FakeOpenAIServer, make_agent
) -> agents.AgentPublic:
    """Ada adds a new agent to the channel and `asker` @mentions it; its reply (12 s
    unless stopped) runs on a worker of the host that took `asker`'s send."""
    slug = f"slow{uuid.uuid4().hex[:4]}"
    agent = make_agent(owner, f"Slow {slug[-4:]}", slug=slug)
    add_agent(ada, agent.name)
    expect(agents_in_header(bob).get_by_text(agent.name)).to_be_visible()
    fake_provider.configure(reply=" ".join(WORDS), token_delay=0.3)
    send(asker, f"@{slug} take your time")
    return agent


def test_stop_from_the_other_host(
    new_context: NewContext, agent_hub: HubServer, host_b: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    ada, bob, ada_account, bob_account, _ = two_people(new_context, agent_hub, sign_up, bob_hub=host_b)
    agent = slow_agent_asked_by(ada, ada, bob, ada_account, fake_provider, make_agent)  # runs on host A
    row = reply_row(bob, agent.name)
    expect(row).to_contain_text("alpha02", timeout=10_000)
    row.get_by_role("button", name="Stop").click()  # on host B

    for page in (ada, bob):
        final = reply_row(page, agent.name)
        expect(final).to_contain_text(f"Stopped by {bob_account.name}", timeout=10_000)
        expect(final.get_by_text("incomplete")).to_be_visible()
        expect(final.get_by_role("button", name="Stop")).to_have_count(0)
        expect(page.get_by_text(f"{agent.name} is replying…")).to_have_count(0)
        text = final.inner_text()
        assert "alpha02" in text and "alpha39" not in text


def test_a_dead_hosts_reply_is_ended_by_the_other_host(
    new_context: NewContext, agent_hub: HubServer, host_b: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    """Kills host B: keep this the module's last test."""
    ada, bob, ada_account, _, _ = two_people(new_context, agent_hub, sign_up, bob_hub=host_b)
    agent = slow_agent_asked_by(bob, ada, bob, ada_account, fake_provider, make_agent)  # runs on host B
    row = reply_row(ada, agent.name)
    expect(row).to_contain_text("alpha04", timeout=10_000)
    expect(row.get_by_role("button", name="Stop")).to_be_visible()

    assert host_b.process is not None
    seen = [word for word in WORDS if word in row.inner_text()]
    os.killpg(host_b.process.pid, signal.SIGKILL)  # the whole host: `reflex run` and its workers

    expect(row).to_contain_text(INTERRUPTED, timeout=ORPHAN_DEADLINE_MS)  # counted from the kill
    expect(row.get_by_role("button", name="Stop")).to_have_count(0)
    expect(row.get_by_text("incomplete")).to_be_visible()
    expect(ada.get_by_text(f"{agent.name} is replying…")).to_have_count(0)
    text = row.inner_text()
    assert all(word in text for word in seen), f"partial text lost: saw {seen}, kept {text!r}"
    assert "alpha39" not in text

    ada.reload()  # what was stored, not only what was streamed
    stored = reply_row(ada, agent.name)
    expect(stored).to_contain_text(INTERRUPTED)
    expect(stored).to_contain_text(seen[-1])
    expect(stored.get_by_role("button", name="Stop")).to_have_count(0)
