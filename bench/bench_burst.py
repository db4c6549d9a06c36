"""A burst of posts through the API reaching an open page (docs/PERFORMANCE.md).

The production app (`--workers`, Postgres + Redis); one browser has the channel open
while 300 messages are posted through `POST /api/v1/channels/{slug}/messages` (4 at a
time). Reported, as the page itself saw them: socket messages and bytes it received,
when the last post showed on its screen after it was stored, and how long its main
thread was busy (long tasks). Targets: <= 150 socket messages, last shown <= 3 s after.
Run: `.venv/bin/python bench/bench_burst.py [--posts 300] [--workers 1]`."""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa
from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.services import api_keys
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import User
from testkit import browser as pages
from testkit.stack import local_stack

# Socket messages, when each burst row first shows, and main-thread long tasks, all
# stamped by the page (Playwright's own frame events reach Python late).
PAGE_SCRIPT = """(() => {
  window.__frames = [];
  window.__seen = {};
  window.__long = [];
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => window.__frames.push([Date.now(), typeof e.data === "string" ? e.data.length : 0]));
    }
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__long.push([performance.timeOrigin + entry.startTime, entry.duration]);
  }).observe({entryTypes: ["longtask"]});
  new MutationObserver(() => {
    for (const row of document.querySelectorAll("[data-message-id]")) {
      const match = row.innerText.match(/burst (\\d+)/);
      if (match && !(match[1] in window.__seen)) window.__seen[match[1]] = Date.now();
    }
  }).observe(document, {childList: true, subtree: true, characterData: true});
})()"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=300)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()

    with local_stack() as stack:
        hub = stack.start_hub(workers=args.workers, env={"NEUROCACHE_RATE_LIMIT": "100000/minute"})
        with sync_playwright() as pw:
            browser = pages.launch(pw)
            context = browser.new_context(base_url=hub.url)
            context.add_init_script(PAGE_SCRIPT)
            page = context.new_page()
            account = pages.sign_up(page)
            pages.create_channel(page, "burst")
            slug = page.url.rstrip("/").rsplit("/", 1)[1]
            with get_engine().connect() as conn:
                user_id = conn.execute(sa.select(User.id).where(User.email == account.email)).scalar_one()
            secret, _ = api_keys.create_key(user_id, "bench")
            url = f"{hub.url}/api/v1/channels/{slug}/messages"
            last = args.posts - 1
            with httpx.Client(headers={"Authorization": f"Bearer {secret}"}, timeout=30) as client:

                def post(number: int) -> None:
                    response = client.post(url, json={"content": f"burst {number}"})
                    response.raise_for_status()

                started = time.time() * 1000
                with ThreadPoolExecutor(4) as pool:
                    list(pool.map(post, range(last)))
                post(last)  # after all the others are stored
                posted = time.time() * 1000
            expect(page.get_by_role("log", name="Messages").get_by_text(f"burst {last}", exact=True)).to_be_visible(
                timeout=60_000
            )
            time.sleep(0.5)
            frames = [f for f in page.evaluate("window.__frames") if f[0] >= started]
            seen = page.evaluate("window.__seen")
            busy = sum(duration for at, duration in page.evaluate("window.__long") if at >= started)
            rows = page.locator("[data-message-id]").count()
            browser.close()

    print(f"burst of {args.posts} API posts (4 at a time) to an open page, {args.workers} worker(s), Postgres + Redis")
    print(f"  posting took {(posted - started) / 1000:.2f} s; the last post showed {(seen[str(last)] - posted) / 1000:.2f} s"
          f" after it was stored (target <= 3 s)")
    print(f"  the page received {len(frames)} socket messages (target <= 150), {sum(f[1] for f in frames) / 1024:.0f} KiB;"
          f" its main thread was busy {busy / 1000:.2f} s; it shows {rows} rows")


if __name__ == "__main__":
    main()
