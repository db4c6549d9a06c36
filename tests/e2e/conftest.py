"""Browser fixtures: one Chromium per session, isolated contexts per test.

Playwright's sync API marks its event loop as the thread's running loop between
calls, which breaks every later `asyncio.run()` and async test in the session, so
the mark is set only while a test uses a browser context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from neurocache_ui.services import agents
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import User
from testkit import browser as pages
from testkit.conversation import Conversation, seed_conversation
from testkit.factories import Account
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.servers import RedisServer

expect.set_options(timeout=20_000)  # a production page hydrates and connects its websocket first


@contextmanager
def _loop_marked(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Mark Playwright's loop as running for the duration (its sync calls need it), then
    put back what was marked before (nothing, outside a test that uses a browser)."""
    before = asyncio._get_running_loop()
    asyncio._set_running_loop(loop)
    try:
        yield
    finally:
        asyncio._set_running_loop(before)


RERUNS = 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser test that fails runs once more (pytest-rerunfailures; the summary counts
    reruns): on two cores the full suite's dozen hubs, browsers and Postgres leave a hub
    unresponsive for seconds now and then, and a second failure is still a failure."""
    for item in items:
        if "tests/e2e/" in item.nodeid or item.nodeid.startswith("e2e/"):
            item.add_marker(pytest.mark.flaky(reruns=RERUNS, reruns_delay=2))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    instance = sync_playwright().start()
    asyncio._set_running_loop(None)
    yield instance
    with _loop_marked(instance._loop):
        instance.stop()


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    with _loop_marked(playwright._loop):
        browser = pages.launch(playwright)
    yield browser
    with _loop_marked(playwright._loop):
        browser.close()


@contextmanager
def _contexts(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """A maker of isolated browsers (cookies) with the suite's timeout, all closed on the way out."""
    contexts: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        context = browser.new_context(**kwargs)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    try:
        yield make
    finally:
        with _loop_marked(browser._loop):
            for context in contexts:
                context.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """`new_context(base_url=hub.url)`: as many isolated browsers (cookies) as a test needs."""
    with _loop_marked(browser._loop), _contexts(browser) as make:
        yield make


@pytest.fixture(scope="session")
def browser_calls(browser: Browser) -> Callable[[], AbstractContextManager[None]]:
    """`with browser_calls():` around Playwright calls that no `new_context` or
    `browser_loop` covers (a module-scoped fixture setting up its browsers)."""
    return partial(_loop_marked, browser._loop)


@pytest.fixture(scope="module")
def module_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """`new_context` for browsers a whole module shares (e.g. one signed-in browser per
    screen size), called inside `browser_calls()`; the module's tests take `browser_loop`."""
    with _contexts(browser) as make:
        yield make


@pytest.fixture
def browser_loop(browser_calls: Callable[[], AbstractContextManager[None]]) -> Iterator[None]:
    """Playwright's loop marked for a test that drives `module_context` browsers."""
    with browser_calls():
        yield


@pytest.fixture
def conversation(use_settings, postgres_url: str, redis_server: RedisServer, fake_provider: FakeOpenAIServer) -> Conversation:
    """A realistic channel of its own for the test (testkit/conversation.py), seeded on the
    hub's database and Redis; the test's services stay pointed at them."""
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url, **fake_provider.env())
    return seed_conversation(fake_provider)


@pytest.fixture
def in_channel(new_context: Callable[..., BrowserContext], hub: HubServer, conversation: Conversation) -> tuple[Page, Page]:
    """Ada's and Bob's browsers on the `conversation`'s channel, its newest message shown."""
    opened = []
    for person in (conversation.owner, conversation.member):
        page = new_context(base_url=hub.url).new_page()
        pages.sign_in(page, person.id, conversation.url)
        expect(page.get_by_role("log", name="Messages").get_by_text(conversation.last.content)).to_be_visible()
        opened.append(page)
    return opened[0], opened[1]


@pytest.fixture
def sign_up() -> Callable[..., Account]:
    """`sign_up(page)`: a new account through the real form; returns once the hub shows."""
    return pages.sign_up


@pytest.fixture
def make_agent(use_settings, postgres_url: str) -> Callable[..., agents.AgentPublic]:
    """An agent owned by a signed-up account, made through core (the agent form has its own tests)."""
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)

    def make(owner: Account, name: str, **settings: object) -> agents.AgentPublic:
        with get_engine().connect() as conn:
            owner_id = conn.execute(sa.select(User.id).where(User.email == owner.email)).scalar_one()
        return agents.create_agent(owner_id, {"name": name, "model": "fake-model", **settings})

    return make
