"""Public API throughput, and what the key check and rate limit cost per request
(docs/PERFORMANCE.md): 16 keep-alive clients with their own keys against the production
app (2 workers, Postgres + Redis, the fake provider with zero delay), then in-process,
side by side in rotating blocks, the same request with and without the key dependency.
Targets: messages >= 300 req/s with p99 <= 100 ms; the key check adds <= 2 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from fastapi import Request

from neurocache_ui.api.app import create_app
from neurocache_ui.api.deps import current_key
from neurocache_ui.infra import ratelimit
from neurocache_ui.services import agents, api_keys, channels, messaging, usage
from neurocache_ui.settings import get_settings
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from testkit.stack import local_stack
from testkit.stats import percentile

CLIENTS = 16
MESSAGES = 100
RATE_LIMIT = "100000/minute"  # the limiters (per key, per user) still run on every request; they never refuse here


# ---------------------------------------------------------------- a small keep-alive HTTP client


class Connection:
    """One HTTP/1.1 keep-alive connection; enough for JSON request/response, and (unlike
    httpx) light enough to leave the 2 cores it shares with the server to the server."""

    def __init__(self, host: str, port: int, key: str) -> None:
        self.host, self.port, self.key = host, port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        assert self.reader is not None and self.writer is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAuthorization: Bearer {self.key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, chunked = None, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).strip(), 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            return status, b"".join(parts)
        return status, await self.reader.readexactly(length or 0)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def cpu_seconds(process_group: int) -> float:
    """User + system CPU time of every live process in the group (the server and its
    workers): CPU per request is far steadier than throughput on a shared machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == process_group:  # after the name: state, ppid, pgrp, ...; utime and stime at 11, 12
            total += int(fields[11]) + int(fields[12])
    return total / ticks


async def load(
    port: int, keys: list[str], method: str, path: str, body: bytes, warmup: float, duration: float, group: int
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    measuring = False
    stop_at = float("inf")

    async def client(key: str) -> None:
        nonlocal errors
        connection = Connection("127.0.0.1", port, key)
        await connection.open()
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                status, _ = await connection.request(method, path, body)
                elapsed = time.perf_counter() - started
                if measuring:
                    latencies.append(elapsed)
                    if status != 200:
                        errors += 1
        finally:
            await connection.close()

    tasks = [asyncio.create_task(client(key)) for key in keys]
    stop_at = time.perf_counter() + warmup + duration + 60
    await asyncio.sleep(warmup)
    measuring, began, cpu_before = True, time.perf_counter(), cpu_seconds(group)
    await asyncio.sleep(duration)
    measuring = False
    wall = time.perf_counter() - began
    cpu = cpu_seconds(group) - cpu_before
    stop_at = 0
    await asyncio.gather(*tasks)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "errors": errors,
        "cpu_ms": cpu * 1000 / max(1, len(latencies)),
    }


# ---------------------------------------------------------------- data


def seed(clients: int) -> tuple[list[str], str, str]:
    """A user with `clients` keys, a channel of MESSAGES messages, an agent."""
    user = create_user("Bench")
    keys = [api_keys.create_key(user.id, f"client {i}")[0] for i in range(clients)]
    channel = channels.create_channel(user.id, name="Bench")
    for i in range(MESSAGES):
        messaging.post_message(channel.id, user_id=user.id, content=f"message {i} " + "lorem ipsum " * 8)
    agent = agents.create_agent(user.id, {"name": "Bench agent", "max_tokens": 64})
    return keys, channel.slug, agent.slug


# ---------------------------------------------------------------- in-process cost of the key check


