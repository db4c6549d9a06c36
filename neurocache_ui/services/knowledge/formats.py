"""Uploaded files to text: the formats an agent can learn from, their names and
their limits (a PDF's pages and characters, an image's metadata only). Everything
but plain text is parsed in the confined parse processes (infra/parse_pool.py):
PDFs by infra/pdf_text.py, office, data and HTML files by infra/document_text.py.
A document's title (its properties' or first heading) leads its text."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from neurocache_ui.domain import limits
from neurocache_ui.domain.chunking import CHUNK_CHARS, normalize_text
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.media import AUDIO_TYPES, VIDEO_TYPES
from neurocache_ui.infra import images, parse_pool
from neurocache_ui.infra.document_text import DocumentError, read_document
from neurocache_ui.infra.pdf_text import PdfError, PdfLimits, extract_pdf_text
from neurocache_ui.services.media import learning
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

CONTENT_TYPES = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".html": "text/html",
    ".htm": "text/html",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    **VIDEO_TYPES,
    **AUDIO_TYPES,
}
PARSED = {
    "text/html": "html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "text/csv": "csv",
    "application/json": "json",
    "application/jsonl": "jsonl",
}
"""Content types read by infra/document_text.py, and its name for each."""
ZIP_SUFFIX = ".zip"
SUPPORTED = ".txt, .md, .pdf, .html, .docx, .pptx, .xlsx, .csv, .json, .jsonl, video or audio"
SUPPORTED_IMAGES = ".png, .jpg, .webp or .gif"
"""Images are found by their file name and metadata description only (_image_text)."""
def clean_filename(filename: str) -> str:
    """The file's own name (no folders), printable, within the column's length."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    if not name or name in (".", ".."):
        raise Invalid(f"The file has no name. Choose a {SUPPORTED} file.", "file")
    maximum = limits.FILENAME_MAX
    if len(name) > maximum:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: maximum - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else name[:maximum]
    return name


def content_type_of(filename: str) -> str:
    suffix = PurePosixPath(filename.lower()).suffix
    content_type = CONTENT_TYPES.get(suffix)
    if content_type is None:
        shown = suffix or "files without an extension"
        raise Invalid(
            f"{filename} is not a supported document type ({shown}). Upload a {SUPPORTED} file, or a .zip of them.", "file"
        )
    return content_type


def is_archive(filename: str) -> bool:
    return (filename or "").lower().endswith(ZIP_SUFFIX)


_DOCUMENT_REFUSALS = {
    "damaged": "{name} could not be read as a {kind} file; it may be damaged or password-protected.",
    "too_costly": "{name} took too long or too much memory to read, so it was refused. Split it into smaller files.",
}


def _document_text(filename: str, kind: str, data: bytes) -> str:
    """A parsed format's text, its title first; Invalid with the reason otherwise."""
    settings = get_settings()
    limits = parse_pool.Limits(settings.pdf_timeout_seconds, settings.pdf_cpu_seconds, settings.pdf_memory_mb * 1024 * 1024)
    max_chars = settings.knowledge_max_chunks * CHUNK_CHARS  # more could never fit in the passages allowed
    try:
        document = read_document(kind, data, limits, max_chars)
    except DocumentError as error:
        log.info("could not read %s %r: %s", kind, filename, error)
        if error.reason == "invalid":
            raise Invalid(f"{filename} {error.detail}.", "file") from None
        raise Invalid(_DOCUMENT_REFUSALS[error.reason].format(name=filename, kind=kind.upper()), "file") from None
    if document.truncated:
        raise Invalid(f"{filename} has more than {max_chars:,} characters of text. Split it into smaller files.", "file")
    title, text = document.title.strip(), document.text.strip()
    if title and text and title not in text[:500]:
        return f"# {title}\n\n{text}"
    return text


_PDF_REFUSALS = {
    "not_pdf": "{name} is not a valid PDF file.",
    "encrypted": "{name} is password-protected. Upload a PDF without a password.",
    "damaged": "{name} could not be read as a PDF; it may be damaged.",
    "too_costly": (
        "{name} took too long or too much memory to read, so it was refused. "
        "Save it again as a PDF, or upload its text as a .txt file."
    ),
}


def _pdf_text(filename: str, data: bytes) -> str:
    """The whole text, or Invalid: a truncated text would leave the agent
    silently ignorant of the rest of the document."""
    limits = PdfLimits.from_settings()
    try:
        pdf = extract_pdf_text(data, limits)
    except PdfError as error:
        log.info("could not read PDF %r: %s", filename, error)
        raise Invalid(_PDF_REFUSALS[error.reason].format(name=filename), "file") from None
    if pdf.page_count > limits.max_pages:
        raise Invalid(
            f"{filename} has {pdf.page_count:,} pages; the limit is {limits.max_pages:,}. Split it into smaller files.",
            "file",
        )
    if pdf.truncated:
        raise Invalid(
            f"{filename} has more than {limits.max_chars:,} characters of text, the limit for a PDF. "
            "Split it into smaller files.",
            "file",
        )
    return pdf.text


def _plain_text(filename: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise Invalid(f"{filename} is not readable text.", "file") from None
    if b"\x00" in data:
        raise Invalid(f"{filename} does not look like a text file. Upload a {SUPPORTED} file.", "file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older Windows editors


def _image_text(filename: str, data: bytes) -> str:
    """What an image can be found by: its name (words split out) and the text in
    its metadata (PNG Description/Title, EXIF ImageDescription). Its pixels are
    not read: no captioning or OCR here."""
    images.check(data, filename)  # a real PNG, JPEG, WebP or GIF within the pixel limit (in a parse process)
    words = re.sub(r"[_\-.]+", " ", PurePosixPath(filename).stem).strip()
    return "\n".join(part for part in (f"Image: {filename} ({words})", images.metadata_text(data, filename)) if part)


def extract_text(filename: str, data: bytes, content_type: str | None = None, *, owner_id: int | None = None) -> str:
    """A document's text, normalized; Invalid for unsupported or unreadable files.
    `content_type` when the name says nothing (a crawled page's URL); `owner_id` pays for
    describing a video's frames. Blocking: parses wait in this thread for a parse process."""
    content_type = content_type or content_type_of(filename)
    if content_type.startswith(("video/", "audio/")):
        raw = learning.knowledge_text(filename, data, owner_id)
    elif content_type == "application/pdf":
        raw = _pdf_text(filename, data)
    elif content_type in PARSED:
        raw = _document_text(filename, PARSED[content_type], data)
    elif content_type.startswith("image/"):
        raw = _image_text(filename, data)
    else:
        raw = _plain_text(filename, data)
    return normalize_text(raw)
