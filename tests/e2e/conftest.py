"""End-to-end infrastructure: the real app in production mode, and a real browser.

`HubServer` runs `reflex run --env prod --single-port` exactly as `make run` does,
in its own process group so teardown also ends the Granian workers. Each server
gets a private copy of the frontend build directory (REFLEX_WEB_WORKDIR) and
state directory (REFLEX_STATES_WORKDIR): the build embeds the port, and Reflex
empties the states directory on start, so two servers (or a server and a
developer's `make run`) must never share either. Copying the project's `.web`
keeps its installed node_modules, so a start costs a compile and a Vite build
(~10 s), not an npm install.

Playwright's sync API marks its event loop as the thread's running loop between
calls, which breaks every later `asyncio.run()` and async test in the session.
The browser fixtures therefore set that mark only while a test uses a browser
context and clear it afterwards.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from neurocache_ui.settings import PROJECT_ROOT
from tests.conftest import RedisServer, free_port
from tests.fakes.openai_server import FakeOpenAIServer

VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 240.0
REFLEX_RUN = [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port"]
# The configuration contract plus Reflex's own switches: never inherited from the
# developer's shell, so a server runs with exactly what the test gives it.
_CONTROLLED_ENV = re.compile(r"^(DATABASE_URL|REDIS_URL|PORT|OPENAI_.*|NEUROCACHE_.*|GRANIAN_.*|REFLEX_.*)$")

expect.set_options(timeout=20_000)  # a production page hydrates and connects its websocket first

_web_template: Path | None = None  # a started server's web dir, for fresh clones without `.web`


def _remember_web_template(web_dir: Path) -> None:
    global _web_template
    if _web_template is None and (web_dir / "node_modules").is_dir():
        _web_template = web_dir


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


class HubServer:
    """One running app: `start()` returns once GET / is 200 and /ping answers."""

    def __init__(
        self,
        workdir: Path,
        *,
        database_url: str,
        redis_url: str | None = None,
        workers: int | None = None,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] = REFLEX_RUN,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.log_path = workdir / "server.log"
        self.command = list(command)
        self.env = {key: value for key, value in os.environ.items() if not _CONTROLLED_ENV.match(key)}
        self.env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            PORT=str(self.port),
            DATABASE_URL=database_url,
            REFLEX_USE_NPM="1",
            REFLEX_TELEMETRY_ENABLED="false",
            REFLEX_WEB_WORKDIR=str(workdir / "web"),
            REFLEX_STATES_WORKDIR=str(workdir / "states"),
        )
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        if workers:
            self.env["GRANIAN_WORKERS"] = str(workers)
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _prepare_web_dir(self) -> None:
        """Start from a build directory whose node_modules are installed, if there is one.

        On a fresh clone (no `.web` yet) the first server installs its own and later
        servers copy that. A copy is not checked: files a concurrent build removes
        may vanish mid-copy, and Reflex regenerates everything but node_modules."""
        target = self.workdir / "web"
        project_web = PROJECT_ROOT / ".web"
        source = project_web if (project_web / "node_modules").is_dir() else _web_template
        if source is not None and not target.exists():
            with self.log_path.open("ab") as log:
                subprocess.run(["cp", "-a", str(source), str(target)], stdout=log, stderr=log, check=False)

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._prepare_web_dir()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(self.url + "/").status_code == 200 and client.get(self.url + "/ping").status_code == 200:
                        _remember_web_template(self.workdir / "web")
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"server did not answer on {self.url} within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """End the whole process group: `reflex run` plus every worker it forked."""
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the leader's pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and _group_alive(group):
                self.process.poll()  # reap the leader, else its zombie keeps the group alive
                time.sleep(0.1)
        self.process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


_running: list[HubServer] = []  # for the failure report


@pytest.fixture(scope="session")
def start_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., HubServer]]:
    """Start extra servers (own database, settings or command); all stopped at session end.

    Use it from module- or session-scoped fixtures: a start takes ~10 s."""
    servers: list[HubServer] = []

    def start(**kwargs: Any) -> HubServer:
        server = HubServer(tmp_path_factory.mktemp("hub"), **kwargs)
        servers.append(server)
        _running.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
        _running.remove(server)


PER_IP_LIMITS = {
    "NEUROCACHE_SIGNUP_RATE_LIMIT": "10000/hour",
    "NEUROCACHE_LOGIN_FAILURES_PER_IP": "10000/15 minutes",
    "NEUROCACHE_INVALID_KEY_RATE_LIMIT": "10000/minute",
}
"""Every client comes from 127.0.0.1, so the shared hubs raise the per-IP limits (sign-ups,
failed log-ins, invalid API keys); the per-account log-in lock keeps its default.
tests/api/test_throttles.py and tests/e2e/test_login_lockout.py check them."""
ALLOWED_ORIGIN = "http://allowed.example"
"""The one foreign origin `agent_hub` allows (CORS and the websocket)."""


@pytest.fixture(scope="session")
def start_provider_hub(
    start_hub: Callable[..., HubServer], postgres_url: str, redis_server: RedisServer, fake_provider_server: FakeOpenAIServer
) -> Callable[..., HubServer]:
    """`start_provider_hub(**env)`: a production-like hub (Postgres, Redis, two workers,
    the raised per-IP limits) whose model provider is the fake OpenAI-compatible server."""

    def start(**env: str) -> HubServer:
        provider = {"OPENAI_BASE_URL": fake_provider_server.base_url, "OPENAI_API_KEY": "test"}
        return start_hub(
            database_url=postgres_url, redis_url=redis_server.url, workers=2, env={**PER_IP_LIMITS, **provider, **env}
        )

    return start


@pytest.fixture(scope="session")
def agent_hub(start_provider_hub: Callable[..., HubServer]) -> HubServer:
    """The production-like hub with the fake provider and one allowed cross-origin caller."""
    return start_provider_hub(NEUROCACHE_CORS_ORIGINS=ALLOWED_ORIGIN)


@pytest.fixture(scope="session")
def hub(agent_hub: HubServer) -> HubServer:
    """The production-like setup: Postgres, Redis as state manager, two Granian workers.
    One server with `agent_hub` (a start costs ~20 s); tests that need "no model
    provider" run `make run` as it comes (test_default_run.py)."""
    return agent_hub


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing end-to-end test shows what the servers logged."""
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server in _running:
            report.sections.append((f"server {server.url} log (tail)", server.log_tail()))


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
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
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


@dataclass(frozen=True)
class Account:
    name: str
    email: str
    password: str


def new_account(name: str = "Ada") -> Account:
    """Unique per call, so e2e tests share one database and still run in any order."""
    tag = uuid.uuid4().hex[:8]
    return Account(name=f"{name} {tag}", email=f"{name.lower()}-{tag}@example.com", password=f"engine-{tag}-1843")


@pytest.fixture
def sign_up() -> Callable[..., Account]:
    """`sign_up(page)`: a new account through the real form; returns once the hub shows."""

    def run(page: Page, account: Account | None = None) -> Account:
        account = account or new_account()
        page.goto("/signup")
        page.get_by_label("Name").fill(account.name)
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password").fill(account.password)
        page.get_by_role("button", name="Sign up").click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        return account

    return run
