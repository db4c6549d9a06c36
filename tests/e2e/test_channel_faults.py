"""Faults a real deployment meets, in real browsers: the Redis that holds Reflex's
page state (and the cache and bus) restarts and loses every key. Nobody reloads;
chat keeps working, nothing stored is lost and the people stay logged in."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect

from testkit.browser import create_channel, invite
from testkit.factories import Account
from testkit.hub import HubServer
from testkit.servers import RedisServer
from tests.e2e.test_channels import log, send

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A Redis only this module's server uses, so restarting it disturbs no other test."""
    server = RedisServer(Path(tmp_path_factory.mktemp("fault-redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fragile_hub(start_hub: Callable[..., HubServer], postgres_url: str, own_redis: RedisServer) -> HubServer:
    return start_hub(database_url=postgres_url, redis_url=own_redis.url, workers=2)


def test_chat_survives_a_redis_restart_that_loses_every_key(
    new_context: NewContext, fragile_hub: HubServer, own_redis: RedisServer, sign_up: SignUp
) -> None:
    ada = new_context(base_url=fragile_hub.url).new_page()
    bob = new_context(base_url=fragile_hub.url).new_page()
    sign_up(ada)
    bob_account = sign_up(bob)
    create_channel(ada, "incident")
    invite(ada, bob_account.email)
    bob.goto(ada.url)
    send(ada, "before the restart")
    expect(log(bob).get_by_text("before the restart")).to_be_visible()

    own_redis.stop()
    for page in (ada, bob):
        expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_be_visible()
    own_redis.start()  # empty: page state, cache windows and presence are gone
    for page in (ada, bob):
        expect(page.get_by_role("status").filter(has_text="Reconnecting")).to_have_count(0)

    send(ada, "after the restart")
    expect(log(ada).get_by_text("after the restart")).to_be_visible(timeout=30_000)
    expect(log(bob).get_by_text("after the restart")).to_be_visible(timeout=30_000)
    expect(log(bob).get_by_text("before the restart")).to_be_visible()
    send(bob, "bob still here")
    expect(log(ada).get_by_text("bob still here")).to_be_visible()
    for page in (ada, bob):
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    bob.reload()
    expect(log(bob).get_by_text("after the restart")).to_be_visible()
    expect(log(bob).locator("[data-message-id]")).to_have_count(3)
