"""Text out of untrusted PDF files, read in the confined parse processes
(infra/parse_pool.py).

A hostile PDF can inflate and loop; parsed in the server it would stall the
worker. The parse process gets the task's CPU and memory limits, a wall-clock kill
and page/character caps (docs/SECURITY.md, "Uploads"). `read_pdf` waits without
holding a thread; `extract_pdf_text` is for code already in one."""

from __future__ import annotations

import dataclasses
import io
import logging
from dataclasses import dataclass
from typing import Any, Literal

from neurocache_ui.infra import parse_pool
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

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


def _task(data: bytes, limits: PdfLimits | None) -> tuple[dict[str, Any], parse_pool.Limits]:
    if not data.startswith(b"%PDF-"):
        raise PdfError("not_pdf")
    limits = limits or PdfLimits.from_settings()
    header = {"max_pages": limits.max_pages, "max_chars": limits.max_chars}
    return header, parse_pool.Limits(limits.timeout_seconds, limits.cpu_seconds, limits.memory_bytes)


def _text(answer: parse_pool.Answer) -> PdfText:
    header, parts = answer
    return PdfText(text=parts[0].decode(), **header)


def _refused(failed: parse_pool.ParseFailed) -> PdfError:
    reason = failed.reason if failed.reason in ("not_pdf", "encrypted", "damaged") else "too_costly"
    log.info("PDF not read: %s", failed)
    return PdfError(reason, failed.detail)  # type: ignore[arg-type]


async def read_pdf(data: bytes, limits: PdfLimits | None = None) -> PdfText:
    """Read `data` as a PDF in a parse process; PdfError if it cannot be read."""
    header, task_limits = _task(data, limits)
    try:
        return _text(await parse_pool.run("pdf", header, [data], task_limits))
    except parse_pool.ParseFailed as failed:
        raise _refused(failed) from None


def extract_pdf_text(data: bytes, limits: PdfLimits | None = None) -> PdfText:
    """`read_pdf` for code already in a thread."""
    header, task_limits = _task(data, limits)
    try:
        return _text(parse_pool.run_blocking("pdf", header, [data], task_limits))
    except parse_pool.ParseFailed as failed:
        raise _refused(failed) from None


# ---------------------------------------------------------------- in the parse process


def _read(data: bytes, max_pages: int, max_chars: int) -> PdfText:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise PdfError("encrypted")
    page_count = len(reader.pages)
    text = ""
    pages_read = 0
    for index in range(min(page_count, max_pages)):
        page_text = ("\n\n" if index else "") + (reader.pages[index].extract_text() or "")
        pages_read += 1
        if len(text) + len(page_text) > max_chars:
            return PdfText(text=(text + page_text)[:max_chars], pages_read=pages_read,
                           page_count=page_count, truncated=True)
        text += page_text
    return PdfText(text=text, pages_read=pages_read, page_count=page_count, truncated=page_count > pages_read)


def pdf_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """The parse process's "pdf" task: (page counts, [the text as UTF-8])."""
    from pypdf.errors import LimitReachedError  # pypdf's own caps, e.g. on inflated stream size

    try:
        pdf = _read(parts[0], int(header["max_pages"]), int(header["max_chars"]))
    except PdfError as error:
        raise parse_pool.ParseFailed(error.reason) from None
    except LimitReachedError as error:
        raise parse_pool.ParseFailed("too_costly", type(error).__name__) from None
    except (MemoryError, RecursionError):
        raise
    except Exception as error:  # pypdf raises many kinds of errors for damaged files
        raise parse_pool.ParseFailed("damaged", type(error).__name__) from None
    fields = dataclasses.asdict(pdf)
    return {key: value for key, value in fields.items() if key != "text"}, [fields["text"].encode()]


__all__ = ["PdfError", "PdfLimits", "PdfText", "extract_pdf_text", "pdf_task", "read_pdf"]
