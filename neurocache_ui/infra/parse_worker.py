"""A parse process of infra/parse_pool.py: reads one task at a time from stdin, answers
it on stdout, under the limits the task came with.

Started with an empty environment, at the lowest CPU priority (nice 19: a page
that takes seconds to parse slows the parse, not the hub's answers), without core
dumps. For each task it sets its CPU limit (RLIMIT_CPU: SIGXCPU kills it past the
task's CPU seconds) and its memory limit (RLIMIT_AS: what it has now plus the task's
memory) and lifts them again afterwards; the parent kills it at the task's deadline.
Anything a library prints goes nowhere: stdout carries only frames."""

from __future__ import annotations

import logging
import math
import os
import resource
import sys
import warnings
from collections.abc import Callable
from typing import Any

from neurocache_ui.infra.parse_pool import Answer, ParseFailed, read_frame, write_frame

Task = Callable[[dict[str, Any], list[bytes]], Answer]
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def _task(name: str) -> Task:
    """The function for a task name; each lives with the code that knows its format."""
    if name == "html":
        from neurocache_ui.infra.web.extract import html_task

        return html_task
    if name == "links":
        from neurocache_ui.infra.web.extract import links_task

        return links_task
    if name == "document":
        from neurocache_ui.infra.document_text import document_task

        return document_task
    if name == "pdf":
        from neurocache_ui.infra.pdf_text import pdf_task

        return pdf_task
    if name.startswith("image_"):
        from neurocache_ui.infra import images

        tasks = {"image_upload": images.upload_task, "image_check": images.check_task, "image_for_model": images.model_task,
                 "image_avatar": images.avatar_task}
        if name in tasks:
            return tasks[name]
    if name.startswith("media_"):
        from neurocache_ui.infra import media_decode

        tasks = {"media_probe": media_decode.probe_task, "media_frames": media_decode.frames_task, "media_audio": media_decode.audio_task}
        if name in tasks:
            return tasks[name]
    raise ParseFailed("failed", f"no task {name!r}")


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * PAGE_BYTES


def _confine(cpu_seconds: float, memory_bytes: int) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    for limit, soft in (
        (resource.RLIMIT_CPU, math.ceil(used + cpu_seconds)),
        (resource.RLIMIT_AS, _address_space() + int(memory_bytes)),
    ):
        hard = resource.getrlimit(limit)[1]
        resource.setrlimit(limit, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _release() -> None:
    for limit in (resource.RLIMIT_CPU, resource.RLIMIT_AS):
        hard = resource.getrlimit(limit)[1]
        resource.setrlimit(limit, (hard, hard))


def _answer(header: dict[str, Any], parts: list[bytes]) -> Answer:
    task = str(header.pop("task", ""))
    limits = header.pop("limits", {})
    _confine(float(limits.get("cpu_seconds", 10)), int(limits.get("memory_bytes", 512 * 1024 * 1024)))
    try:
        return _task(task)(header, parts)
    except ParseFailed as failed:
        return {"error": failed.reason, "detail": failed.detail}, []
    except (MemoryError, RecursionError) as error:
        return {"error": "too_costly", "detail": type(error).__name__}, []
    except Exception as error:  # parsers raise many kinds of errors on hostile input
        return {"error": "failed", "detail": type(error).__name__}, []
    finally:
        _release()


def main() -> None:
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    source = sys.stdin.buffer
    os.nice(19)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")

    def read(n: int) -> bytes:
        data = source.read(n)
        if len(data) < n:
            raise EOFError
        return data

    while True:
        try:
            header, parts = read_frame(read)
        except EOFError:  # the server closed the pipe: it is done with us
            return
        write_frame(out, *_answer(header, parts))


if __name__ == "__main__":
    main()
