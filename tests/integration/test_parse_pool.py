"""Parsing that cannot take the server down (issue 19): pages, PDFs and images are
parsed in the confined parse processes (infra/parse_pool.py), never in a thread of
the server, so eight pages that take ~20 s of CPU each leave the attachment route
answering at once (before: 61 s), and a parse ends with the tool that wanted it
(before: it ran on in its thread long after the tool's timeout)."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import Iterator

import httpx
import psutil
import pytest
from PIL import Image

from neurocache_ui.api.app import create_app
from neurocache_ui.infra import parse_pool
from neurocache_ui.services import attachments, auth, channels, messaging
from neurocache_ui.services.tools.fetch_url import TOOL as FETCH
from testkit.web_fakes import HostilePages
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def pages() -> Iterator[HostilePages]:
    with HostilePages() as server:
        yield server


@pytest.fixture
def stores(request: pytest.FixtureRequest, use_settings, pages: HostilePages) -> Stores:
    return setup_stores(
        request, use_settings, "postgres+redis", NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{pages.port}",
        NEUROCACHE_TOOL_TIMEOUT_SECONDS="20",
    )  # fmt: skip


def cpu_seconds() -> float:
    """CPU time of this process and its children (the parse processes among them)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.NoSuchProcess:
            pass
    return total


async def test_a_parse_ends_when_its_tool_gives_up(stores: Stores, pages: HostilePages) -> None:
    """The tool is cancelled after 1.5 s (as the reply loop does at its timeout); the
    page's parse process is killed then, so nothing burns CPU for it afterwards."""
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(FETCH.run({"url": f"{pages.url}/heavy"}), 1.5)
    await asyncio.sleep(0.3)
    before = cpu_seconds()
    await asyncio.sleep(3)
    assert cpu_seconds() - before < 0.6, "a parse went on after its tool's timeout"


async def test_the_attachment_route_answers_while_eight_heavy_pages_are_parsed(stores: Stores, pages: HostilePages) -> None:
    ada = auth.create_user(name="Ada", email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")
    channel = channels.create_channel(ada.id, name=f"pics {uuid.uuid4().hex[:6]}")
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(picture, "PNG")
    image = await attachments.add_image(channel.id, ada.id, "cat.png", picture.getvalue())
    messaging.post_message(channel.id, user_id=ada.id, content="look", attachment_ids=[image.id])
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://hub.test")
    client.cookies.set(auth.SESSION_COOKIE, auth.start_session(ada.id))

    async def worst_of(times: int) -> float:
        worst = 0.0
        for _ in range(times):
            started = time.monotonic()
            answer = await client.get(f"/attachments/{image.id}")
            worst = max(worst, time.monotonic() - started)
            assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
            await asyncio.sleep(0.1)
        return worst

    idle = await worst_of(10)  # how late this machine answers anyway (the full suite loads it)
    parses = [asyncio.create_task(FETCH.run({"url": f"{pages.url}/heavy?n={n}"})) for n in range(8)]
    await asyncio.sleep(0.5)  # every parse process is busy now
    try:
        worst = await worst_of(30)
        assert not any(parse.done() for parse in parses)  # still parsing all along
    finally:
        await client.aclose()
        for parse in parses:
            parse.cancel()
        await asyncio.gather(*parses, return_exceptions=True)
    # Before the parse processes it took 40 s; on top of the idle worst, half a second at most.
    assert worst < 0.5 + idle, f"the attachment route took {worst:.2f} s (idle: {idle:.2f} s)"


async def test_a_busy_pool_refuses_at_once_rather_than_queue_without_end() -> None:
    limits = parse_pool.Limits(timeout_seconds=0.5, cpu_seconds=1, memory_bytes=64 * 1024 * 1024)
    pool = parse_pool.ParsePool(1)
    waiting = []
    try:
        with pytest.raises(parse_pool.ParseFailed, match="busy"):
            for _ in range(parse_pool.QUEUE_LIMIT + 2):  # one of them may be running already
                waiting.append(pool.submit("html", {"url": "x"}, [b"<p>x"], limits))
        assert len(waiting) >= parse_pool.QUEUE_LIMIT
    finally:
        for job in waiting:
            job.abandon()
        pool.close()
