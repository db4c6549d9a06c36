"""`make run` with nothing configured (SQLite, no Redis, no model provider) serves
the landing page and lets a person sign up. Its server has its own build directory,
so it runs alongside the `hub` server without disturbing it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import psutil
import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext, expect

from testkit.factories import Account
from testkit.hub import HubServer


@pytest.fixture(scope="module")
def default_hub(start_hub: Callable[..., HubServer], tmp_path_factory: pytest.TempPathFactory) -> Iterator[HubServer]:
    """`make run` itself: it migrates the empty SQLite file, then serves on PORT."""
    database = tmp_path_factory.mktemp("default-run") / "neurocache.db"
    server = start_hub(database_url=f"sqlite:///{database}", command=["make", "--no-print-directory", "run"])
    yield server
    server.stop()  # not needed by any other module


def listening_addresses(server: HubServer) -> set[str]:
    """The addresses the server's processes accept connections on, at its port."""
    assert server.process is not None
    root = psutil.Process(server.process.pid)
    found = set()
    for process in [root, *root.children(recursive=True)]:
        for connection in process.net_connections(kind="tcp"):
            if connection.status == psutil.CONN_LISTEN and connection.laddr.port == server.port:
                found.add(connection.laddr.ip)
    return found


def test_make_run_defaults_serve_landing_and_sign_up(
    default_hub: HubServer, new_context: Callable[..., BrowserContext], sign_up: Callable[..., Account]
) -> None:
    assert "REDIS_URL" not in default_hub.env and "OPENAI_API_KEY" not in default_hub.env
    assert "HOST" not in default_hub.env
    assert listening_addresses(default_hub) == {"127.0.0.1"}  # not every interface (before: 0.0.0.0)
    page = new_context(base_url=default_hub.url).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", name="Create agents trained your way.")).to_be_visible()
    page.get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/signup/?$"))
    account = sign_up(page)
    expect(page.get_by_text(account.name, exact=True)).to_be_visible()
    engine = sa.create_engine(default_hub.env["DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT name FROM user_account WHERE email = :e"), {"e": account.email}).scalar_one()
    engine.dispose()
    assert stored == account.name, "the account must be in the SQLite file the server was given"
