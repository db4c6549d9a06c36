"""Fan-out under load (docs/PERFORMANCE.md): raw socket.io tabs (testkit/socket_client.py) open
/channels/<slug> as a browser does, each its own member, over 20 channels of the production app.
Messages are posted in-process at a steady rate; latency runs from the post's commit (its return)
to the frame carrying it at each viewer; CPU per worker process over the same window. Exits 1 if
a viewer misses a message.
Run: `.venv/bin/python bench/bench_load.py [--viewers 50,100,200] [--workers 2] [--seconds 20]`."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurocache_ui.services import auth, channels, messaging
from testkit.factories import create_user
from testkit.hub import HubServer
from testkit.socket_client import RawTab
from testkit.stack import local_stack
from testkit.stats import percentile

CHANNELS = 20
GOAL_P95_MS = 150.0
CPU_CEILING = 0.8  # of one core: what a worker may use before latency suffers
TAG = re.compile(r"load-(\d+)-end")
JOIN_TIMEOUT = 60.0
DRAIN_TIMEOUT = 15.0


@dataclass
class Viewer:
    channel: int  # index into the channel list
    slug: str
    cookie: str
    seen: dict[int, float] = field(default_factory=dict)  # message number -> arrival (epoch s)
    joined: asyncio.Event = field(default_factory=asyncio.Event)
    tab: RawTab | None = None

    def on_frame(self, text: str) -> None:
        """Keep the first arrival of each bench message; the seed row proves the tab joined."""
        now = time.time()
        if not self.joined.is_set() and seed_text(self.channel) in text:
            self.joined.set()
        for match in TAG.finditer(text):
            self.seen.setdefault(int(match.group(1)), now)


@dataclass
class Level:
    viewers: int
    latencies: list[float]
    expected: int
    received: int
    posted: int
    post_ms: list[float]
    worker_cpu: list[float]  # % of one core per worker
    bench_cpu: float
    bench_lag: float  # p95 ms this process's loop woke late: time the latencies may owe to the client
    machine_load: float  # the 1-minute load average at the end: how noisy the machine was (the "load" column)


def pct(samples: list[float], p: float) -> float:
    return percentile(samples, p) if samples else float("nan")


async def loop_lag(lags: list[float], tick: float = 0.01) -> None:
    """How late this process's event loop wakes up: frames wait for it too."""
    while True:
        due = time.monotonic() + tick
        await asyncio.sleep(tick)
        lags.append((time.monotonic() - due) * 1000)


def seed_text(channel: int) -> str:
    return f"seed-of-channel-{channel:02d}"


def seed(viewers: int) -> tuple[int, list[channels.ChannelView], list[Viewer]]:
    """An owner with 20 channels (one seed message each) and `viewers` signed-in members,
    dealt round-robin. Password hashing dominates: threads share it."""
    owner = create_user("Owner")
    rooms = [channels.create_channel(owner.id, name=f"load {i:02d}") for i in range(CHANNELS)]
    for i, room in enumerate(rooms):
        messaging.post_message(room.id, user_id=owner.id, content=seed_text(i))

    def member(i: int) -> Viewer:
        user = create_user("Viewer")
        room = rooms[i % CHANNELS]
        channels.invite(room.id, owner.id, user.email)
        return Viewer(channel=i % CHANNELS, slug=room.slug, cookie=auth.start_session(user.id))

    with ThreadPoolExecutor(4) as pool:
        return owner.id, rooms, list(pool.map(member, range(viewers)))


def workers_of(server: HubServer) -> list[psutil.Process]:
    """The processes that hold the sockets: the leaves of `reflex run`'s tree (Granian's
    workers, forked, so named like their parent)."""
    assert server.process is not None
    return [p for p in psutil.Process(server.process.pid).children(recursive=True) if not p.children()]


def cpu_seconds(processes: list[psutil.Process]) -> list[float]:
    return [sum(p.cpu_times()[:2]) for p in processes]


async def connect(viewers: list[Viewer], url: str) -> None:
    """Open the tabs a few at a time (as people arrive) and wait until each shows its channel."""
    gate = asyncio.Semaphore(8)

    async def one(viewer: Viewer) -> None:
        async with gate:
            viewer.tab = RawTab(url, cookie=viewer.cookie, on_frame=viewer.on_frame)
            await viewer.tab.open(f"/channels/{viewer.slug}", {"slug": viewer.slug})
            await asyncio.wait_for(viewer.joined.wait(), JOIN_TIMEOUT)

    await asyncio.gather(*(one(v) for v in viewers if v.tab is None))


