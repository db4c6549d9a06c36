"""Issue 19's acceptance, on the production app (one worker, Postgres, Redis) attacked
through its API by a signed-in account with servers of its own: pages that inflate
(`gzip, gzip`, gzip inside brotli), 60 tool calls in one model answer, an MCP server
whose tool list inflates to 600 MB or lists 200 tools with a 1.5 MB description, and
eight pages that take ~20 s of CPU each to parse. Meanwhile the worker's memory rises
less than 200 MB, `/ping` never takes 250 ms, and a channel image (`/attachments/<id>`)
answers within 500 ms. Before (issue 19): +2 GB and a 6.2 s stall for one double-gzip
page, +3 GB and 11.7 s for the MCP list, 61.7 s for the image."""

from __future__ import annotations

import asyncio
import io
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psutil
import pytest
from PIL import Image

from neurocache_ui.services import agents, api_keys, attachments, auth, channels, messaging
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from testkit.hostile_mcp import HostileMcpServer
from testkit.hub import HubServer
from testkit.mcp_server import McpTestServer
from testkit.probes import Latency, MemoryRise
from testkit.servers import RedisServer
from testkit.web_fakes import HostilePages

pytestmark = pytest.mark.timeout(600)

MB = 1024 * 1024
MEMORY_RISE = 200 * MB
PING = 0.25
IMAGE = 0.5
TOOL_SECONDS = 8
MIN_WATCH = 1.0
"""Seconds every attack is watched at least."""


Attackers = tuple[HostilePages, HostileMcpServer]


@pytest.fixture(scope="module")
def attackers() -> Iterator[Attackers]:
    with HostilePages() as pages, HostileMcpServer() as mcp:
        yield pages, mcp


@pytest.fixture(scope="module")
def control() -> Iterator[str]:
    """An idle server in a process of its own: how late the machine answers anyway."""
    with McpTestServer() as server:
        yield f"{server.url}/health"


@pytest.fixture(scope="module")
def target(start_provider_hub: Callable[..., HubServer], attackers: Attackers) -> HubServer:
    """One worker, so its memory is the one measured; the attackers' servers are
    reachable as intranet hosts (NEUROCACHE_FETCH_ALLOWED_HOSTS), everything else as configured."""
    pages, mcp = attackers
    return start_provider_hub(
        workers=1, NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{pages.port},{mcp.host_port}",
        NEUROCACHE_TOOL_TIMEOUT_SECONDS=str(TOOL_SECONDS), NEUROCACHE_RATE_LIMIT="10000/minute",
    )  # fmt: skip


def worker_pid(hub: HubServer) -> int:
    """The process that serves requests: with one worker, the hub's one process that
    has no child of its own other than parse processes."""
    assert hub.process is not None

    def parsing(process: psutil.Process) -> bool:
        return "parse_worker" in " ".join(process.cmdline())

    root = psutil.Process(hub.process.pid)
    serving = [p for p in [root, *root.children(recursive=True)] if not parsing(p)]
    [worker] = [p for p in serving if all(parsing(child) for child in p.children())]
    return worker.pid


@dataclass
class Attacker:
    """A signed-in account with an API key, a channel with an image in it, and agents."""

    user_id: int
    key: str
    image_url: str
    session: str
    base_url: str

    def agent(self, name: str, **settings: Any) -> str:
        return agents.create_agent(self.user_id, {"name": name, "model": "fake-model", **settings}).slug

    def ask(self, slug: str, text: str = "Go.") -> httpx.Response:
        with httpx.Client(base_url=self.base_url, timeout=120) as http:
            return http.post(
                "/api/v1/chat/completions", headers={"Authorization": f"Bearer {self.key}"},
                json={"model": f"agent:{slug}", "messages": [{"role": "user", "content": text}]},
            )  # fmt: skip


@pytest.fixture
def attacker(target: HubServer, use_settings, postgres_url: str, redis_server: RedisServer) -> Attacker:
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url)
    user = create_user("Mallory")
    secret, _key = api_keys.create_key(user.id, "attack")
    channel = channels.create_channel(user.id, name=f"Loot {uuid.uuid4().hex[:6]}")
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(picture, "PNG")
    image = asyncio.run(attachments.add_image(channel.id, user.id, "cat.png", picture.getvalue()))
    messaging.post_message(channel.id, user_id=user.id, content="look", attachment_ids=[image.id])
    return Attacker(user.id, secret, f"{target.url}/attachments/{image.id}", auth.start_session(user.id), target.url)


ATTEMPTS = 3
"""Runs of an attack a test may make to see the limits met. The machine the tests run on
is shared: when it is overloaded every process answers late now and then (the control
server below shows it), so a run may miss a limit through no fault of the hub; each limit
also counts on top of what the control server took at worst in that run. The code before
issue 19 missed them by 25 to 250 times, in every run."""


@dataclass
class Watch:
    """What one run of an attack measured: the worker's memory, `/ping`, the image, and
    an idle server of the test's own (the machine's noise)."""

    memory: MemoryRise
    ping: Latency
    image: Latency
    control: Latency

    def report(self) -> str:
        return (f"worker memory +{self.memory.rise / MB:.0f} MB, worst /ping {self.ping.worst * 1000:.0f} ms "
                f"of {self.ping.samples}, worst image {self.image.worst * 1000:.0f} ms of {self.image.samples}, "
                f"worst control {self.control.worst * 1000:.0f} ms")

    @property
    def noise(self) -> float:
        """What the idle control server took at worst meanwhile: the machine's own lateness,
        which the worker cannot beat either (the other test process may be busy)."""
        return self.control.worst

    @property
    def within(self) -> bool:
        return (self.memory.rise < MEMORY_RISE and self.ping.worst < PING + self.noise
                and self.image.worst < IMAGE + self.noise)


