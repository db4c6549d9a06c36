"""The text of a file attached to a message (`kind` "file": a PDF, a .docx, a CSV …),
read once when it is sent, by the knowledge parsers in the confined parse processes
(services/knowledge/formats.py): what an agent reading the message gets
(services/media/context.py, within FILE_PROMPT_CHARS) and what a PDF's preview
shows. Files the parsers do not read (a zip, an image, a binary) are kept with a note
saying why there is no text; a video or audio file attached as a file is not
transcribed (attached as media, it would be)."""

from __future__ import annotations

from pathlib import PurePosixPath

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.media import AUDIO_TYPES, VIDEO_TYPES
from neurocache_ui.services.knowledge import formats

STORED_CHARS = 200_000
"""The most of a file's text kept (for previews and agents); the rest is cut with a note."""
NOT_READ = "No text: the hub does not read {suffix} files."
TOO_LONG = "Only the first {chars:,} characters of its text are kept."


def readable(filename: str) -> bool:
    """Whether the knowledge parsers read this kind of file (by its name) as a document."""
    suffix = PurePosixPath(filename.lower()).suffix
    content_type = formats.CONTENT_TYPES.get(suffix, "")
    return bool(content_type) and not content_type.startswith(("image/", "video/", "audio/")) and suffix not in (
        VIDEO_TYPES.keys() | AUDIO_TYPES.keys()
    )


def text_of(path: str, filename: str) -> tuple[str, str]:
    """(text, note) of the file at `path`: its text (at most STORED_CHARS) and why there
    is none or only part. Blocking: it waits in this thread for a parse process."""
    if not readable(filename):
        suffix = PurePosixPath(filename.lower()).suffix or "extension-less"
        return "", NOT_READ.format(suffix=suffix)
    with open(path, "rb") as source:
        data = source.read()
    try:
        text = formats.extract_text(filename, data)
    except Invalid as error:
        return "", f"No text: {error}"
    if len(text) > STORED_CHARS:
        return text[:STORED_CHARS], TOO_LONG.format(chars=STORED_CHARS)
    return text, "" if text.strip() else "No text: it has none that can be read."


__all__ = ["STORED_CHARS", "readable", "text_of"]