@dataclass
class Load:
    """What every viewer count shares: the seeded channels and who posts, the hub's workers."""

    owner_id: int
    rooms: list[channels.ChannelView]
    workers: list[psutil.Process]
    args: argparse.Namespace

    def post(self, number: int, committed: dict[int, float], post_ms: list[float]) -> None:
        """One message, timed: latency counts from the return (commit, cache and publish done)."""
        started = time.time()
        room = self.rooms[number % CHANNELS]
        messaging.post_message(room.id, user_id=self.owner_id, content=f"load-{number}-end the quick brown fox")
        committed[number] = time.time()
        post_ms.append((committed[number] - started) * 1000)

    async def measure(self, viewers: list[Viewer], first: int) -> Level:
        """Post `rate` messages/s for `seconds`, round-robin over the channels; wait for every arrival."""
        count = int(self.args.rate * self.args.seconds)
        committed: dict[int, float] = {}
        post_ms: list[float] = []
        expected = {n: [v for v in viewers if v.channel == n % CHANNELS] for n in range(first, first + count)}
        total = sum(len(vs) for vs in expected.values())
        me = psutil.Process()
        cpu_before, bench_before, start = cpu_seconds(self.workers), cpu_seconds([me])[0], time.monotonic()
        lags: list[float] = []
        watching = asyncio.create_task(loop_lag(lags))
        posts = []
        for i, number in enumerate(expected):
            await asyncio.sleep(max(0.0, start + i / self.args.rate - time.monotonic()))
            posts.append(asyncio.create_task(asyncio.to_thread(self.post, number, committed, post_ms)))
        await asyncio.gather(*posts)
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while sum(n in v.seen for n, vs in expected.items() for v in vs) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        window = time.monotonic() - start
        watching.cancel()
        cpu = [
            (after - before) / window * 100 for before, after in zip(cpu_before, cpu_seconds(self.workers), strict=True)
        ]
        bench_cpu = (cpu_seconds([me])[0] - bench_before) / window * 100
        latencies = [(v.seen[n] - committed[n]) * 1000 for n, vs in expected.items() for v in vs if n in v.seen]
        return Level(
            len(viewers),
            latencies,
            total,
            len(latencies),
            count,
            post_ms,
            cpu,
            bench_cpu,
            pct(lags, 95),
            os.getloadavg()[0],
        )


def report(levels: list[Level], args: argparse.Namespace) -> None:
    per_viewer = args.rate / CHANNELS
    print(
        f"\nfan-out, {args.workers} workers, {CHANNELS} channels, {args.rate:g} msg/s = {per_viewer:.2f} to each viewer"
    )
    print(
        " viewers  received/expected   p50 ms   p95 ms   max ms  post ms  CPU/worker, % of a core  bench  lag ms  load"
    )
    for lv in levels:
        cpu = " ".join(f"{c:5.1f}" for c in lv.worker_cpu)
        worst = max(lv.latencies, default=float("nan"))
        print(
            f" {lv.viewers:7d}  {lv.received:8d}/{lv.expected:<8d}  {pct(lv.latencies, 50):7.1f}  {pct(lv.latencies, 95):7.1f}"
            f"  {worst:7.1f}  {pct(lv.post_ms, 50):7.1f}  {cpu:<23s}  {lv.bench_cpu:4.0f}%  {lv.bench_lag:6.1f}  {lv.machine_load:4.1f}"
        )
    top = levels[-1]
    held = 0
    for lv in levels:
        if pct(lv.latencies, 95) > GOAL_P95_MS:
            break
        held = lv.viewers // args.workers
    p95 = pct(top.latencies, 95)
    verdict = "met" if p95 <= GOAL_P95_MS else "MISSED"
    print(f"goal p95 <= {GOAL_P95_MS:.0f} ms at {top.viewers} viewers: {verdict} ({p95:.1f} ms)")
    deliveries = top.received / args.seconds / args.workers  # per worker per second
    busiest = max(top.worker_cpu) / 100
    cost_ms = busiest / deliveries * 1000 if deliveries else float("nan")
    capacity = CPU_CEILING / busiest * top.viewers / args.workers if busiest else float("inf")
    print(
        f"capacity per worker: p95 goal held up to {held} viewers/worker (0: at no measured count);"
        f" {cost_ms:.2f} ms of CPU per delivered message (idle included) -> ~{capacity:.0f} viewers/worker"
        f" at {CPU_CEILING:.0%} of a core, {per_viewer:.2f} msg/s each"
    )


async def run(args: argparse.Namespace) -> list[Level]:
    sizes = sorted(int(n) for n in args.viewers.split(","))
    with local_stack("nc_load") as stack:
        owner_id, rooms, viewers = seed(sizes[-1])
        server = stack.start_hub(workers=args.workers)
        load = Load(owner_id, rooms, workers_of(server), args)
        print(f"hub on {server.url}, workers: {', '.join(f'{p.name()} {p.pid}' for p in load.workers)}", flush=True)
        levels: list[Level] = []
        try:
            for size in sizes:
                await connect(viewers[:size], server.url)
                if not levels:  # the first messages find cold code paths and empty connection pools
                    for room in rooms:
                        messaging.post_message(room.id, user_id=owner_id, content="warming up")
                await asyncio.sleep(args.settle)
                levels.append(await load.measure(viewers[:size], sum(lv.posted for lv in levels)))
                print(f"{size} viewers: {levels[-1].received}/{levels[-1].expected} arrivals", flush=True)
        except Exception:
            print(f"server log:\n{server.log_tail()}", file=sys.stderr)
            raise
        finally:
            await asyncio.gather(*(v.tab.close() for v in viewers if v.tab is not None), return_exceptions=True)
        return levels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--viewers", default="50,100,200", help="viewer counts to measure, comma-separated")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20.0, help="posting time per viewer count")
    parser.add_argument("--rate", type=float, default=20.0, help="messages per second over all channels")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds between connecting and posting")
    args = parser.parse_args()
    levels = asyncio.run(run(args))
    report(levels, args)
    lost = [lv for lv in levels if lv.received < lv.expected]
    if lost:
        for lv in lost:
            missing = lv.expected - lv.received
            print(f"LOST: {missing} of {lv.expected} arrivals at {lv.viewers} viewers", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
