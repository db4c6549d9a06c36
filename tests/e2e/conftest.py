"""Browser fixtures: one Chromium per session, isolated contexts per test.

Playwright's sync API marks its event loop as the thread's running loop between
calls, which breaks every later `asyncio.run()` and async test in the session, so
the mark is set only while a test uses a browser context."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Playwright,
    expect,
    sync_playwright,
)

from neurocache_ui.services import agents
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import User
from testkit import browser as pages
from testkit.factories import Account

expect.set_options(timeout=20_000)  # a production page hydrates and connects its websocket first


@contextmanager
def _loop_marked(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Mark Playwright's loop as running for the duration (its sync calls need it), then clear it."""
    asyncio._set_running_loop(loop)
    try:
        yield
    finally:
        asyncio._set_running_loop(None)


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


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """`new_context(base_url=hub.url)`: as many isolated browsers (cookies) as a test needs."""
    contexts: list[BrowserContext] = []

    def make(**kwargs: Any) -> BrowserContext:
        context = browser.new_context(**kwargs)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    with _loop_marked(browser._loop):
        yield make
        for context in contexts:
            context.close()


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
