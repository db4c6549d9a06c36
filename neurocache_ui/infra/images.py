"""Images through Pillow, in the confined parse processes (infra/parse_pool.py): what an
uploaded file really is (decoded, never trusted by its name or the browser's content
type), a clean copy to keep (EXIF, GPS, comments and text chunks dropped, the EXIF
orientation applied), thumbnails, copies small enough for a model, and the text an
image carries in its metadata (for knowledge search). Refuses decompression bombs
before any pixel is decoded. The server waits for the parse process without holding
a thread (`clean_upload`, `for_model`); `check` is for code already in a thread."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra import parse_pool
from neurocache_ui.settings import get_settings

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 40_000_000
"""The most pixels an image may have (e.g. 8000 x 5000), all frames of an animation
together: a small file can claim billions (a decompression bomb), which would take
gigabytes to decode."""
THUMBNAIL_SIDE = 320
MODEL_SIDE = 2000
PARSE_SECONDS = 20.0
PARSE_CPU_SECONDS = 10.0
_TEXT_KEYS = ("Description", "Title", "Subject", "Comment", "Keywords", "Author", "Caption", "ImageDescription")
_EXIF_DESCRIPTION = 0x010E  # ImageDescription
UNSUPPORTED = "is not a PNG, JPEG, WebP or GIF image"


@dataclass(frozen=True)
class Decoded:
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Cleaned:
    """An uploaded image as it is kept: re-encoded in its own format without metadata
    (orientation applied), and its WebP thumbnail."""

    content_type: str
    width: int
    height: int
    data: bytes
    thumbnail: bytes


# ---------------------------------------------------------------- in the server


def _limits() -> parse_pool.Limits:
    return parse_pool.Limits(PARSE_SECONDS, PARSE_CPU_SECONDS, get_settings().parse_memory_mb * 1024 * 1024)


def _invalid(failed: parse_pool.ParseFailed, name: str) -> Invalid:
    if failed.reason == "invalid":
        return Invalid(failed.detail, "file")
    if failed.reason == "busy":
        return Invalid(f"{name} could not be checked right now: too many files are being read. Try again in a moment.", "file")
    return Invalid(f"{name} took too long or too much memory to read, so it was refused.", "file")


async def clean_upload(data: bytes, name: str) -> Cleaned:
    """Invalid unless `data` is a whole PNG, JPEG, WebP or GIF within MAX_PIXELS; else the
    copy to keep and its thumbnail."""
    try:
        header, (clean, thumb) = await parse_pool.run("image_upload", {"name": name}, [data], _limits())
    except parse_pool.ParseFailed as failed:
        raise _invalid(failed, name) from None
    return Cleaned(str(header["content_type"]), int(header["width"]), int(header["height"]), clean, thumb)


async def for_model(data: bytes, content_type: str, name: str = "image") -> tuple[bytes, str]:
    """(bytes, content type) with the long side at most MODEL_SIDE; small PNG, JPEG and
    WebP files pass unchanged, GIFs become a PNG of their first frame."""
    try:
        header, (body,) = await parse_pool.run(
            "image_for_model", {"name": name, "content_type": content_type}, [data], _limits()
        )
    except parse_pool.ParseFailed as failed:
        raise _invalid(failed, name) from None
    return body, str(header["content_type"])


async def avatars(data: bytes, name: str, sizes: tuple[int, ...]) -> list[bytes]:
    """Invalid unless `data` is a whole supported image within MAX_PIXELS; else one square
    WebP per size in `sizes` (the middle of the first frame, upright, no metadata)."""
    try:
        _header, parts = await parse_pool.run("image_avatar", {"name": name, "sizes": list(sizes)}, [data], _limits())
    except parse_pool.ParseFailed as failed:
        raise _invalid(failed, name) from None
    return list(parts)


def check(data: bytes, name: str) -> Decoded:
    """Invalid unless `data` decodes as a whole supported image (from code in a thread)."""
    try:
        header, _parts = parse_pool.run_blocking("image_check", {"name": name}, [data], _limits())
    except parse_pool.ParseFailed as failed:
        raise _invalid(failed, name) from None
    return Decoded(str(header["content_type"]), int(header["width"]), int(header["height"]))


def sniffed_type(data: bytes) -> str | None:
    """The content type the first bytes announce (PNG, JPEG, WebP, GIF), or None; no decoding."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def metadata_text(data: bytes, name: str = "image") -> str:
    """The words an image carries about itself: PNG text chunks (tEXt/iTXt) such as
    Description or Title, and EXIF ImageDescription; "" if none. Reads headers only
    (no pixels), so it runs where it is called."""
    image = _open(data, name)
    found: list[str] = []
    for key, value in (getattr(image, "text", None) or image.info or {}).items():
        if key in _TEXT_KEYS and isinstance(value, str) and value.strip():
            found.append(value.strip())
    try:
        description = image.getexif().get(_EXIF_DESCRIPTION)
    except Exception:  # broken EXIF is no reason to refuse the image
        description = None
    if isinstance(description, bytes):
        description = description.decode("utf-8", "replace")
    if isinstance(description, str) and description.strip() and description.strip() not in found:
        found.append(description.strip())
    return "\n".join(found)


# ---------------------------------------------------------------- Pillow (in a parse process)


