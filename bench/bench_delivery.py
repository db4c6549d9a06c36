"""Delivery latency and bytes per new message, browser to browser.

Runs the production build with 2 Granian workers on Postgres + Redis (exactly the
e2e `hub` setup), signs up two people in two Chromium contexts, and has one send
messages while the other watches. Latency = from the sender pressing Enter to the
row appearing in the watcher's DOM (one machine, one clock). Bytes = websocket
payload the watcher receives per new message, measured on a short channel and
again after 2,000 more messages of history, side by side: the ratio must stay ~1.

    .venv/bin/python bench/bench_delivery.py [--messages 50]
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import PG_ADMIN_URL, RedisServer, migrate  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, HubServer  # noqa: E402

WATCH_SCRIPT = """() => {
  window.__seen = {};
  const log = document.querySelector('[role=log]');
  new MutationObserver(() => {
    for (const row of log.querySelectorAll('[data-message-id]')) {
      const text = row.innerText;
      const match = text.match(/bench-(\\d+)-(\\d+)/);
      if (match && !(match[0] in window.__seen)) window.__seen[match[0]] = Date.now();
    }
  }).observe(log, {childList: true, subtree: true, characterData: true});
}"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sign_up(page: Page, name: str) -> str:
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("bench-password-1843")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    return email


SENT: dict[str, float] = {}
SEEN: dict[str, float] = {}


def run_phase(sender: Page, watcher: Page, frames: list[int], phase: int, count: int) -> tuple[list[float], list[int]]:
    watcher.evaluate(WATCH_SCRIPT)
    box = sender.get_by_role("textbox", name="Message")
    latencies: list[float] = []
    sizes: list[int] = []
    for i in range(count):
        tag = f"bench-{phase}-{i}"
        box.fill(f"{tag} the quick brown fox jumps over the lazy dog")
        frames.clear()
        sent = time.time() * 1000
        box.press("Enter")
        watcher.wait_for_function(f"() => '{tag}' in window.__seen", timeout=10_000)
        seen = watcher.evaluate(f"window.__seen['{tag}']")
        SENT[tag], SEEN[tag] = sent, seen
        latencies.append(seen - sent)
        time.sleep(0.15)  # let trailing frames (typing, read markers) land in this message's count
        sizes.append(sum(frames))
    return latencies, sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    name = f"nc_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    work = Path(tempfile.mkdtemp(prefix="nc-bench-"))
    redis = RedisServer(work)
    server = HubServer(work / "hub", database_url=url, redis_url=redis.url, workers=args.workers)
    try:
        migrate(url)
        redis.start()
        server.start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            sender = browser.new_context(base_url=server.url).new_page()
            watcher = browser.new_context(base_url=server.url).new_page()
            frames: list[int] = []
            watcher.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
            sign_up(sender, "Sender")
            watcher_email = sign_up(watcher, "Watcher")
            sender.get_by_role("button", name="New channel").click()
            sender.get_by_label("Name").fill("bench")
            sender.get_by_role("button", name="Create").click()
            expect(sender.get_by_role("heading", name="# bench")).to_be_visible()
            channel_url = sender.url
            sender.get_by_role("button", name="Invite").click()
            sender.get_by_role("dialog").get_by_label("Email").fill(watcher_email)
            sender.get_by_role("dialog").get_by_role("button", name="Invite").click()
            watcher.goto(channel_url)
            expect(watcher.get_by_role("log", name="Messages")).to_be_visible()
            time.sleep(1)

            short_lat, short_bytes = run_phase(sender, watcher, frames, 1, args.messages)
            print("short history measured; adding history", flush=True)

            os.environ.update(DATABASE_URL=url, REDIS_URL=redis.url)
            from neurocache_ui.services import channels, messaging

            channel = channels.get_channel(channel_url.rstrip("/").rsplit("/", 1)[1], 1)
            for page in (sender, watcher):  # history arrives while nobody has the channel open
                page.goto("/channels")
            for i in range(args.history):
                messaging.post_message(channel.id, user_id=1, content=f"history {i}")
            for page in (sender, watcher):
                page.goto(channel_url)
                expect(page.get_by_role("log", name="Messages").get_by_text(f"history {args.history - 1}")).to_be_visible()
            time.sleep(1)
            long_lat, long_bytes = run_phase(sender, watcher, frames, 2, args.messages)
            browser.close()
        with sa.create_engine(url).connect() as conn:
            stored = conn.execute(sa.text("SELECT content, created_at FROM message WHERE content LIKE 'bench-%'")).all()
        to_server = [row.created_at.timestamp() * 1000 - SENT[row.content.split()[0]] for row in stored]
        to_watcher = [SEEN[row.content.split()[0]] - row.created_at.timestamp() * 1000 for row in stored]
    finally:
        server.stop()
        redis.stop()
        from neurocache_ui.store.db import engine_for

        engine_for(url).dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    latencies = short_lat + long_lat
    print(f"delivery over {len(latencies)} messages, {args.workers} workers on Redis, sender -> watcher browser")
    print(f"  latency p50 {percentile(latencies, 0.5):6.1f} ms   p95 {percentile(latencies, 0.95):6.1f} ms"
          f"   max {max(latencies):6.1f} ms   (targets: p50 <= 100, p95 <= 250)")
    print(f"  of which Enter -> stored: p50 {percentile(to_server, 0.5):6.1f} ms, stored -> on the watcher's screen:"
          f" p50 {percentile(to_watcher, 0.5):6.1f} ms")
    short_med, long_med = statistics.median(short_bytes), statistics.median(long_bytes)
    print(f"  bytes to the watcher per new message, median: {short_med:.0f} B with ~{args.messages} messages shown,"
          f" {long_med:.0f} B after {args.history} more messages of history")
    print(f"  ratio long/short history: {long_med / short_med:.2f}x (must not grow with the channel's length)")


if __name__ == "__main__":
    main()
