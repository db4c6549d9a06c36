"""Delivery latency and bytes per new message, browser to browser (docs/PERFORMANCE.md).

The production app (2 workers each, Postgres + Redis), on one host or two (`--hosts 2`:
two servers, separate processes and ports, sharing the database and Redis; the sender
uses the first, the watcher the second). Latency is from Enter to the row in the
watcher's DOM, stamped by the pages themselves: from the keydown the sender's page
receives (the key press as the page sees it; Playwright's press takes ~9 ms of
DevTools round trip before that, reported too); websocket bytes per message on a short
channel and after 2,000 more messages of history (the ratio must stay ~1).
Run: `.venv/bin/python bench/bench_delivery.py [--messages 50] [--hosts 2]`."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import CDPSession, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.services import channels, messaging
from testkit import browser as pages
from testkit.stack import local_stack
from testkit.stats import percentile

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


# The sender's page stamps each Enter keydown (capture phase, before any handler).
KEY_SCRIPT = """document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') window.__enter = Date.now();
}, true);"""

SENT: dict[str, float] = {}
SEEN: dict[str, float] = {}
PRESSED: list[float] = []  # the bench's own press -> the page's keydown, ms
WATCHER_BUSY: list[float] = []  # the watcher page's main-thread time per message, ms (CDP TaskDuration)


def main_thread_ms(cdp: CDPSession) -> float:
    """The page's main-thread time so far (script, style, layout, paint): CPU work, so it
    varies less with a busy machine than the latency does."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return metrics["TaskDuration"] * 1000


def run_phase(sender: Page, watcher: Page, frames: list[int], phase: int, count: int) -> tuple[list[float], list[int]]:
    watcher.evaluate(WATCH_SCRIPT)
    cdp = watcher.context.new_cdp_session(watcher)
    cdp.send("Performance.enable")
    box = sender.get_by_role("textbox", name="Message")
    latencies: list[float] = []
    sizes: list[int] = []
    for i in range(count):
        tag = f"bench-{phase}-{i}"
        box.fill(f"{tag} the quick brown fox jumps over the lazy dog")
        frames.clear()
        busy_before = main_thread_ms(cdp)
        sent = time.time() * 1000
        box.press("Enter")
        watcher.wait_for_function(f"() => '{tag}' in window.__seen", timeout=10_000)
        seen = watcher.evaluate(f"window.__seen['{tag}']")
        keydown = sender.evaluate("window.__enter")
        PRESSED.append(keydown - sent)
        SENT[tag], SEEN[tag] = keydown, seen
        latencies.append(seen - keydown)
        time.sleep(0.15)  # let trailing frames (typing, read markers) land in this message's count
        sizes.append(sum(frames))
        WATCHER_BUSY.append(main_thread_ms(cdp) - busy_before)
    return latencies, sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50)
    parser.add_argument("--history", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hosts", type=int, choices=(1, 2), default=1)
    args = parser.parse_args()

    with local_stack() as stack:
        hosts = [stack.start_hub(workers=args.workers) for _ in range(args.hosts)]
        with sync_playwright() as pw:
            browser = pages.launch(pw)
            sender_context = browser.new_context(base_url=hosts[0].url)
            sender_context.add_init_script(KEY_SCRIPT)
            sender = sender_context.new_page()
            watcher = browser.new_context(base_url=hosts[-1].url).new_page()
            frames: list[int] = []
            watcher.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(len(payload))))
            pages.sign_up(sender)
            watcher_account = pages.sign_up(watcher)
            pages.create_channel(sender, "bench")
            channel_path = "/" + sender.url.split("/", 3)[3]
            pages.invite(sender, watcher_account.email)
            watcher.goto(channel_path)
            expect(watcher.get_by_role("log", name="Messages")).to_be_visible()
            time.sleep(1)

            short_lat, short_bytes = run_phase(sender, watcher, frames, 1, args.messages)
            print("short history measured; adding history", flush=True)

            channel = channels.get_channel(channel_path.rstrip("/").rsplit("/", 1)[1], 1)
            for page in (sender, watcher):  # history arrives while nobody has the channel open
                page.goto("/channels")
            for i in range(args.history):
                messaging.post_message(channel.id, user_id=1, content=f"history {i}")
            for page in (sender, watcher):
                page.goto(channel_path)
                expect(page.get_by_role("log", name="Messages").get_by_text(f"history {args.history - 1}")).to_be_visible()
            time.sleep(1)
            long_lat, long_bytes = run_phase(sender, watcher, frames, 2, args.messages)
            browser.close()
        with sa.create_engine(stack.database_url).connect() as conn:
            stored = conn.execute(sa.text("SELECT content, created_at FROM message WHERE content LIKE 'bench-%'")).all()
        to_server = [row.created_at.timestamp() * 1000 - SENT[row.content.split()[0]] for row in stored]
        to_watcher = [SEEN[row.content.split()[0]] - row.created_at.timestamp() * 1000 for row in stored]

    latencies = short_lat + long_lat
    where = "one host" if args.hosts == 1 else "two hosts (sender on one, watcher on the other)"
    print(f"delivery over {len(latencies)} messages, {args.workers} workers each on {where}, Redis, sender -> watcher browser")
    print(f"  latency (sender's keydown -> watcher's DOM) p50 {percentile(latencies, 50):6.1f} ms"
          f"   p95 {percentile(latencies, 95):6.1f} ms   max {max(latencies):6.1f} ms   (targets: p50 <= 30, p95 <= 60)")
    with_press = [latency + pressed for latency, pressed in zip(latencies, PRESSED)]
    print(f"  from the bench's key press instead (adds the DevTools round trip, p50 {percentile(PRESSED, 50):.1f} ms):"
          f" p50 {percentile(with_press, 50):6.1f} ms   p95 {percentile(with_press, 95):6.1f} ms")
    print(f"  of which keydown -> stored: p50 {percentile(to_server, 50):6.1f} ms, stored -> on the watcher's screen:"
          f" p50 {percentile(to_watcher, 50):6.1f} ms")
    print(f"  the watcher page's main thread per message (script, style, layout, paint): p50 {percentile(WATCHER_BUSY, 50):.1f} ms,"
          f" p95 {percentile(WATCHER_BUSY, 95):.1f} ms")
    short_med, long_med = statistics.median(short_bytes), statistics.median(long_bytes)
    print(f"  bytes to the watcher per new message, median: {short_med:.0f} B with ~{args.messages} messages shown,"
          f" {long_med:.0f} B after {args.history} more messages of history")
    print(f"  ratio long/short history: {long_med / short_med:.2f}x (must not grow with the channel's length)")


if __name__ == "__main__":
    main()