def measured(hub: HubServer, attacker: Attacker, control_url: str, attack: Callable[[], None]) -> Watch:
    """Run `attack` (it asserts what it must do) while watching, up to ATTEMPTS times,
    until a run stays within the limits; that run's Watch, or the last one."""
    for _attempt in range(ATTEMPTS):
        watch = Watch(
            MemoryRise(worker_pid(hub)),
            Latency(f"{hub.url}/ping"),
            Latency(attacker.image_url, interval=0.1, cookies={auth.SESSION_COOKIE: attacker.session}, content_type="image/png"),
            Latency(control_url),
        )
        with watch.control, watch.memory, watch.ping, watch.image:
            started = time.monotonic()
            attack()
            # A refusal can take a fraction of a second: keep watching long enough for
            # a few answers of each probe (the image one polls every 0.1 s).
            time.sleep(max(0.0, MIN_WATCH - (time.monotonic() - started)))
        print(watch.report())
        if watch.within:
            break
    assert watch.ping.samples >= 3 and watch.image.samples >= 3, watch.report()
    assert watch.memory.rise < MEMORY_RISE, watch.report()
    assert watch.ping.worst < PING + watch.noise, watch.report()
    assert watch.image.worst < IMAGE + watch.noise, watch.report()
    return watch


def fetch(url: str, call_id: str) -> dict[str, Any]:
    return {"id": call_id, "name": "fetch_url", "arguments": {"url": url}}


def test_inflating_pages_and_sixty_tool_calls(
    target: HubServer, attacker: Attacker, control: str, attackers: Attackers, fake_provider: FakeOpenAIServer
) -> None:
    pages, _mcp = attackers
    reader = attacker.agent("Reader", tools=["fetch_url"])
    urls = [f"{pages.url}/double-gzip?n={n}" for n in range(59)] + [f"{pages.url}/gzip-in-br"]

    def attack() -> None:
        pages.requests.clear()
        fake_provider.reset()
        fake_provider.configure(replies=[{"tool_calls": [fetch(url, f"c{n}") for n, url in enumerate(urls)]}, "Read them."])
        answer = attacker.ask(reader)
        assert answer.status_code == 200, answer.text
        assert answer.json()["choices"][0]["message"]["content"] == "Read them."
        assert len(pages.requests) == 4  # NEUROCACHE_TOOL_CALLS_PER_STEP, of the 60 asked for
        results = [m["content"] for m in fake_provider.last_body()["messages"] if m["role"] == "tool"]
        assert len(results) == 60 and sum("was not run" in r for r in results) == 56
        for result in results[:4]:  # each page read up to the 2 MB cap, then cut for the model
            cut = re.search(r"\[cut: (\d+) more characters\]$", result)
            assert result.startswith("double-gzip") and cut and 2 * MB - 8000 < int(cut.group(1)) < 2 * MB, result[-80:]

    measured(target, attacker, control, attack)


def test_an_mcp_server_that_inflates_or_floods_its_tool_list(
    target: HubServer, attacker: Attacker, control: str, attackers: Attackers, fake_provider: FakeOpenAIServer
) -> None:
    _pages, mcp = attackers
    offered: list[dict[str, Any]] = []

    def attack() -> None:
        tag = uuid.uuid4().hex[:8]  # a token of its own: a new entry in the discovery cache
        bombed = attacker.agent(f"Bombed {tag}", mcp_servers=[{"url": mcp.mcp_url, "token": f"bomb-{tag}"}])
        flooded = attacker.agent(f"Flooded {tag}", mcp_servers=[{"url": mcp.mcp_url, "token": f"flood-{tag}"}])
        fake_provider.reset()
        mcp.become("bomb")
        assert attacker.ask(bombed).status_code == 200
        assert "tools" not in fake_provider.last_body()  # the server was skipped, the reply went on
        mcp.become("huge")
        assert attacker.ask(flooded).status_code == 200
        offered[:] = fake_provider.last_body()["tools"]
        mcp.become("normal")

    measured(target, attacker, control, attack)
    assert len(offered) == 61 and len(json.dumps(offered)) < 20_000
    assert max(len(tool["function"]["description"]) for tool in offered) < 1100


def test_eight_pages_that_take_seconds_to_parse(
    target: HubServer, attacker: Attacker, control: str, attackers: Attackers, fake_provider: FakeOpenAIServer
) -> None:
    """Two replies at once, four heavy pages each: parses wait their turn in the pool,
    are killed at the tool's timeout, and the worker's own answers never wait."""
    pages, _mcp = attackers
    reader = attacker.agent("Heavy reader", tools=["fetch_url"])
    heavy = {"tool_calls": [fetch(f"{pages.url}/heavy?n={n}", f"h{n}") for n in range(4)]}

    def attack() -> None:
        fake_provider.reset()
        fake_provider.configure(replies=[heavy, heavy], reply="Too heavy.")
        answers: list[httpx.Response] = []
        askers = [threading.Thread(target=lambda: answers.append(attacker.ask(reader))) for _ in range(2)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join(120)
        assert [a.status_code for a in answers] == [200, 200]
        results = [m["content"] for m in fake_provider.last_body()["messages"] if m["role"] == "tool"]
        assert len(results) == 4 and all("too costly to read" in r or "did not finish within" in r for r in results), results

    measured(target, attacker, control, attack)
