"""How long a test hub takes to start, with and without the kept frontend build (docs/PERFORMANCE.md).

Starts the production hub (`testkit.hub.HubServer`, Postgres + Redis, two workers) in
pairs, one after the other: `reflex run --env prod --single-port` as it comes (compile
and a full Vite build every time), then `testkit.build_cache`'s launcher (the same
compile, the build reused and re-addressed to the new port once one is kept). A warm-up
start keeps the build first. Each start is timed from launch until the page and /ping
answer. Pairs measured side by side, so a busy machine slows both alike; the ratio is
the figure to read. Run: `.venv/bin/python bench/bench_hub_start.py [--pairs 3]`."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from testkit.hub import REFLEX_RUN, VENV_BIN, HubServer
from testkit.stack import local_stack

AS_IT_COMES = [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port"]


def timed_start(workdir: Path, database_url: str, redis_url: str, command: list[str]) -> float:
    """Seconds until the hub answers; infinite if it failed to start (a full build's
    prerender can time out on a busy machine), so the failure shows in the figures."""
    server = HubServer(Path(tempfile.mkdtemp(prefix="hub-", dir=workdir)), database_url=database_url,
                       redis_url=redis_url, workers=2, command=command)  # fmt: skip
    started = time.monotonic()
    try:
        server.start()
    except RuntimeError as failed:
        print(str(failed).splitlines()[0], "(log:", server.log_path, ")")
        return float("inf")
    seconds = time.monotonic() - started
    server.stop()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    with local_stack("nc_bench_start") as stack:
        print(f"warm-up (keeps the build): {timed_start(stack.workdir, stack.database_url, stack.redis.url, REFLEX_RUN):.1f} s")
        full, reused = [], []
        for pair in range(args.pairs):
            full.append(timed_start(stack.workdir, stack.database_url, stack.redis.url, AS_IT_COMES))
            reused.append(timed_start(stack.workdir, stack.database_url, stack.redis.url, REFLEX_RUN))
            print(f"pair {pair + 1}: full build {full[-1]:.1f} s, build reused {reused[-1]:.1f} s ({reused[-1] / full[-1]:.2f})")
        both = [(f, r) for f, r in zip(full, reused, strict=True) if f < float("inf") > r]
        failed = f"starts that failed: full build {full.count(float('inf'))}, build reused {reused.count(float('inf'))}"
        if not both:
            print(f"no pair where both started; {failed}")
            return
        print(f"median over {len(both)} pairs: full build {statistics.median(f for f, _ in both):.1f} s, build reused "
              f"{statistics.median(r for _, r in both):.1f} s, ratio {statistics.median(r / f for f, r in both):.2f}; {failed}")  # fmt: skip


if __name__ == "__main__":
    main()
