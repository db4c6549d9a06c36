"""Channel images over plain HTTP, same origin, for the hub's pages: the session
cookie decides, members of the image's channel get it, everyone else a 404 (an
image's existence is not revealed). Served as an image only: nosniff and a CSP
that lets nothing run even if the file is opened on its own."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from neurocache_ui.domain.errors import NotFound, Unavailable
from neurocache_ui.domain.messages import ATTACHMENT_PATH
from neurocache_ui.services import attachments, auth

router = APIRouter(include_in_schema=False)

MAX_AGE_SECONDS = 3600
POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


async def _serve(request: Request, attachment_id: int, *, thumbnail: bool) -> Response:
    try:
        user = await asyncio.to_thread(auth.user_for_session, request.cookies.get(auth.SESSION_COOKIE))
        if user is None:
            raise NotFound(attachments.NOT_FOUND)
        image = await asyncio.to_thread(attachments.get_image, attachment_id, user.id, thumbnail=thumbnail)
    except NotFound as missing:
        return JSONResponse({"detail": str(missing)}, status_code=404, headers={"Cache-Control": "no-store"})
    except Unavailable as error:
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"Cache-Control": "no-store"})
    filename = image.filename if not thumbnail else image.filename.rsplit(".", 1)[0] + ".webp"
    return Response(image.data, media_type=image.content_type, headers=served_headers(filename))


def served_headers(filename: str, disposition: str = "inline") -> dict[str, str]:
    """Headers of a members-only file shown inline (images here, media in api/media.py),
    or, `disposition` "attachment", only ever saved (any other file: api/media.py)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("\\", "_")
    return {
        # private: shared caches must not keep a members-only file.
        "Cache-Control": f"private, max-age={MAX_AGE_SECONDS}",
        "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
        "Content-Security-Policy": POLICY,
    }


@router.get(ATTACHMENT_PATH + "/{attachment_id}")
async def attachment(request: Request, attachment_id: int = Path(ge=1, le=2**62)) -> Response:
    return await _serve(request, attachment_id, thumbnail=False)


@router.get(ATTACHMENT_PATH + "/{attachment_id}/thumbnail")
async def attachment_thumbnail(request: Request, attachment_id: int = Path(ge=1, le=2**62)) -> Response:
    return await _serve(request, attachment_id, thumbnail=True)