async def in_process(key: str, slug: str, rounds: int, block: int) -> dict[str, list[float]]:
    """Side by side in rotating blocks (so drift hits all alike):
    direct: authenticate + check_key + check_user, the dependency's work on Postgres and Redis;
    direct-key-only: the same without the per-user limit; baseline: GET .../messages through
    the ASGI app with the key dependency replaced by a constant; authenticated: the real one."""
    context = api_keys.authenticate(key)
    assert context is not None
    real = create_app()
    bypass = create_app()

    def constant_key(request: Request) -> api_keys.KeyContext:
        request.state.api_key = context
        return context

    bypass.dependency_overrides[current_key] = constant_key
    path = f"/api/v1/channels/{slug}/messages?limit=50"
    headers = {"Authorization": f"Bearer {key}"}

    async def direct() -> None:
        await asyncio.to_thread(
            lambda: (api_keys.authenticate(key), ratelimit.check_key(context.key_id), ratelimit.check_user(context.user_id))
        )

    async def direct_key_only() -> None:
        await asyncio.to_thread(lambda: (api_keys.authenticate(key), ratelimit.check_key(context.key_id)))

    clients = {
        "baseline": httpx.AsyncClient(transport=httpx.ASGITransport(app=bypass), base_url="http://bench", headers=headers),
        "authenticated": httpx.AsyncClient(transport=httpx.ASGITransport(app=real), base_url="http://bench", headers=headers),
    }

    async def via(name: str) -> None:
        response = await clients[name].get(path)
        assert response.status_code == 200, response.text

    contenders: dict[str, Callable[[], Awaitable[None]]] = {
        "direct": direct,
        "direct-key-only": direct_key_only,
        "baseline": lambda: via("baseline"),
        "authenticated": lambda: via("authenticated"),
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for name, run in contenders.items():  # warm up
        for _ in range(50):
            await run()
    for round_index in range(rounds):
        order = list(contenders)
        order = order[round_index % len(order):] + order[: round_index % len(order)]
        for name in order:
            gc.collect()
            for _ in range(block):
                started = time.perf_counter()
                await contenders[name]()
                samples[name].append(time.perf_counter() - started)
    for client in clients.values():
        await client.aclose()
    return samples


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--block", type=int, default=100)
    args = parser.parse_args()

    limits = {"NEUROCACHE_RATE_LIMIT": RATE_LIMIT, "NEUROCACHE_USER_RATE_LIMIT": RATE_LIMIT}
    with local_stack("nc_bench_api") as stack, FakeOpenAIServer() as provider:
        provider_env = {"OPENAI_BASE_URL": provider.base_url, "OPENAI_API_KEY": "bench"}
        os.environ.update(**provider_env, **limits)
        get_settings.cache_clear()
        try:
            keys, slug, agent = seed(CLIENTS + 1)
            server = stack.start_hub(workers=args.workers, env={**limits, **provider_env})
            assert server.process is not None
            group = server.process.pid  # started in its own session: the group id is the leader's pid
            print(f"API load: {CLIENTS} clients, {args.workers} workers, {args.duration:g} s each after {args.warmup:g} s warm-up")
            completion = json.dumps({"model": f"agent:{agent}", "messages": [{"role": "user", "content": "Summarise the plan in one line."}]}).encode()
            results = {
                "messages": asyncio.run(load(server.port, keys[:CLIENTS], "GET", f"/api/v1/channels/{slug}/messages?limit=50", b"", args.warmup, args.duration, group)),
                "completions": asyncio.run(load(server.port, keys[:CLIENTS], "POST", "/api/v1/chat/completions", completion, args.warmup, args.duration, group)),
            }
            for label, r in results.items():
                print(f"  {label:<12} {r['rps']:7.0f} req/s   p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms   "
                      f"server CPU {r['cpu_ms']:5.2f} ms/request   ({r['requests']} requests, {r['errors']} not 200)")
            reads = results["messages"]
            messages_ok = reads["errors"] == 0 and reads["rps"] >= 300 and reads["p99_ms"] <= 100
            print(f"  target messages >= 300 req/s and p99 <= 100 ms: {'met' if messages_ok else 'NOT met'}")
            server.stop()

            samples = asyncio.run(in_process(keys[-1], slug, args.rounds, args.block))
            med = {k: statistics.median(v) * 1000 for k, v in samples.items()}
            p99 = {k: percentile(v, 99) * 1000 for k, v in samples.items()}
            print(f"In-process, {args.rounds} rotations x {args.block} calls each:")
            for label in ("direct", "direct-key-only", "baseline", "authenticated"):
                print(f"  {label:<15} median {med[label]:6.3f} ms   p99 {p99[label]:6.3f} ms")
            print(f"  the per-user limit costs {med['direct'] - med['direct-key-only']:.3f} ms "
                  f"({med['direct'] / med['direct-key-only']:.2f}x the key-only check)")
            added = med["authenticated"] - med["baseline"]
            print(f"  key check + rate limit add {added:.3f} ms per request (median difference); "
                  f"target <= 2 ms: {'met' if added <= 2 else 'NOT met'}")
        finally:
            usage.flush()


if __name__ == "__main__":
    main()