def _open(data: bytes, name: str) -> Image.Image:
    """The image, its header read and its size checked; pixels not decoded yet."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(CONTENT_TYPES))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Invalid(_too_many_pixels(name), "file") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise Invalid(f"{name} {UNSUPPORTED}.", "file") from None
    width, height = image.size
    if width * height * getattr(image, "n_frames", 1) > MAX_PIXELS:
        raise Invalid(_too_many_pixels(name, width, height), "file")
    return image


def _too_many_pixels(name: str, width: int = 0, height: int = 0) -> str:
    size = f" ({width:,} x {height:,})" if width else ""
    return f"{name} has too many pixels{size}: the limit is {MAX_PIXELS:,} pixels. Scale it down and try again."


def _decoded(data: bytes, name: str) -> Image.Image:
    """The image with every pixel decoded: Invalid if it is damaged or incomplete."""
    image = _open(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            for frame in ImageSequence.Iterator(image):
                frame.load()
            image.seek(0)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombWarning):
        raise Invalid(f"{name} could not be read: the file is damaged or incomplete.", "file") from None
    return image


def _flat(frame: Image.Image) -> Image.Image:
    """A frame in RGB or RGBA, which every encoder here takes, with no metadata at all
    (Pillow writes some back from `info`, e.g. a JPEG's comment)."""
    has_alpha = frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info)
    flat = frame.convert("RGBA" if has_alpha else "RGB")
    flat.info = {}
    return flat


def _upright(image: Image.Image) -> Image.Image:
    """The first frame, EXIF orientation applied, flattened."""
    image.seek(0)
    return _flat(ImageOps.exif_transpose(image) or image)


def _encoded(image: Image.Image, kind: str) -> bytes:
    """`image` again in its own format, carrying pixels (and its colour profile) only."""
    out = io.BytesIO()
    profile = image.info.get("icc_profile")
    frames = getattr(image, "n_frames", 1)
    if frames > 1 and kind in ("GIF", "WEBP", "PNG"):
        flat = [_flat(frame) for frame in ImageSequence.Iterator(image)]
        durations = [int(frame.info.get("duration", 100) or 100) for frame in ImageSequence.Iterator(image)]
        flat[0].save(out, kind, save_all=True, append_images=flat[1:], duration=durations, loop=int(image.info.get("loop", 0)))
        return out.getvalue()
    upright = _upright(image)
    options: dict[str, Any] = {"icc_profile": profile} if profile and kind != "GIF" else {}
    if kind == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=90, **options)
    elif kind == "WEBP":
        upright.save(out, "WEBP", quality=90, **options)
    else:
        upright.save(out, kind, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    """A WebP of at most THUMBNAIL_SIDE pixels on its long side (first frame)."""
    thumb = _upright(image)
    thumb.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80)
    return out.getvalue()


Task = Callable[[dict[str, Any], list[bytes]], parse_pool.Answer]


def _task_errors(task: Task) -> Task:
    """A task whose Invalid becomes the parse process's answer "invalid" with the message,
    which the server raises again as Invalid for the user."""

    def run(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
        try:
            return task(header, parts)
        except Invalid as invalid:
            raise parse_pool.ParseFailed("invalid", str(invalid)) from None

    return run


@_task_errors
def upload_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """"image_upload": ({content_type, width, height}, [clean copy, thumbnail])."""
    image = _decoded(parts[0], str(header["name"]))
    assert image.format is not None
    kind = image.format
    clean = _encoded(image, kind)
    width, height = Image.open(io.BytesIO(clean)).size  # after the orientation was applied
    answer = {"content_type": CONTENT_TYPES[kind], "width": width, "height": height}
    return answer, [clean, _thumbnail(image)]


@_task_errors
def check_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """"image_check": ({content_type, width, height}, [])."""
    image = _decoded(parts[0], str(header["name"]))
    assert image.format is not None
    return {"content_type": CONTENT_TYPES[image.format], "width": image.width, "height": image.height}, []


@_task_errors
def avatar_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """"image_avatar": ({}, [one square WebP per header["sizes"]])."""
    square = ImageOps.fit(_upright(_decoded(parts[0], str(header["name"]))), (max(header["sizes"]),) * 2)
    out: list[bytes] = []
    for side in header["sizes"]:
        buffer = io.BytesIO()
        square.resize((int(side), int(side)), Image.Resampling.LANCZOS).save(buffer, "WEBP", quality=85)
        out.append(buffer.getvalue())
    return {}, out


@_task_errors
def model_task(header: dict[str, Any], parts: list[bytes]) -> parse_pool.Answer:
    """"image_for_model": ({content_type}, [bytes for the model])."""
    data, content_type = parts[0], str(header["content_type"])
    image = _open(data, str(header["name"]))
    if max(image.size) <= MODEL_SIDE and content_type != "image/gif":
        return {"content_type": content_type}, [data]
    flat = _upright(image)
    flat.thumbnail((MODEL_SIDE, MODEL_SIDE))
    out = io.BytesIO()
    if flat.mode == "RGBA":
        flat.save(out, "PNG", optimize=True)
        return {"content_type": "image/png"}, [out.getvalue()]
    flat.save(out, "JPEG", quality=85)
    return {"content_type": "image/jpeg"}, [out.getvalue()]
