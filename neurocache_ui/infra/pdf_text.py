"""Text out of untrusted PDF files, read in a confined child process.

A hostile PDF can inflate and loop; parsed in the server it would stall the
worker. The child gets CPU/memory rlimits, an empty environment, a wall-clock
kill and page/character caps (docs/SECURITY.md, "Uploads"). It blocks its
thread: async callers use `asyncio.to_thread`."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import resource
import subprocess
import sys
from dataclasses import dataclass
from typing import Literal

from neurocache_ui.settings import PROJECT_ROOT, get_settings

log = logging.getLogger(__name__)

MODULE = "neurocache_ui.infra.pdf_text"
PdfFailure = Literal["not_pdf", "encrypted", "damaged", "too_costly"]


@dataclass(frozen=True)
class PdfLimits:
    """What one PDF may cost; `from_settings()` gives the configured ones."""

    max_pages: int
    max_chars: int
    timeout_seconds: float
    cpu_seconds: int
    memory_bytes: int

    @classmethod
    def from_settings(cls) -> PdfLimits:
        settings = get_settings()
        return cls(
            max_pages=settings.pdf_max_pages,
            max_chars=settings.pdf_max_chars,
            timeout_seconds=settings.pdf_timeout_seconds,
            cpu_seconds=settings.pdf_cpu_seconds,
            memory_bytes=settings.pdf_memory_mb * 1024 * 1024,
        )


@dataclass(frozen=True)
class PdfText:
    """The text of the pages read, pages separated by a blank line.

    `truncated` is true when a cap stopped the reading early: more than
    `max_pages` pages (`page_count` tells how many there are), or more than
    `max_chars` characters (the text is cut at exactly `max_chars`)."""

    text: str
    pages_read: int
    page_count: int
    truncated: bool


class PdfError(Exception):
    """The PDF was not read. `reason` is for the caller's own message:
    not_pdf (no PDF header), encrypted (needs a password), damaged (pypdf
    failed on it), too_costly (the child ran out of time, CPU or memory)."""

    def __init__(self, reason: PdfFailure, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: PdfFailure = reason


def extract_pdf_text(data: bytes, limits: PdfLimits | None = None) -> PdfText:
    """Read `data` as a PDF in a confined child process; PdfError if it cannot be read."""
    if not data.startswith(b"%PDF-"):
        raise PdfError("not_pdf")
    limits = limits or PdfLimits.from_settings()
    try:
        done = subprocess.run(
            [sys.executable, "-s", "-m", MODULE, json.dumps(dataclasses.asdict(limits))],
            input=data,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # pypdf warns per damaged object: unbounded, and nothing we show
            cwd=PROJECT_ROOT,  # `-m` finds the package from here, with no environment at all
            env={},
            timeout=limits.timeout_seconds,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        log.info("PDF parser killed after %.1f s", limits.timeout_seconds)
        raise PdfError("too_costly", f"no answer within {limits.timeout_seconds:g} s") from None
    if done.returncode != 0:  # SIGXCPU/SIGKILL from RLIMIT_CPU, or an interpreter that could not start
        log.info("PDF parser ended with status %s", done.returncode)
        raise PdfError("too_costly", f"parser ended with status {done.returncode}")
    answer = json.loads(done.stdout)
    if "error" in answer:
        raise PdfError(answer["error"], answer.get("detail", ""))
    return PdfText(**answer)


# ---------------------------------------------------------------- the child process


def _confine(limits: PdfLimits) -> None:
    """Limits of this (child) process; SIGXCPU at the soft CPU limit, SIGKILL a second later."""
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _read(data: bytes, limits: PdfLimits) -> PdfText:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise PdfError("encrypted")
    page_count = len(reader.pages)
    text = ""
    pages_read = 0
    for index in range(min(page_count, limits.max_pages)):
        page_text = ("\n\n" if index else "") + (reader.pages[index].extract_text() or "")
        pages_read += 1
        if len(text) + len(page_text) > limits.max_chars:
            return PdfText(text=(text + page_text)[: limits.max_chars], pages_read=pages_read,
                           page_count=page_count, truncated=True)
        text += page_text
    return PdfText(text=text, pages_read=pages_read, page_count=page_count, truncated=page_count > pages_read)


def _child_main() -> None:
    """Read the PDF from stdin, write one JSON object (a PdfText or an error) to stdout."""
    limits = PdfLimits(**json.loads(sys.argv[1]))
    _confine(limits)
    logging.disable(logging.CRITICAL)  # see stderr=DEVNULL above
    from pypdf.errors import (
        LimitReachedError,  # pypdf's own caps, e.g. on inflated stream size
    )

    data = sys.stdin.buffer.read()
    try:
        answer: dict[str, object] = dataclasses.asdict(_read(data, limits))
    except PdfError as error:
        answer = {"error": error.reason}
    except (MemoryError, LimitReachedError) as error:
        answer = {"error": "too_costly", "detail": type(error).__name__}
    except Exception as error:  # pypdf raises many kinds of errors (and RecursionError) for damaged files
        answer = {"error": "damaged", "detail": type(error).__name__}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    _child_main()


__all__ = ["PdfError", "PdfLimits", "PdfText", "extract_pdf_text"]
