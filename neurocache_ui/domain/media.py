"""Video, audio and other files in channels: what a message carries of its media
(`MediaRef`), which files count as media, and timestamps as people write them ("01:23").

A file of any other kind (PDF, zip, CSV …, `kind` "file", attached with "Attach a
file") is stored and served by the same path, but only ever downloaded
(`Content-Disposition: attachment`); PDFs and text files also get a plain-text
preview (`previewable`), and its text, when the knowledge parsers can read it, is
what an agent gets instead of a transcript.

The bytes live in the database in chunks (store/media_models.py) and are served by
MEDIA_PATH to the channel's members only; frames and transcript are made in the
background (services/media/) and change the ref's `status` and `progress`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

MediaKind = Literal["video", "audio", "voice", "file"]
MediaStatus = Literal["processing", "ready", "failed"]
MEDIA_PATH = "/media"
"""Where the hub serves media (api/media.py), same origin, with range requests."""

VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".mov": "video/quicktime", ".mkv": "video/x-matroska"}
AUDIO_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".weba": "audio/webm",
}
FILE_KIND: MediaKind = "file"
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".csv", ".tsv", ".json", ".jsonl", ".log", ".xml", ".yaml", ".yml"})
"""Files previewed as their first lines of text."""
PREVIEW_LINES = 200
FILE_TYPES = {".pdf": "application/pdf", ".zip": "application/zip", ".txt": "text/plain", ".md": "text/markdown",
              ".csv": "text/csv", ".json": "application/json",
              ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
"""What a downloaded file says it is; any other name is application/octet-stream (never guessed from its bytes)."""
SUPPORTED = "MP4, WebM, MOV or MKV video; MP3, M4A, WAV, OGG or WebM audio"
TIMESTAMP = re.compile(r"\[(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\]")
"""A moment cited in a reply: [01:23] or [1:02:03]."""


@dataclass(frozen=True, slots=True)
class MediaRef:
    """What a viewer needs to show a message's video or audio; the bytes, poster and
    transcript are fetched from MEDIA_PATH by members of the channel only."""

    id: int
    kind: MediaKind
    filename: str
    duration_ms: int = 0
    status: MediaStatus = "processing"
    progress: int = 0
    """Percent of the processing done (frames, then transcript), while `status` is processing."""
    note: str = ""
    """Why processing failed, or why there is no transcript; "" when all went well."""
    transcript: bool = False
    """Whether a transcript exists (its text is fetched on demand); for a file, whether its text could be read."""
    size: int = 0
    """Bytes, shown on a file's chip (0 in rows stored before files existed)."""

    @property
    def url(self) -> str:
        return f"{MEDIA_PATH}/{self.id}"

    @property
    def poster_url(self) -> str:
        return f"{MEDIA_PATH}/{self.id}/poster"

    def to_row(self) -> list[Any]:
        return [self.id, self.kind, self.filename, self.duration_ms, self.status, self.progress, self.note, self.transcript,
                self.size]

    @property
    def is_file(self) -> bool:
        return self.kind == FILE_KIND

    @property
    def preview_url(self) -> str:
        """Its plain-text preview, "" when it has none (only PDFs and text files do)."""
        return f"{MEDIA_PATH}/{self.id}/preview" if self.is_file and previewable(self.filename) else ""


def media_of(items: Iterable[Any] | None) -> tuple[MediaRef, ...]:
    """Media refs from their stored forms (a `to_row()` list, a dict of fields) or as they are."""
    found: list[MediaRef] = []
    for item in items or ():
        if isinstance(item, MediaRef):
            found.append(item)
        elif isinstance(item, dict):
            found.append(MediaRef(**{key: item[key] for key in MediaRef.__slots__ if key in item}))
        else:
            found.append(MediaRef(*item))
    return tuple(found)


def kind_of(filename: str, content_type: str = "") -> MediaKind | None:
    """"video", "audio" or None, from the name's extension (a browser's `.webm` from
    a microphone says audio/webm); the decoder checks the bytes later whatever this says."""
    suffix = _suffix(filename)
    if suffix == ".webm" and content_type.startswith("audio/"):
        return "audio"
    if suffix in VIDEO_TYPES:
        return "video"
    if suffix in AUDIO_TYPES:
        return "audio"
    return None


def _suffix(filename: str) -> str:
    return "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def is_text_file(filename: str) -> bool:
    """A file previewed as its own first lines (by its name)."""
    return _suffix(filename) in TEXT_SUFFIXES


def previewable(filename: str) -> bool:
    """PDFs (their extracted text) and text files (their first lines) have a preview."""
    return _suffix(filename) == ".pdf" or is_text_file(filename)


def size_text(size: int) -> str:
    """"512 B", "14 KB", "20.1 MB": a file's size as its chip shows it."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def content_type_of(filename: str, kind: MediaKind) -> str:
    """The type the media is served as, from its name (never from what the uploader said)."""
    suffix = _suffix(filename)
    if kind == FILE_KIND:
        return FILE_TYPES.get(suffix, "application/octet-stream")
    if suffix == ".webm":
        return "video/webm" if kind == "video" else "audio/webm"
    return VIDEO_TYPES.get(suffix) or AUDIO_TYPES.get(suffix) or "application/octet-stream"


def clock(milliseconds: int) -> str:
    """"mm:ss" (or "h:mm:ss" from an hour), as replies cite moments and players show them."""
    seconds = max(0, int(milliseconds) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def seconds_of(match: re.Match[str]) -> int:
    """The second a TIMESTAMP match points at."""
    hours, minutes, secs = match.group(1), match.group(2), match.group(3)
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs)
