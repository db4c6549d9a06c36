"""Parsing of untrusted bytes (web pages, PDFs, images) in a few confined child
processes, never in a thread of the server: a hostile page took 15 s of CPU to parse,
and eight of them held every thread the server had (the attachment route waited 61 s).

- NEUROCACHE_PARSE_WORKERS processes per server process, started on first use and
  replaced after MAX_TASKS tasks or a task that ran out of time, CPU or memory. Each runs `parse_worker` with an empty
  environment, at the lowest CPU priority (nice 19), without core dumps.
- Every task has limits (`Limits`): CPU seconds and memory it may add (rlimits set in
  the child for that task), and a deadline counted from when it was asked for, waiting
  included. At the deadline, or when the caller gives up (a tool's timeout cancels it),
  the process is killed: a parse never outlives the call that wanted it.
- Back-pressure: tasks wait in one queue, each within its own deadline; past
  QUEUE_LIMIT waiting, a new one is refused at once ("busy").
- Callers wait on a future, not a thread: `run` for async code; `run_blocking` for
  code already in a thread. One thread per process watches it (its pipes, its deadline).

Messages are frames: a JSON header (with the sizes of its binary parts) and the parts;
nothing is unpickled from a child."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO, Any

from neurocache_ui.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

MODULE = "neurocache_ui.infra.parse_worker"
QUEUE_LIMIT = 64
MAX_TASKS = 200
MAX_FRAME_BYTES = 64 * 1024 * 1024
"""The largest answer read from a child (a re-encoded image is the largest legitimate one)."""
_LENGTH = struct.Struct(">I")

Answer = tuple[dict[str, Any], list[bytes]]


@dataclass(frozen=True)
class Limits:
    """What one task may cost: wall-clock seconds from being asked for, CPU seconds, and
    bytes of memory (address space) it may add to its process."""

    timeout_seconds: float
    cpu_seconds: float
    memory_bytes: int


class ParseFailed(Exception):
    """The task gave no result. `reason`: "too_costly" (time, CPU or memory ran out, the
    process was killed), "busy" (too many tasks waiting), or the task's own reason
    (e.g. "invalid", "damaged"), with its `detail` (a message, for "invalid")."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# ---------------------------------------------------------------- frames (both sides)


def write_frame(out: IO[bytes], header: Mapping[str, Any], parts: Sequence[bytes] = ()) -> None:
    encoded = json.dumps({**header, "parts": [len(part) for part in parts]}).encode()
    out.write(_LENGTH.pack(len(encoded)) + encoded)
    for part in parts:
        out.write(part)
    out.flush()


def read_frame(read: Callable[[int], bytes]) -> Answer:
    """A frame through `read(n)` (exactly n bytes, or EOFError)."""
    (size,) = _LENGTH.unpack(read(_LENGTH.size))
    if size > MAX_FRAME_BYTES:
        raise ValueError("frame header too large")
    header = json.loads(read(size))
    lengths = header.pop("parts", [])
    if not isinstance(lengths, list) or sum(lengths) > MAX_FRAME_BYTES:
        raise ValueError("frame parts too large")
    return header, [read(int(length)) for length in lengths]


class _Expired(Exception):
    pass


def _reader(fd: int, deadline: float) -> Callable[[int], bytes]:
    """read(n) on a pipe that gives up at `deadline` (_Expired) or at EOF (EOFError)."""

    def read(n: int) -> bytes:
        data = bytearray()
        while len(data) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise _Expired
            chunk = os.read(fd, min(n - len(data), 1 << 20))
            if not chunk:
                raise EOFError
            data += chunk
        return bytes(data)

    return read


# ---------------------------------------------------------------- the parent side


@dataclass
class _Job:
    task: str
    header: dict[str, Any]
    parts: list[bytes]
    limits: Limits
    deadline: float
    future: Future[Answer]
    slot: _Slot | None = None
    abandoned: bool = False

    def abandon(self) -> None:
        """The caller gave up: drop the job if it waits, kill its process if it runs."""
        self.abandoned = True
        if not self.future.cancel() and self.slot is not None:
            self.slot.kill(self)


