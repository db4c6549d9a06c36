"""Images through Pillow: what an uploaded file really is (decoded, never trusted
by its name or the browser's content type), thumbnails, copies small enough for a
model, and the text an image carries in its metadata. Refuses decompression bombs
before any pixel is decoded."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from neurocache_ui.domain.errors import Invalid

CONTENT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 40_000_000
"""The most pixels an image may have (e.g. 8000 x 5000): a small file can claim
billions (a decompression bomb), which would take gigabytes to decode."""
THUMBNAIL_SIDE = 320
MODEL_SIDE = 2000
_TEXT_KEYS = ("Description", "Title", "Subject", "Comment", "Keywords", "Author", "Caption", "ImageDescription")
_EXIF_DESCRIPTION = 0x010E  # ImageDescription
UNSUPPORTED = "is not a PNG, JPEG, WebP or GIF image"


@dataclass(frozen=True)
class Decoded:
    content_type: str
    width: int
    height: int


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
    if width * height > MAX_PIXELS:
        raise Invalid(_too_many_pixels(name, width, height), "file")
    return image


def _too_many_pixels(name: str, width: int = 0, height: int = 0) -> str:
    size = f" ({width:,} x {height:,})" if width else ""
    return f"{name} has too many pixels{size}: the limit is {MAX_PIXELS:,} pixels. Scale it down and try again."


def decode(data: bytes, name: str) -> Decoded:
    """Invalid unless `data` is a whole PNG, JPEG, WebP or GIF within MAX_PIXELS."""
    image = _open(data, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning):
        raise Invalid(f"{name} could not be read: the file is damaged or incomplete.", "file") from None
    assert image.format is not None
    return Decoded(CONTENT_TYPES[image.format], image.width, image.height)


def _flat(image: Image.Image) -> Image.Image:
    """The first frame, upright (EXIF orientation applied), in RGB or RGBA, which
    every encoder here takes."""
    image.seek(0)
    image = ImageOps.exif_transpose(image) or image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def thumbnail(data: bytes, name: str = "image") -> bytes:
    """A WebP of at most THUMBNAIL_SIDE pixels on its long side (first frame)."""
    image = _flat(_open(data, name))
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    image.save(out, "WEBP", quality=80)
    return out.getvalue()


def for_model(data: bytes, content_type: str, name: str = "image") -> tuple[bytes, str]:
    """(bytes, content type) with the long side at most MODEL_SIDE; small PNG,
    JPEG and WebP files pass unchanged, GIFs become a PNG of their first frame."""
    image = _open(data, name)
    if max(image.size) <= MODEL_SIDE and content_type != "image/gif":
        return data, content_type
    flat = _flat(image)
    flat.thumbnail((MODEL_SIDE, MODEL_SIDE))
    out = io.BytesIO()
    if flat.mode == "RGBA":
        flat.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    flat.save(out, "JPEG", quality=85)
    return out.getvalue(), "image/jpeg"


def metadata_text(data: bytes, name: str = "image") -> str:
    """The words an image carries about itself: PNG text chunks (tEXt/iTXt) such
    as Description or Title, and EXIF ImageDescription; "" if none."""
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
