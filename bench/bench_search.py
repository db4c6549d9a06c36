"""Message search: 10,000 messages in 12 channels (the searcher a member of 10), then
200 varied queries through services.search (common and rare words, two and three
words, prefixes of 1 to 4 letters as while typing, words of other languages, no
match, a second page). Target: p95 <= 50 ms on Postgres (tsvector + GIN); SQLite
(FTS5) is measured too. Exits 1 when a backend misses the target.
Usage: .venv/bin/python bench/bench_search.py [--no-sqlite] [--messages N]
Postgres: a fresh database on NEUROCACHE_TEST_PG_URL's server, dropped afterwards."""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from neurocache_ui.services import search
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Channel, ChannelMember, Message, User
from testkit.database import fresh_database, migrate
from testkit.stats import percentile

MESSAGES = int(sys.argv[sys.argv.index("--messages") + 1]) if "--messages" in sys.argv else 10_000
CHANNELS = 12
MEMBER_OF = 10
QUERIES = 200
TARGET_P95_MS = 50.0
COMMON = "the a to and of in is for on we it that this with be at plan team launch review".split()
FOREIGN = "grüße straße привет мир café naïve 東京 données größe".split()


def vocabulary(rng: random.Random) -> list[str]:
    """3,000 made-up words: Zipf-like use below makes a few common and most rare."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choice(letters) for _ in range(rng.randint(4, 10))) for _ in range(3_200)}
    return sorted(words)[:3_000]


def seed(rng: random.Random, words: list[str]) -> int:
    """The messages, straight into the database; the searcher's user id."""
    start = datetime.now(UTC) - timedelta(days=30)
    weights = [1 / (rank + 1) for rank in range(len(words))]
    with get_engine().begin() as conn:
        users = [
            conn.execute(sa.insert(User).values(name=f"User {i}", email=f"u{i}@example.com", password_hash="x",
                                                created_at=start).returning(User.id)).scalar_one()
            for i in range(4)
        ]
        channel_ids = [
            conn.execute(sa.insert(Channel).values(slug=f"bench-{i}", name=f"Bench {i}", description="", goal="",
                                                   owner_id=users[1], created_at=start).returning(Channel.id)).scalar_one()
            for i in range(CHANNELS)
        ]
        conn.execute(sa.insert(ChannelMember), [
            {"channel_id": c, "user_id": u, "joined_at": start}
            for n, c in enumerate(channel_ids) for u in users[1:] + ([users[0]] if n < MEMBER_OF else [])
        ])
        rows = []
        step = 30 * 86_400 / MESSAGES  # a month of history
        for i in range(MESSAGES):
            text = rng.choices(words, weights, k=rng.randint(5, 40)) + rng.sample(COMMON, 3)
            if i % 10 == 0:
                text.append(rng.choice(FOREIGN))
            rng.shuffle(text)
            rows.append({"channel_id": rng.choice(channel_ids), "user_id": rng.choice(users), "status": "complete",
                         "content": " ".join(text).capitalize() + ".", "created_at": start + timedelta(seconds=i * step)})
        conn.execute(sa.insert(Message), rows)
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ANALYZE"))
    return users[0]


def queries(rng: random.Random, words: list[str]) -> list[tuple[str, str, bool]]:
    """(kind, query, ask for the second page too)."""
    kinds = {
        "common word": lambda: rng.choice(words[:30]),
        "rare word": lambda: rng.choice(words[1000:]),
        "two words": lambda: f"{rng.choice(words[:200])} {rng.choice(words[:200])}",
        "three words": lambda: f"{rng.choice(COMMON)} {rng.choice(words[:100])} {rng.choice(words[:500])}",
        "prefix of 1-4 letters": lambda: rng.choice(words[:300])[: rng.randint(1, 4)],
        "word + prefix": lambda: f"{rng.choice(words[:50])} {rng.choice(words)[:3]}",
        "other languages": lambda: rng.choice(FOREIGN),
        "very common word": lambda: rng.choice(COMMON),
        "no match": lambda: "zzzqqq nothing",
    }
    names = list(kinds)
    return [(names[i % len(names)], kinds[names[i % len(names)]](), i % 7 == 0) for i in range(QUERIES)]


def measure(label: str, url: str) -> bool:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()
    rng = random.Random(12)
    words = vocabulary(rng)
    print(f"{label}: seeding {MESSAGES:,} messages in {CHANNELS} channels ...")
    user_id = seed(rng, words)
    plan = queries(rng, words)
    for _, query, _ in plan[:20]:  # warm up the connection pool and caches
        search.search_messages(user_id, query)
    samples: list[float] = []
    by_kind: dict[str, list[float]] = {}
    found = 0
    for kind, query, second in plan:
        began = time.perf_counter()
        page = search.search_messages(user_id, query)
        samples.append((time.perf_counter() - began) * 1000)
        by_kind.setdefault(kind, []).append(samples[-1])
        found += len(page.hits)
        if second and page.next_cursor:
            began = time.perf_counter()
            search.search_messages(user_id, query, before=page.next_cursor)
            samples.append((time.perf_counter() - began) * 1000)
            by_kind.setdefault("second page", []).append(samples[-1])
    for kind, times in by_kind.items():
        print(f"  {kind:<22} {len(times):>3} searches  p50 {percentile(times, 50):6.1f} ms  max {max(times):6.1f} ms")
    p50, p95, worst = percentile(samples, 50), percentile(samples, 95), max(samples)
    print(f"{label}: {len(samples)} searches, {found / len(plan):.1f} hits per first page; "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms, mean {statistics.fmean(samples):.1f} ms "
          f"(target p95 <= {TARGET_P95_MS:.0f} ms)")
    return p95 <= TARGET_P95_MS


def main() -> int:
    ok = True
    with fresh_database("nc_bench") as url:
        ok &= measure("postgres", url)
    if "--no-sqlite" not in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate(url)
            ok &= measure("sqlite", url)
            get_engine().dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
