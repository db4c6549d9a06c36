"""A .zip of knowledge documents: what it may hold and how its files come out.

The whole archive is refused (Invalid) when it is not a zip, is larger than
NEUROCACHE_KNOWLEDGE_ZIP_MAX_BYTES, lists more than NEUROCACHE_KNOWLEDGE_ZIP_MAX_FILES
entries, would unpack to more than NEUROCACHE_KNOWLEDGE_ZIP_MAX_UNPACKED_BYTES, or has
an entry that inflates like a bomb (domain/ingestion.ZIP_RATIO_MAX). Single entries are
skipped, each with its reason: names that climb out (`..`), absolute paths, symbolic
links, password-protected entries, archives inside the archive, unsupported or empty
files, files over NEUROCACHE_MAX_UPLOAD_BYTES. Entries come out one at a time, each
read at most to its declared size (zipfile stops there and checks the CRC), so no
more than one file is in memory besides the upload itself."""

from __future__ import annotations

import io
import stat
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from neurocache_ui.domain import limits
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.ingestion import ZIP_RATIO_FROM, ZIP_RATIO_MAX, member_path, member_refusal
from neurocache_ui.services.knowledge.documents import size_text
from neurocache_ui.services.knowledge.formats import CONTENT_TYPES, SUPPORTED, is_archive
from neurocache_ui.settings import get_settings

IGNORED_PREFIXES = ("__MACOSX/",)
"""Folders archivers add for their own bookkeeping: not documents, not worth a reason."""
ENCRYPTED_FLAG = 0x1


@dataclass(frozen=True)
class Skipped:
    """A file not added: its name and why, as a sentence for people."""

    name: str
    reason: str


@dataclass(frozen=True)
class Member:
    """A file of the archive to learn from: its name (path inside the archive) and bytes."""

    name: str
    content_type: str
    data: bytes


def member_name(path: str) -> str:
    """A readable document name for the entry (its path, control characters dropped),
    its end kept when too long, since the end names the file."""
    name = "".join(ch for ch in unicodedata.normalize("NFC", member_path(path)) if unicodedata.category(ch)[0] != "C")
    return name[-limits.FILENAME_MAX:]


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _refusal(info: zipfile.ZipInfo, max_file: int) -> str | None:
    """Why one entry is skipped (None: it is read)."""
    name = info.filename
    bad_name = member_refusal(name)
    if bad_name:
        return bad_name
    if _is_symlink(info):
        return "is a symbolic link"
    if info.flag_bits & ENCRYPTED_FLAG:
        return "is password-protected"
    if is_archive(name):
        return "is an archive inside the archive; unpack it and add its files"
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name.rsplit("/", 1)[-1] else ""
    if suffix not in CONTENT_TYPES:
        return f"is not a supported document type ({SUPPORTED})"
    if info.file_size == 0:
        return "is empty"
    if info.file_size > max_file:
        return f"is larger than the {size_text(max_file)} limit for one document"
    return None


def _ignored(info: zipfile.ZipInfo) -> bool:
    base = info.filename.rstrip("/").rsplit("/", 1)[-1]
    return info.is_dir() or info.filename.startswith(IGNORED_PREFIXES) or base.startswith(".")


class Archive:
    """An uploaded .zip, checked as a whole on opening (Invalid otherwise)."""

    def __init__(self, filename: str, data: bytes) -> None:
        settings = get_settings()
        self.filename = filename
        if len(data) > settings.knowledge_zip_max_bytes:
            raise Invalid(
                f"{filename} is too large ({size_text(len(data))}); a .zip may be at most {size_text(settings.knowledge_zip_max_bytes)}.",
                "file",
            )
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            entries = self.zip.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            raise Invalid(f"{filename} is not a readable .zip archive.", "file") from None
        if len(entries) > settings.knowledge_zip_max_files:
            raise Invalid(
                f"{filename} has {len(entries):,} entries; a .zip may hold at most {settings.knowledge_zip_max_files:,}.",
                "file",
            )
        unpacked = sum(info.file_size for info in entries)
        if unpacked > settings.knowledge_zip_max_unpacked_bytes:
            raise Invalid(
                f"{filename} would unpack to {size_text(unpacked)}; the limit is {size_text(settings.knowledge_zip_max_unpacked_bytes)}.",
                "file",
            )
        for info in entries:
            if info.file_size > ZIP_RATIO_FROM and info.file_size > ZIP_RATIO_MAX * max(info.compress_size, 1):
                raise Invalid(
                    f"{filename} was refused: {member_name(info.filename)} would inflate "
                    f"{info.file_size // max(info.compress_size, 1):,} times (a zip bomb?).",
                    "file",
                )
        self.entries = [info for info in entries if not _ignored(info)]

    def members(self) -> Iterator[Member | Skipped]:
        """Each entry in turn: a Member to learn from, or Skipped with its reason."""
        max_file = get_settings().max_upload_bytes
        for info in self.entries:
            reason = _refusal(info, max_file)
            if reason:
                shown = "".join(ch for ch in info.filename if ch.isprintable())[-limits.FILENAME_MAX:]
                yield Skipped(shown, f"{shown} {reason}.")
                continue
            name = member_name(info.filename)
            try:
                with self.zip.open(info) as entry:
                    data = entry.read(info.file_size + 1)
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
                yield Skipped(name, f"{name} could not be unpacked; it may be damaged or use an unsupported compression.")
                continue
            if len(data) != info.file_size:
                yield Skipped(name, f"{name} does not match its size in the archive; it may be damaged.")
                continue
            suffix = "." + name.rsplit(".", 1)[-1].lower()
            yield Member(name, CONTENT_TYPES[suffix], data)
