"""Cache eviction for retention: 100 channels x 5,000 cached messages, 20% expired
(docs/PERFORMANCE.md). Ours (RedisChannelCache.trim_before: one pipelined, atomic
ZREMRANGEBYSCORE per channel) against the seed sketch (read all, parse, filter, DEL,
re-LPUSH one by one), on the same Redis; checks what is left and its order too.
Target: ours >= 50x faster. Env: NEUROCACHE_BENCH_REDIS_URL (keys under `ncbench:`).
"""

from __future__ import annotations

import gc
import json
import os
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis

from neurocache_ui.domain.messages import score_of
from neurocache_ui.infra.window_cache import TAIL, RedisChannelCache, member_of
from testkit.stats import percentile

REDIS_URL = os.environ.get("NEUROCACHE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
CHANNELS = 100
PER_CHANNEL = 5_000
EXPIRED = 0.2
OUR_RUNS = 7
SKETCH_RUNS = 1  # one run is ~400,000 round trips; more would not fit the time budget


@dataclass(frozen=True)
class Entry:
    """A cached message as both designs store it (same JSON)."""

    id: int
    channel_id: int
    created_at: datetime
    json: str

    def to_row(self) -> list[object]:
        return [self.id, self.json]


def make_entries(now: datetime, cutoff: datetime) -> dict[int, list[Entry]]:
    expired = int(PER_CHANNEL * EXPIRED)
    entries: dict[int, list[Entry]] = {}
    next_id = 1
    for channel_id in range(1, CHANNELS + 1):
        rows = []
        for i in range(PER_CHANNEL):
            if i < expired:
                created = cutoff - timedelta(days=3, seconds=(expired - i) * 7)
            else:
                created = now - timedelta(seconds=(PER_CHANNEL - i) * 7)
            data = {
                "id": next_id, "channel_id": channel_id, "user_id": 1, "agent_id": None,
                "author_name": "Ada", "author_kind": "user",
                "content": f"message {i} in channel {channel_id}: lorem ipsum dolor sit amet",
                "status": "complete", "created_at": created.isoformat(), "edited_at": None,
            }
            rows.append(Entry(next_id, channel_id, created, json.dumps(data, separators=(",", ":"))))
            next_id += 1
        entries[channel_id] = rows
    return entries


def populate_ours(client: redis.Redis, cache: RedisChannelCache, entries: dict[int, list[Entry]]) -> None:
    """The windows exactly as the fill script leaves them (marker + members)."""
    pipe = client.pipeline(transaction=False)
    for channel_id, rows in entries.items():
        key = cache.keys(channel_id)[0]
        pipe.delete(key)
        pipe.zadd(key, {TAIL: float("-inf")})
        for start in range(0, len(rows), 1000):
            pipe.zadd(key, {member_of(e): score_of(e.created_at) for e in rows[start : start + 1000]})
    pipe.execute()


def populate_sketch(client: redis.Redis, prefix: str, entries: dict[int, list[Entry]]) -> None:
    """The sketch's lists: LPUSH per send, so newest first."""
    pipe = client.pipeline(transaction=False)
    for channel_id, rows in entries.items():
        key = f"{prefix}:channel:{channel_id}:messages"
        pipe.delete(key)
        for start in range(0, len(rows), 1000):
            pipe.lpush(key, *(e.json for e in rows[start : start + 1000]))
    pipe.execute()


def sketch_evict(client: redis.Redis, prefix: str, cutoff: datetime) -> list[float]:
    """evictOldMessages() from the seed, translated line by line; per-channel ms."""
    per_channel = []
    for channel_id in range(1, CHANNELS + 1):
        start = time.perf_counter()
        key = f"{prefix}:channel:{channel_id}:messages"
        messages = [json.loads(m) for m in client.lrange(key, 0, -1)]
        new_messages = [m for m in messages if datetime.fromisoformat(m["created_at"]) > cutoff]
        client.delete(key)
        for message in new_messages:
            client.lpush(key, json.dumps(message, separators=(",", ":")))
        per_channel.append((time.perf_counter() - start) * 1000)
    return per_channel


def main() -> int:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=30)
    prefix = f"ncbench:{secrets.token_hex(6)}"
    cache = RedisChannelCache(client, window=PER_CHANNEL, ttl_seconds=3600, prefix=f"{prefix}:cache")
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=30)
    expired = int(PER_CHANNEL * EXPIRED)
    try:
        print(f"building {CHANNELS} x {PER_CHANNEL:,} messages ({EXPIRED:.0%} expired) ...")
        entries = make_entries(now, cutoff)
        expected_ids = {c: [e.id for e in rows[expired:]] for c, rows in entries.items()}

        ours: list[float] = []
        for run in range(OUR_RUNS):
            populate_ours(client, cache, entries)
            gc.collect()
            start = time.perf_counter()
            trimmed = cache.trim_before(cutoff, range(1, CHANNELS + 1))
            ours.append((time.perf_counter() - start) * 1000)
            assert sum(trimmed.values()) == CHANNELS * expired, trimmed
            if run == 0:
                for channel_id in (1, CHANNELS):
                    found = cache.read(channel_id, PER_CHANNEL)
                    assert [row[0] for row in found.rows()] == expected_ids[channel_id]
        print(f"ours: {OUR_RUNS} runs, results checked (expired gone, order kept)")

        sketch_totals: list[float] = []
        sketch_channels: list[float] = []
        for _ in range(SKETCH_RUNS):
            populate_sketch(client, prefix, entries)
            gc.collect()
            print("sketch: evicting (about 400,000 round trips) ...")
            per_channel = sketch_evict(client, prefix, cutoff)
            sketch_channels += per_channel
            sketch_totals.append(sum(per_channel))
        left = [json.loads(m)["id"] for m in client.lrange(f"{prefix}:channel:1:messages", 0, -1)]
        sketch_order_kept = left == list(reversed(expected_ids[1]))  # the list is newest-first
        sketch_reversed = left == expected_ids[1]
        assert sorted(left) == expected_ids[1]

        ours_median, sketch_median = statistics.median(ours), statistics.median(sketch_totals)
        print(f"\nevict {EXPIRED:.0%} of {CHANNELS} x {PER_CHANNEL:,} cached messages")
        print(f"{'design':<8}{'runs':>6}{'median ms':>12}{'p95 ms':>10}{'per channel ms (median/p95)':>32}")
        print(f"{'ours':<8}{OUR_RUNS:>6}{ours_median:>12.1f}{percentile(ours, 95):>10.1f}"
              f"{f'{ours_median / CHANNELS:.3f} (pipelined)':>32}")
        print(f"{'sketch':<8}{SKETCH_RUNS:>6}{sketch_median:>12.1f}{percentile(sketch_totals, 95):>10.1f}"
              f"{f'{statistics.median(sketch_channels):.1f} / {percentile(sketch_channels, 95):.1f}':>32}")
        ratio = sketch_median / ours_median
        print(f"\nours is {ratio:.0f}x faster")
        print(f"sketch order after eviction: {'kept' if sketch_order_kept else 'REVERSED' if sketch_reversed else 'scrambled'}"
              " (and each channel's key was missing between DEL and the re-push)")
        ok = ratio >= 50
        print(f"{'PASS' if ok else 'MISS'}  ours >= 50x faster than the sketch ({ratio:.0f}x)")
        return 0 if ok else 1
    finally:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])


if __name__ == "__main__":
    sys.exit(main())