class _Slot:
    """One child process and the thread that feeds it one job at a time."""

    def __init__(self, pool: ParsePool, number: int) -> None:
        self.pool = pool
        self.process: subprocess.Popen[bytes] | None = None
        self.done = 0
        self.current: _Job | None = None
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, name=f"parse-{number}", daemon=True).start()

    def _serve(self) -> None:
        while True:
            job = self.pool.jobs.get()
            if job is None:
                self._stop()
                return
            if not job.future.set_running_or_notify_cancel():
                continue
            with self.lock:
                job.slot, self.current = self, job
            try:
                answer = self._run(job)
            except ParseFailed as failed:
                _settle(job.future, error=failed)
            else:
                _settle(job.future, answer=answer)
            finally:
                with self.lock:
                    self.current = None

    def _run(self, job: _Job) -> Answer:
        if job.deadline <= time.monotonic() or job.abandoned:
            raise ParseFailed("too_costly", "waited past its time limit")
        process = self._started()
        assert process.stdin is not None and process.stdout is not None
        limits = {"cpu_seconds": job.limits.cpu_seconds, "memory_bytes": job.limits.memory_bytes}
        try:
            write_frame(process.stdin, {"task": job.task, "limits": limits, **job.header}, job.parts)
            header, parts = read_frame(_reader(process.stdout.fileno(), job.deadline))
        except _Expired:
            self._stop()
            log.info("parse %s killed after %.1f s", job.task, job.limits.timeout_seconds)
            raise ParseFailed("too_costly", f"no answer within {job.limits.timeout_seconds:g} s") from None
        except (OSError, EOFError, ValueError):
            status = self._stop()
            log.info("parse %s ended its process (status %s)", job.task, status)
            raise ParseFailed("too_costly", f"the parser ended with status {status}") from None
        self.done += 1
        if self.done >= MAX_TASKS or header.get("error") == "too_costly":  # a fresh process for the next task
            self._stop()
        if "error" in header:
            raise ParseFailed(str(header["error"]), str(header.get("detail", "")))
        return header, parts

    def _started(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-s", "-m", MODULE],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=PROJECT_ROOT,  # `-m` finds the package from here, with no environment at all
                env={}, close_fds=True,
            )  # fmt: skip
            self.done = 0
        return self.process

    def kill(self, job: _Job) -> None:
        """Kill the process if it is still working on `job` (its thread sees it end)."""
        with self.lock:
            if self.current is job and self.process is not None and self.process.returncode is None:
                self.process.kill()

    def _stop(self) -> int | None:
        with self.lock:
            process, self.process = self.process, None
        if process is None:
            return None
        process.kill()
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
        return process.wait()


def _settle(future: Future[Answer], *, answer: Answer | None = None, error: BaseException | None = None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        assert answer is not None
        future.set_result(answer)


class ParsePool:
    """The processes of one server process (see the module's docstring)."""

    def __init__(self, size: int) -> None:
        self.jobs: queue.Queue[_Job | None] = queue.Queue()
        self.slots = [_Slot(self, number) for number in range(size)]

    def submit(self, task: str, header: Mapping[str, Any], parts: Sequence[bytes], limits: Limits) -> _Job:
        if self.jobs.qsize() >= QUEUE_LIMIT:
            raise ParseFailed("busy", "too many documents are being read right now")
        job = _Job(task, dict(header), list(parts), limits, time.monotonic() + limits.timeout_seconds, Future())
        self.jobs.put(job)
        return job

    def close(self) -> None:
        for _slot in self.slots:
            self.jobs.put(None)


_lock = threading.Lock()
_pool: tuple[int, ParsePool] | None = None


def pool() -> ParsePool:
    """This process's pool (a forked child gets its own)."""
    global _pool
    with _lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ParsePool(get_settings().parse_workers))
        return _pool[1]


async def run(task: str, header: Mapping[str, Any], parts: Sequence[bytes], limits: Limits) -> Answer:
    """The task's answer (header, parts); ParseFailed if it has none. Cancelling the
    caller kills the task's process."""
    job = pool().submit(task, header, parts, limits)
    try:
        return await asyncio.wrap_future(job.future)
    except asyncio.CancelledError:
        job.abandon()
        raise


def run_blocking(task: str, header: Mapping[str, Any], parts: Sequence[bytes], limits: Limits) -> Answer:
    """`run` for code already in a thread (it waits there; the deadline still holds)."""
    return pool().submit(task, header, parts, limits).future.result()


def shutdown() -> None:
    """End this process's parse processes (at a worker's exit)."""
    global _pool
    with _lock:
        if _pool is not None and _pool[0] == os.getpid():
            _pool[1].close()
        _pool = None


__all__ = ["Answer", "Limits", "ParseFailed", "ParsePool", "pool", "read_frame", "run", "run_blocking", "shutdown", "write_frame"]
