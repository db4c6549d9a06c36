"""An evaluation run's speed and what it costs the hub (docs/PERFORMANCE.md, issue 21).

200 cases against the fake provider answering each after 1 s (first_token_delay), on
Postgres + Redis, run in this process's event loop exactly as a hub worker runs it
(services/evals/runs.start). Measured: the run's wall time (target <= 30 s, from
NEUROCACHE_EVAL_CONCURRENCY cases at once), the event loop's worst stall while it runs
(a 10 ms ticker's lateness; target <= 50 ms), and channel delivery in the same loop
side by side, without and with the run: post a message (services/messaging, a thread
as the hub does) -> its `message.created` event back from the Redis bus, p50/p95.

    .venv/bin/python bench/bench_evals.py [--cases 200] [--delay 1.0] [--posts 100]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.infra import bus
from neurocache_ui.services import agents, channels, messaging, runtime
from neurocache_ui.services.evals import runs, sets
from neurocache_ui.settings import get_settings
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from testkit.stack import local_stack
from testkit.stats import Ticker, percentile

TARGET_SECONDS, STALL_TARGET_MS = 30.0, 50.0


async def delivery(channel_id: int, user_id: int, posts: int) -> list[float]:
    """Milliseconds from post to the bus handing its event back, per message."""
    seen: dict[str, float] = {}
    ready = asyncio.Event()

    async def listen() -> None:
        async for got_channel, event in bus.listen(ready=ready):
            content = getattr(getattr(event, "message", None), "content", "")
            if got_channel == channel_id and content.startswith("bench-"):
                seen[content] = time.perf_counter()

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 10)
    sent: dict[str, float] = {}
    for number in range(posts):
        text = f"bench-{time.time_ns()}-{number}"
        sent[text] = time.perf_counter()
        await asyncio.to_thread(messaging.post_message, channel_id, user_id=user_id, content=text)
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    listener.cancel()
    return [(seen[text] - start) * 1000 for text, start in sent.items() if text in seen]


def line(name: str, values: list[float]) -> str:
    return f"{name}: p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms ({len(values)} delivered)"


async def bench(cases: int, posts: int) -> None:
    user = create_user("Bench")
    agent = agents.create_agent(user.id, {"name": "Bench", "model": "fake-model"})
    channel = channels.create_channel(user.id, name=f"bench {time.time_ns()}")
    made = sets.create_set(user.id, agent.id, "Bench", [{"input": f"Case {n}", "checks": [{"type": "contains", "value": "Case"}]}
                                                         for n in range(cases)])
    # Warm up what a worker does once in its life: connection pools, the model client (its
    # first call costs ~100 ms of CPU in the loop), imports.
    await delivery(channel.id, user.id, 5)
    warm = sets.create_set(user.id, agent.id, "Warm-up", [{"input": "Warm up"}])
    first = await runs.start(user.id, agent.id, warm.id)
    while (await asyncio.to_thread(runs.get_run, user.id, agent.id, warm.id, first.id))[0].status in ("queued", "running"):
        await asyncio.sleep(0.1)
    runtime.freeze_startup_heap()  # as every hub worker does once started (services/runtime.py)
    with Ticker() as idle:
        before = await delivery(channel.id, user.id, posts)
    with Ticker() as busy:
        started = time.perf_counter()
        run = await runs.start(user.id, agent.id, made.id)
        during = await delivery(channel.id, user.id, posts)
        while (view := (await asyncio.to_thread(runs.get_run, user.id, agent.id, made.id, run.id))[0]).status in ("queued", "running"):
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - started
    print(f"run: {view.status}, {view.passed}/{view.total} passed in {elapsed:.1f} s "
          f"(concurrency {get_settings().eval_concurrency}; target <= {TARGET_SECONDS:.0f} s)")
    print(f"event-loop stall: worst {idle.worst:.1f} ms idle (p99 {idle.p99:.1f}), {busy.worst:.1f} ms during the run "
          f"(p99 {busy.p99:.1f}; target <= {STALL_TARGET_MS:.0f} ms)")
    print(line("delivery without a run", before))
    print(line("delivery during the run ", during))
    ok = view.status == "completed" and elapsed <= TARGET_SECONDS and busy.worst <= STALL_TARGET_MS
    print("PASS" if ok else "FAIL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds the provider takes per answer")
    parser.add_argument("--posts", type=int, default=100)
    args = parser.parse_args()
    with local_stack("nc_bench_evals"), FakeOpenAIServer() as provider:
        provider.configure(first_token_delay=args.delay)
        os.environ.update(OPENAI_BASE_URL=provider.base_url, OPENAI_API_KEY="bench")
        get_settings.cache_clear()
        asyncio.run(bench(args.cases, args.posts))


if __name__ == "__main__":
    main()
