"""What an agent is shown of a message's video or audio: a line saying what it is,
the timestamped transcript (or why there is none), and a video's frames, each
labelled with its moment, so a reply can cite "[01:23]" (rendered as a link that
seeks the player). Any other attached file (a PDF, a .docx …): a line saying what it
is, then its text as the knowledge parsers read it. Within budgets: a model call must
not grow without bound."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.media import MediaRef, clock, size_text

TRANSCRIPT_CHARS = 8000
"""The most transcript text one media file adds to a model call; the rest is cut with a note."""
FILE_CHARS = 12_000
"""The most of one attached file's text a model call gets; the rest is cut with a note."""
CITE = "Cite moments as [mm:ss]."


@dataclass(frozen=True)
class Watched:
    """A media file as an agent gets it: its frames as (moment, `data:` URL), its
    transcript segments (start_ms, end_ms, text), and the note when there is none."""

    ref: MediaRef
    frames: Sequence[tuple[int, str]] = ()
    segments: Sequence[tuple[int, int, str]] = ()
    note: str = ""
    text: str = ""
    """An attached file's text (kind "file")."""


def transcript_text(segments: Sequence[tuple[int, int, str]], limit: int = TRANSCRIPT_CHARS) -> str:
    """"[00:00] words…" lines, cut at `limit` characters (at a line) with a note of what is left."""
    lines: list[str] = []
    used = 0
    for index, (start_ms, _end_ms, text) in enumerate(segments):
        line = f"[{clock(start_ms)}] {' '.join(text.split())}"
        if used + len(line) > limit:
            lines.append(f"(the transcript goes on for {len(segments) - index} more segments, not shown)")
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def document(watched: Watched, limit: int = FILE_CHARS) -> str:
    """An attached file: what it is, then its text (cut at `limit` characters, saying
    how much is left) or why there is none."""
    ref = watched.ref
    head = f'[File "{ref.filename}", {size_text(ref.size)}'
    if ref.status == "processing":
        return head + ": its text is still being read.]"
    if not watched.text:
        return head + f". {watched.note or 'No text could be read from it.'}]"
    text = watched.text
    if len(text) > limit:
        text = text[:limit] + f"\n(the text goes on for {len(watched.text) - limit:,} more characters, not shown)"
    return f"{head}. Its text:]\n{text}"


def describe(watched: Watched) -> str:
    """The text part: what the file is, then its transcript or why there is none."""
    ref = watched.ref
    if ref.is_file:
        return document(watched)
    what = {"video": "Video", "audio": "Audio", "voice": "Voice message"}[ref.kind]
    head = f'[{what} "{ref.filename}", {clock(ref.duration_ms)} long'
    if ref.status == "processing":
        return head + ": still being processed, so its frames and transcript are not available yet.]"
    if ref.status == "failed":
        return head + f": it could not be processed ({ref.note or 'unknown error'}).]"
    if watched.frames:
        head += f", {len(watched.frames)} frames below"
    head += f". {CITE}]"
    if watched.segments:
        return f"{head}\nTranscript:\n{transcript_text(watched.segments)}"
    return f"{head}\nNo transcript: {watched.note or 'nothing was said.'}"


def parts(watched: Watched) -> list[dict[str, Any]]:
    """OpenAI content parts: the description, then each frame after a "Frame at mm:ss" label."""
    found: list[dict[str, Any]] = [{"type": "text", "text": describe(watched)}]
    for at_ms, url in watched.frames:
        found.append({"type": "text", "text": f"Frame at {clock(at_ms)}:"})
        found.append({"type": "image_url", "image_url": {"url": url}})
    return found
