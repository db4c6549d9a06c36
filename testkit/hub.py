"""The real app as `make run` serves it (`reflex run --env prod --single-port`), on a free port.

Each server gets private build and state directories (the build embeds the port;
Reflex empties the states directory on start). A new build directory hard-links
the installed node_modules of a template instead of copying 250 MB, so a start
costs a compile, not an npm install; and the Vite build of the compiled app is
made once and reused, re-addressed to each server's port, while its input is
unchanged (testkit/build_cache.py)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Self

import httpx

from testkit.servers import PROJECT_ROOT, free_port

VENV_BIN = Path(sys.executable).parent
START_TIMEOUT = 240.0
REFLEX_RUN = [sys.executable, "-m", "testkit.build_cache", "run", "--env", "prod", "--single-port"]
"""`reflex run --env prod --single-port`, its frontend build reused when unchanged."""
# The configuration contract plus Reflex's own switches: never inherited from the
# developer's shell, so a server runs with exactly what it is given.
_CONTROLLED_ENV = re.compile(r"^(DATABASE_URL|REDIS_URL|HOST|PORT|OPENAI_.*|NEUROCACHE_.*|GRANIAN_.*|REFLEX_.*)$")
TEMPLATES = Path(tempfile.gettempdir()) / "neurocache-web-templates"


def _packages_key(directory: Path) -> str | None:
    """Which node_modules a directory's lockfiles describe (with the Reflex version), or None."""
    files = [directory / "package.json", directory / "package-lock.json"]
    if not all(path.is_file() for path in files):
        return None
    digest = hashlib.sha256(importlib.metadata.version("reflex").encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _clone_web(source: Path, target: Path, log: Path) -> None:
    """Copy a build directory, hard-linking node_modules (read-only during a build).

    npm's hidden lockfile is rewritten in place by an install, so it gets its own copy.
    The source's build output is left behind: every start replaces it."""
    target.mkdir(parents=True)
    with log.open("ab") as out:
        for entry in source.iterdir():
            if entry.name == "build":
                continue
            if entry.name == "node_modules":
                linked = subprocess.run(["cp", "-al", str(entry), str(target)], stdout=out, stderr=out, check=False)
                hidden = target / "node_modules" / ".package-lock.json"
                if linked.returncode == 0 and hidden.exists():
                    hidden.unlink()
                    shutil.copy2(entry / ".package-lock.json", hidden)
                if linked.returncode == 0:
                    continue
            subprocess.run(["cp", "-a", str(entry), str(target)], stdout=out, stderr=out, check=False)


def _template() -> Path | None:
    """The project's own `.web` if installed, else a kept template for the locked packages."""
    project_web = PROJECT_ROOT / ".web"
    if (project_web / "node_modules").is_dir():
        return project_web
    key = _packages_key(PROJECT_ROOT / "reflex.lock")
    kept = TEMPLATES / key if key else None
    return kept if kept is not None and kept.is_dir() else None


def _keep_template(web_dir: Path, log: Path) -> None:
    """After a start that installed node_modules, keep a copy for later servers and runs."""
    key = _packages_key(web_dir)
    if key is None or (TEMPLATES / key).is_dir() or not (web_dir / "node_modules").is_dir():
        return
    staging = TEMPLATES / f".{key}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    _clone_web(web_dir, staging, log)
    try:
        staging.rename(TEMPLATES / key)  # atomic: concurrent runs see all of it or nothing
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)  # another run kept one first


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


class HubServer:
    """One running app: `start()` returns once GET / is 200 and /ping answers."""

    def __init__(
        self,
        workdir: Path,
        *,
        database_url: str,
        redis_url: str | None = None,
        workers: int | None = None,
        env: Mapping[str, str] | None = None,
        command: Sequence[str] = REFLEX_RUN,
    ) -> None:
        self.workdir = workdir
        self.port = free_port()
        self.log_path = workdir / "server.log"
        self.command = list(command)
        self.env = {key: value for key, value in os.environ.items() if not _CONTROLLED_ENV.match(key)}
        self.env.update(
            PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            PORT=str(self.port),
            DATABASE_URL=database_url,
            REFLEX_USE_NPM="1",
            REFLEX_TELEMETRY_ENABLED="false",
            REFLEX_WEB_WORKDIR=str(workdir / "web"),
            REFLEX_STATES_WORKDIR=str(workdir / "states"),
            # A test run keeps a dozen hub processes on one Postgres (100 connections): few idle ones each.
            NEUROCACHE_DB_POOL_SIZE="2",
        )
        if redis_url:
            self.env["REDIS_URL"] = redis_url
        if workers:
            self.env["GRANIAN_WORKERS"] = str(workers)
        self.env.update(env or {})
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        web_dir = self.workdir / "web"
        template = _template()
        if template is not None and not web_dir.exists():
            _clone_web(template, web_dir, self.log_path)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command, cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    if client.get(self.url + "/").status_code == 200 and client.get(self.url + "/ping").status_code == 200:
                        if template is None:
                            _keep_template(web_dir, self.log_path)
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"server did not answer on {self.url} within {START_TIMEOUT:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """End the whole process group: `reflex run` plus every worker it forked."""
        if self.process is None:
            return
        group = self.process.pid  # start_new_session: the group id is the leader's pid
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(group, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and _group_alive(group):
                self.process.poll()  # reap the leader, else its zombie keeps the group alive
                time.sleep(0.1)
        self.process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
