"""History read: open a channel with 10,000 messages and show the latest 100 (docs/PERFORMANCE.md).

Our cache (a repeat open, and a worker's first open: "cold", no decoded copy yet),
Postgres (our ORM path and raw psycopg) and the seed sketch (LRANGE everything, parse,
take 100), side by side in rotating blocks. Targets: cache median <= 1 ms, >= 5x
Postgres, >= 20x the sketch; cold faster than raw psycopg.
Env: NEUROCACHE_BENCH_REDIS_URL (keys under a random prefix, deleted at the end).
"""

from __future__ import annotations

import gc
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg
import redis
import sqlalchemy as sa

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.infra.window_cache import RedisChannelCache, get_cache
from neurocache_ui.services import messaging
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import Channel, Message, User
from neurocache_ui.store.repositories import messages as message_rows
from testkit.database import fresh_database
from testkit.stats import percentile

REDIS_URL = os.environ.get("NEUROCACHE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
MESSAGES = 10_000
LATEST = 100
ROUNDS = 10  # rotations; each times BLOCK calls of every contender
BLOCK = 40


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    with fresh_database("nc_bench") as db_url:
        return measure(db_url)


def measure(db_url: str) -> int:
    channel_id = random.randint(10**8, 2 * 10**9)  # unique cache keys in a shared Redis
    sketch_key = f"ncbench:{secrets.token_hex(6)}:channel:{channel_id}:messages"
    raw = redis.Redis.from_url(REDIS_URL)
    os.environ.update(DATABASE_URL=db_url, REDIS_URL=REDIS_URL)
    os.environ.pop("NEUROCACHE_CACHE_WINDOW", None)
    get_settings.cache_clear()
    cache_keys: list[str] = []
    try:
        print(f"setting up: {MESSAGES:,} messages in Postgres, window of {get_settings().cache_window} in Redis ...")
        engine = get_engine()
        start = datetime.now(UTC) - timedelta(days=1)
        with engine.begin() as conn:
            user_id = conn.execute(
                sa.insert(User).values(name="Ada", email="ada@example.com", password_hash="x", created_at=start)
                .returning(User.id)
            ).scalar_one()
            conn.execute(sa.insert(Channel).values(id=channel_id, slug="bench", name="Bench", description="",
                                                   goal="", owner_id=user_id, created_at=start))
            conn.execute(sa.insert(Message), [
                {"channel_id": channel_id, "user_id": user_id, "status": "complete",
                 "content": f"Message number {i}: " + "lorem ipsum dolor sit amet " * 4,
                 "created_at": start + timedelta(seconds=i * 5)}
                for i in range(MESSAGES)
            ])
            conn.execute(sa.text("ANALYZE message"))
        cache = get_cache()
        assert isinstance(cache, RedisChannelCache)
        cache_keys = cache.keys(channel_id)

        def db_latest(limit: int) -> list[MessageView]:
            """The cache-miss path's read (SQLAlchemy)."""
            with session_scope() as session:
                return message_rows.latest(session, channel_id, limit)

        # The sketch's list, as its storeMessage would have built it (LPUSH per send).
        everything = db_latest(MESSAGES)
        pipe = raw.pipeline(transaction=False)
        for view in everything:
            pipe.lpush(sketch_key, view.to_json())
        pipe.execute()

        raw_sql = (
            "SELECT m.id, m.channel_id, m.user_id, m.agent_id, u.name, a.name, m.content, m.status,"
            " m.created_at, m.edited_at FROM message m LEFT JOIN user_account u ON u.id = m.user_id"
            " LEFT JOIN agent a ON a.id = m.agent_id WHERE m.channel_id = %s"
            " ORDER BY m.created_at DESC, m.id DESC LIMIT %s"
        )
        pg = psycopg.connect(sa.make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False))

        def cache_read() -> list[MessageView]:
            return messaging.recent_messages(channel_id, LATEST, viewer_id=None)

        def cache_cold() -> list[MessageView]:
            cache.memo.forget(channel_id)  # as in a worker that never read the window
            return messaging.recent_messages(channel_id, LATEST, viewer_id=None)

        def pg_orm() -> list[MessageView]:
            return db_latest(LATEST)

        def pg_raw() -> list[MessageView]:
            with pg.cursor() as cur:
                cur.execute(raw_sql, (channel_id, LATEST))
                rows = cur.fetchall()
            return [
                MessageView(r[0], r[1], r[2], r[3], r[4] if r[2] is not None else (r[5] or "Neurocache"),
                            "user" if r[2] is not None else "agent" if r[3] is not None else "system",
                            r[6], r[7], r[8], r[9])
                for r in reversed(rows)
            ]

        def sketch() -> list[MessageView]:
            parsed = [json.loads(m) for m in raw.lrange(sketch_key, 0, -1)]  # newest first
            return [MessageView.from_dict(d) for d in reversed(parsed[:LATEST])]

        contenders = {"cache": cache_read, "cold": cache_cold, "pg-orm": pg_orm, "pg-raw": pg_raw, "sketch": sketch}
        expected = pg_orm()
        for label, fn in contenders.items():  # warm up (fills the window) and check answers agree
            assert fn() == expected, f"{label} returned something else"
        samples: dict[str, list[float]] = {label: [] for label in contenders}
        print(f"measuring {ROUNDS} rotations of {BLOCK} calls each ...")
        # Blocks, not per-call interleaving, each after a collection: no contender pays for another's
        # garbage (the sketch's 10,000 parsed dicts) or for Postgres backends still busy on 2 cores.
        for _ in range(ROUNDS):
            for label, fn in contenders.items():
                gc.collect()
                fn()
                samples[label].extend(timed(fn) for _ in range(BLOCK))
        pg.close()

        medians = {label: statistics.median(s) for label, s in samples.items()}
        print(f"\nread the latest {LATEST} of {MESSAGES:,} messages ({ROUNDS * BLOCK} calls each)")
        print(f"{'contender':<11}{'median ms':>11}{'p95 ms':>10}{'cache faster by':>18}")
        for label, s in samples.items():
            ratio = medians[label] / medians["cache"]
            print(f"{label:<11}{medians[label]:>11.3f}{percentile(s, 95):>10.3f}{ratio:>17.1f}x")
        pg_ratio = min(medians["pg-orm"], medians["pg-raw"]) / medians["cache"]
        sketch_ratio = medians["sketch"] / medians["cache"]
        cache_raw = medians["cache"] / medians["pg-raw"]
        cold_raw = medians["cold"] / medians["pg-raw"]
        checks = [
            (f"cache median {medians['cache']:.3f} ms <= 1 ms", medians["cache"] <= 1.0),
            (f"cache >= 5x faster than the fastest Postgres read ({pg_ratio:.1f}x)", pg_ratio >= 5),
            (f"cache >= 20x faster than the sketch ({sketch_ratio:.1f}x)", sketch_ratio >= 20),
            (f"cold (a worker's first read) faster than raw psycopg ({1 / cold_raw:.2f}x)", cold_raw < 1),
        ]
        print(f"\ncache / raw = {cache_raw:.3f}   cold / raw = {cold_raw:.3f}")
        for text, ok in checks:
            print(f"{'PASS' if ok else 'MISS'}  {text}")
        return 0 if all(ok for _, ok in checks) else 1
    finally:
        if cache_keys:
            raw.delete(*cache_keys)
        raw.delete(sketch_key)


if __name__ == "__main__":
    sys.exit(main())
