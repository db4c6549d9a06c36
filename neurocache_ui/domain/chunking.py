"""A document's text, normalised and cut into passages, the unit of knowledge
retrieval: cut between sentences, with a short overlap so a fact split across
a boundary is still found."""

from __future__ import annotations

import re
from bisect import bisect_right
from pathlib import PurePosixPath

CHUNK_CHARS = 800
OVERLAP_CHARS = 150
CHUNK_CHARS_MIN, CHUNK_CHARS_MAX = 200, 4000
OVERLAP_CHARS_MAX = 1000
"""Per-agent bounds (domain/agent_settings.py); an overlap is never more than half a passage."""
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ #]*$", re.M)
_PROBE_CHARS = 60
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def normalize_text(text: str) -> str:
    """Unix newlines, no control characters, single spaces, at most one blank line in a row."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = _CONTROL.sub("", text)
    lines = [re.sub(r" {2,}", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _hard_split(text: str, size: int) -> list[str]:
    """Cut a piece longer than `size` at spaces (or anywhere, for one huge word)."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind(" ", 0, size + 1)
        if cut <= size // 2:
            cut = size
        parts.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        parts.append(text)
    return parts


def _pieces(text: str, size: int) -> list[tuple[str, str]]:
    """(separator before, text) for every sentence: "\n\n" starts a paragraph,
    "\n" a line, " " the next sentence on a line."""
    pieces: list[tuple[str, str]] = []
    for paragraph in re.split(r"\n\s*\n", text):
        separator = "\n\n"
        for line in paragraph.split("\n"):
            line = line.strip()
            if not line:
                continue
            for sentence in _SENTENCE_END.split(line):
                for part in _hard_split(sentence.strip(), size):
                    pieces.append((separator, part))
                    separator = " "
            separator = "\n" if separator == " " else separator
    return pieces


def _render(pieces: list[tuple[str, str]]) -> str:
    return "".join(text if i == 0 else sep + text for i, (sep, text) in enumerate(pieces))


def chunk_text(text: str, size: int = CHUNK_CHARS, overlap: int = OVERLAP_CHARS) -> list[str]:
    """Passages of at most `size` characters, cut between sentences (preferring
    paragraph and line breaks as they come), each starting with up to `overlap`
    characters of whole sentences from the end of the previous one (at most half of `size`)."""
    overlap = max(0, min(overlap, size // 2))
    chunks: list[str] = []
    current: list[tuple[str, str]] = []
    for separator, piece in _pieces(text, size):
        if current and len(_render([*current, (separator, piece)])) > size:
            chunks.append(_render(current))
            tail: list[tuple[str, str]] = []
            for item in reversed(current):
                if len(_render([item, *tail])) > overlap:
                    break
                tail.insert(0, item)
            current = tail if len(_render([*tail, (separator, piece)])) <= size else []
        current.append((separator, piece))
    if current:
        chunks.append(_render(current))
    return chunks


def title_of(filename: str) -> str:
    """A document's name as words: "refund-policy_2024.md" -> "refund policy 2024"."""
    stem = PurePosixPath(filename).stem if "." in filename else filename
    return " ".join(re.sub(r"[_\-.]+", " ", stem).split())


def headings(text: str, chunks: list[str]) -> list[str]:
    """For each passage of `text` (in order), the nearest Markdown heading at or
    before where it starts ("" for none): what the passage is about, when it does
    not say so itself."""
    found = [(match.start(), match.group(1).strip()) for match in _HEADING.finditer(text)]
    if not found:
        return ["" for _ in chunks]
    starts = [start for start, _ in found]
    result: list[str] = []
    position = 0
    for chunk in chunks:
        at = text.find(chunk[:_PROBE_CHARS], position)
        position = at if at >= 0 else position
        index = bisect_right(starts, position + len(chunk[:_PROBE_CHARS]) - 1) - 1
        result.append(found[index][1] if index >= 0 else "")
    return result


def embedding_text(title: str, heading: str, content: str) -> str:
    """What a passage is embedded as: its document's title and heading give a passage
    that only says "it" or "this" its subject."""
    parts = [title] if title and title.lower() not in content[:200].lower() else []
    if heading and heading.lower() not in content[:200].lower() and heading.lower() != title.lower():
        parts.append(heading)
    return "\n".join([*parts, content])
