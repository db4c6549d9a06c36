"""The hubs' kept frontend builds (testkit/build_cache.py) on real files: a build is
reused only for the same input, re-addressed to the new server's port (gzip copies
too) without touching the kept copy, and made once when two processes start at once.
tests/e2e/test_multi_host.py checks what two real hubs serve."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from testkit import build_cache

SETTINGS = ("", ("gzip",))
"""Reflex's `frontend_path` and compression formats, as `build_cache.main` passes them."""
FONT = b"\x00\x0141111\x02 glyphs that happen to hold the digits of the port"


@pytest.fixture(autouse=True)
def builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private cache directory, so the test never sees or prunes the hubs' builds."""
    directory = tmp_path / "builds"
    monkeypatch.setattr(build_cache, "BUILDS", directory)
    return directory


def compiled(root: Path, port: int, page: str = "<p>Channels</p>") -> Path:
    """A web directory as Reflex's compile leaves it, with the env.json of `port`."""
    web = root / f"web-{port}"
    (web / "app" / "routes").mkdir(parents=True)
    (web / "app" / "routes" / "channels.jsx").write_text(page)
    (web / "node_modules").mkdir()
    (web / "node_modules" / ".package-lock.json").write_text('{"packages": {"react": "19.3.1"}}')
    (web / "package-lock.json").write_text('{"lockfileVersion": 3}')
    (web / "reflex.json").write_text(json.dumps({"last_reflex_run_datetime": str(time.time())}))
    env = {"PING": f"http://localhost:{port}/ping", "EVENT": f"ws://localhost:{port}/_event", "TRANSPORT": "websocket"}
    (web / "env.json").write_text(json.dumps(env))
    return web


def env_chunk(port: int) -> bytes:
    return f"var e={{PING:`http://localhost:{port}/ping`,EVENT:`ws://localhost:{port}/_event`}};".encode()


def vite(web: Path) -> None:
    """Stands in for `reflex.utils.build.build`: writes what a Vite build writes, from env.json."""
    env = json.loads((web / "env.json").read_text())
    port = int(env["PING"].split(":")[2].split("/")[0])
    assets = web / "build" / "client" / "assets"
    assets.mkdir(parents=True)
    (assets / "reflex-env-x1.js").write_bytes(env_chunk(port))
    (assets / "reflex-env-x1.js.gz").write_bytes(gzip.compress(env_chunk(port)))
    (assets / "KaTeX_Math.ttf").write_bytes(FONT)
    (assets / "page.js").write_text((web / "app" / "routes" / "channels.jsx").read_text())
    (web / "build" / "server").mkdir()
    (web / "build" / "server" / "reflex-env-x1.js").write_bytes(env_chunk(port))


def cached_build(web: Path, calls: list[Path]) -> Callable[[], None]:
    def real() -> None:
        calls.append(web)
        vite(web)

    return build_cache.reusing(real, lambda: web, lambda: SETTINGS)


def test_the_key_leaves_out_the_port_and_timestamps_but_nothing_the_build_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = build_cache.build_key(compiled(tmp_path, 41111))
    assert build_cache.build_key(compiled(tmp_path, 52222)) == first
    assert build_cache.build_key(compiled(tmp_path / "settings", 41111), SETTINGS) != first

    changed_page = compiled(tmp_path / "page", 41111, page="<p>Channel list</p>")
    assert build_cache.build_key(changed_page) != first
    other_packages = compiled(tmp_path / "packages", 41111)
    (other_packages / "node_modules" / ".package-lock.json").write_text('{"packages": {"react": "19.3.2"}}')
    assert build_cache.build_key(other_packages) != first
    other_transport = compiled(tmp_path / "transport", 41111)
    (other_transport / "env.json").write_text((other_transport / "env.json").read_text().replace("websocket", "polling"))
    assert build_cache.build_key(other_transport) != first

    monkeypatch.setenv("REFLEX_NO_AUTOPREFIXER", "1")  # read by postcss.config.js during the build
    assert build_cache.build_key(compiled(tmp_path / "tools", 41111)) != first


def test_a_second_server_gets_the_kept_build_at_its_own_address(tmp_path: Path, builds: Path) -> None:
    calls: list[Path] = []
    first, second = compiled(tmp_path, 41111), compiled(tmp_path, 52222)
    cached_build(first, calls)()
    cached_build(second, calls)()
    assert calls == [first]

    assets = second / "build" / "client" / "assets"
    assert (assets / "reflex-env-x1.js").read_bytes() == env_chunk(52222)
    assert gzip.decompress((assets / "reflex-env-x1.js.gz").read_bytes()) == env_chunk(52222)
    assert (second / "build" / "server" / "reflex-env-x1.js").read_bytes() == env_chunk(52222)
    assert (assets / "KaTeX_Math.ttf").read_bytes() == FONT  # the port's digits elsewhere are not an address
    assert (assets / "page.js").read_text() == "<p>Channels</p>"

    kept = next(p for p in builds.iterdir() if not p.name.startswith("."))
    assert (kept / "build" / "client" / "assets" / "reflex-env-x1.js").read_bytes() == env_chunk(41111)
    assert (first / "build" / "client" / "assets" / "reflex-env-x1.js").read_bytes() == env_chunk(41111)


def test_a_changed_page_is_built_not_served_stale(tmp_path: Path) -> None:
    calls: list[Path] = []
    cached_build(compiled(tmp_path, 41111), calls)()
    changed = compiled(tmp_path / "changed", 52222, page="<p>Channel list</p>")
    cached_build(changed, calls)()
    assert calls[1:] == [changed]
    assert (changed / "build" / "client" / "assets" / "page.js").read_text() == "<p>Channel list</p>"


def _start_at(web: Path, calls_file: Path, start: float) -> None:
    def real() -> None:
        with calls_file.open("a") as out:
            out.write(f"{web.name}\n")
        time.sleep(1.0)  # a build takes a while: the other start arrives meanwhile
        vite(web)

    time.sleep(max(0.0, start - time.time()))
    build_cache.reusing(real, lambda: web, lambda: SETTINGS)()


def test_two_starts_at_once_build_once(tmp_path: Path) -> None:
    calls_file = tmp_path / "calls"
    webs = [compiled(tmp_path, port) for port in (41111, 52222)]
    start = time.time() + 0.5
    context = multiprocessing.get_context("fork")  # the children see the private BUILDS
    starts = [context.Process(target=_start_at, args=(web, calls_file, start)) for web in webs]
    for process in starts:
        process.start()
    for process in starts:
        process.join(30)
    assert [process.exitcode for process in starts] == [0, 0]
    assert len(calls_file.read_text().split()) == 1
    for web, port in zip(webs, (41111, 52222), strict=True):
        assert (web / "build" / "client" / "assets" / "reflex-env-x1.js").read_bytes() == env_chunk(port)


def test_the_builds_used_longest_ago_are_removed(tmp_path: Path, builds: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_cache, "KEEP", 2)
    keys = []
    for number in range(3):
        web = compiled(tmp_path / str(number), 41111, page=f"<p>{number}</p>")
        keys.append(build_cache.build_key(web, SETTINGS))
        cached_build(web, [])()
        os.utime(builds / keys[-1], (1_000_000 + number, 1_000_000 + number))  # used in this order
    assert sorted(p.name for p in builds.iterdir() if not p.name.startswith(".")) == sorted(keys[1:])
