"""Knowledge ingestion throughput (docs/PERFORMANCE.md): 5,000 small files in one .zip
through the upload path (`knowledge.enqueue_files`: the archive checked, its files
stored and queued) and then the background queue (`worker.run_once` in a loop on an
event loop, as the lifespan task runs it: claims, parses, stores passages, marks
ready), on SQLite and Postgres. Also the event loop's worst stall while the worker
runs (a ticker every 10 ms), which must stay short: other users' requests share it.
Goals: >= 50 documents/s through the queue; the loop never stalls > 100 ms.
Exits 1 when a backend misses them.
Usage: .venv/bin/python bench/bench_knowledge_ingest.py [--files N] [--no-sqlite] [--no-postgres]
Postgres: a fresh database on NEUROCACHE_TEST_PG_URL's server, dropped afterwards."""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.services import agents, knowledge
from neurocache_ui.services.knowledge import worker
from neurocache_ui.settings import get_settings
from testkit.database import fresh_database, migrate
from testkit.documents import make_zip
from testkit.factories import create_user

FILES = int(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else 5_000
RATE_GOAL = 50.0
STALL_GOAL_MS = 100.0
WORDS = ("harbour ferry crane tide pier cargo manifest pilot buoy lighthouse keeper schedule storm anchor dock "
         "customs berth tugboat container freight").split()


def dataset(rng: random.Random) -> bytes:
    """FILES small markdown and text files (~300 bytes each) in folders, zipped."""
    files = {}
    for n in range(FILES):
        sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(3)]
        suffix = ".md" if n % 2 else ".txt"
        files[f"logs/{n // 500:02}/entry-{n:05}{suffix}"] = (f"# Entry {n}\n\n" + " ".join(sentences)).encode()
    return make_zip(files)


async def drain() -> tuple[float, float]:
    """Run the worker until the queue is empty; (seconds, the loop's worst stall in ms)."""
    stalls: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            stalls.append((time.perf_counter() - started - 0.01) * 1000)

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    while await worker.run_once():
        pass
    elapsed = time.perf_counter() - started
    done.set()
    await tick
    return elapsed, max(stalls, default=0.0)


def measure(label: str, url: str, archive: bytes) -> bool:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()
    user = create_user("Bench")
    agent = agents.create_agent(user.id, {"name": "Archivist"})
    started = time.perf_counter()
    added = knowledge.enqueue_files(user.id, agent.id, [("logbook.zip", archive)])
    queued = time.perf_counter() - started
    assert len(added.documents) == FILES and not added.skipped, added.skipped[:3]
    elapsed, stall = asyncio.run(drain())
    page = knowledge.page_documents(user.id, agent.id, limit=1)
    assert page.counts == {"ready": FILES}, page.counts
    rate = FILES / elapsed
    print(f"{label:9} upload (check, store, queue {FILES:,} files): {queued:5.1f} s ({FILES / queued:,.0f} files/s); "
          f"background queue: {elapsed:5.1f} s = {rate:,.0f} documents/s; worst event-loop stall {stall:.0f} ms")
    return rate >= RATE_GOAL and stall <= STALL_GOAL_MS


def main() -> int:
    archive = dataset(random.Random(7))
    print(f"{FILES:,} files, {len(archive) / 1024 / 1024:.1f} MB zipped")
    ok = True
    if "--no-sqlite" not in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate(url)
            ok &= measure("SQLite", url, archive)
    if "--no-postgres" not in sys.argv:
        with fresh_database("nc_bench") as url:
            ok &= measure("Postgres", url, archive)
    print("goals met" if ok else f"goal missed: >= {RATE_GOAL:g} documents/s and stalls <= {STALL_GOAL_MS:g} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
