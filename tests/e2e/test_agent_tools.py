"""Agents with tools, in real browsers, on a production-like hub whose model is the
fake provider (it is scripted to call tools), whose SearXNG is a fake one and whose
page server is a local one: the steps show live to another member of the channel,
and the finished reply lists its sources as links; the same in Try it."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Message
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.web_fakes import ARTICLE_TITLE, FakeSearxng, PageServer
from tests.e2e.test_agent_form import open_try_it
from tests.e2e.test_channel_agents import (
    add_agent,
    agents_in_header,
    reply_row,
    two_people,
)
from tests.e2e.test_channels import NewContext, SignUp, send

ANSWER = "Tidal pools near Roscoff hold more than forty species."


@pytest.fixture(scope="module")
def searxng() -> Iterator[FakeSearxng]:
    with FakeSearxng() as server:
        yield server


@pytest.fixture(scope="module")
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture(scope="module")
def tools_hub(start_provider_hub: Callable[..., HubServer], searxng: FakeSearxng, pages: PageServer) -> HubServer:
    """The local page server is on loopback, which fetch_url refuses unless allowed."""
    return start_provider_hub(
        NEUROCACHE_SEARXNG_URL=searxng.url, NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{pages.port}"
    )


def script_research(fake_provider: FakeOpenAIServer, pages: PageServer) -> None:
    """Search, then read the article, then answer; each model call waits a little
    so the steps can be watched."""
    fake_provider.configure(
        replies=[
            {"tool_calls": [{"name": "web_search", "arguments": {"query": "tidal pools brittany"}}]},
            {"tool_calls": [{"name": "fetch_url", "arguments": {"url": f"{pages.url}/article"}}]},
            ANSWER,
        ],
        first_token_delay=1.5,
    )


def sources_of(row: Locator) -> Locator:
    return row.get_by_role("group", name="Sources")


def check_sources(sources: Locator, pages: PageServer) -> None:
    article = sources.get_by_role("link", name=ARTICLE_TITLE)
    expect(article).to_have_attribute("href", f"{pages.url}/article")
    expect(article).to_have_attribute("target", "_blank")
    expect(article).to_have_attribute("rel", "noopener noreferrer nofollow")
    first_result = sources.get_by_role("link", name="Result 1 about tidal pools brittany")
    expect(first_result).to_have_attribute("href", "https://example.org/1")
    expect(sources.get_by_role("link")).to_have_count(6)  # the top 5 results and the page read


def test_a_search_in_a_channel_shows_its_steps_and_sources_to_everyone(
    new_context: NewContext, tools_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer,
    make_agent, searxng: FakeSearxng, pages: PageServer,
) -> None:
    ada, bob, owner, _, _ = two_people(new_context, tools_hub, sign_up)
    slug = f"scout{uuid.uuid4().hex[:4]}"
    scout = make_agent(owner, f"Scout {slug[-4:]}", slug=slug, tools=["web_search", "fetch_url"])
    add_agent(ada, scout.name)
    expect(agents_in_header(bob).get_by_text(scout.name)).to_be_visible()

    script_research(fake_provider, pages)
    send(ada, f"@{slug} what lives in the tidal pools of Brittany?")

    # Bob, who asked nothing, watches the agent work.
    row = reply_row(bob, scout.name)
    step = row.get_by_role("status")
    expect(step).to_contain_text("Searching the web for “tidal pools brittany”", timeout=10_000)
    expect(step).to_contain_text("Reading 127.0.0.1", timeout=10_000)
    expect(row).to_contain_text(ANSWER, timeout=15_000)
    expect(row.get_by_role("status")).to_have_count(0)  # the step line goes with the reply's end
    check_sources(sources_of(row), pages)
    check_sources(sources_of(reply_row(ada, scout.name)), pages)
    assert searxng.queries[-1] == "tidal pools brittany"
    assert any(seen.path == "/article" for seen in pages.requests)

    # Stored with the message (not pasted into its text): a fresh load shows them too.
    with get_engine().connect() as conn:
        content, sources = conn.execute(
            sa.select(Message.content, Message.sources).where(Message.agent_id == scout.id)
        ).one()
    assert content == ANSWER and {"title": ARTICLE_TITLE, "url": f"{pages.url}/article"} in sources
    bob.reload()
    check_sources(sources_of(reply_row(bob, scout.name)), pages)


def test_try_it_shows_the_steps_and_sources_too(
    new_context: NewContext, tools_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer,
    make_agent, pages: PageServer,
) -> None:
    page: Page = new_context(base_url=tools_hub.url).new_page()
    open_try_it(page, sign_up(page), make_agent, "Solo", tools=["web_search", "fetch_url"])

    script_research(fake_provider, pages)
    box = page.get_by_role("textbox", name="Message to the agent")
    box.fill("What lives in the tidal pools of Brittany?")
    box.press("Enter")
    conversation = page.get_by_role("log", name="Try it conversation")
    expect(conversation.get_by_role("status")).to_contain_text("Searching the web for", timeout=10_000)
    answer = conversation.locator("[data-turn-role='assistant']").last
    expect(answer).to_contain_text(ANSWER, timeout=15_000)
    check_sources(sources_of(answer), pages)
    # What the agent did stays under the finished answer.
    expect(answer.get_by_role("list", name="Steps").get_by_role("listitem")).to_have_text(
        ["Searching the web for “tidal pools brittany”", re.compile(r"^Reading 127\.0\.0\.1")]
    )


def test_try_it_keeps_a_failed_tool_step_in_the_finished_answer(
    new_context: NewContext, tools_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer,
    make_agent, searxng: FakeSearxng,
) -> None:
    page: Page = new_context(base_url=tools_hub.url).new_page()
    open_try_it(page, sign_up(page), make_agent, "Solo", tools=["web_search"])
    searxng.rate_limited = True
    try:
        fake_provider.configure(
            replies=[{"tool_calls": [{"name": "web_search", "arguments": {"query": "tide tables"}}]},
                     "The search failed, so this is from memory."],
            first_token_delay=0.5,
        )
        box = page.get_by_role("textbox", name="Message to the agent")
        box.fill("When is high tide?")
        box.press("Enter")
        conversation = page.get_by_role("log", name="Try it conversation")
        failure = "Web search failed: The search service is rate limited (HTTP 429); wait a little before searching again."
        expect(conversation.get_by_role("status")).to_contain_text(failure, timeout=10_000)  # live
        answer = conversation.locator("[data-turn-role='assistant']").last
        expect(answer).to_contain_text("from memory", timeout=15_000)
        steps = answer.get_by_role("list", name="Steps").get_by_role("listitem")
        expect(steps).to_have_text(["Searching the web for “tide tables”", failure])  # still there at the end
        expect(steps.last).to_have_attribute("data-failed", "true")
    finally:
        searxng.rate_limited = False
