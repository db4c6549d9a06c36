"""Avatars over plain HTTP, same origin, for the hub's pages: any signed-in account
of the workspace gets them (services/profiles.py says why), others a 404. The URL
carries the avatar's version, so a new avatar is a new URL and the old one may be
cached privately for a day."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from neurocache_ui.api.attachments import POLICY
from neurocache_ui.domain.errors import NotFound, Unavailable
from neurocache_ui.services import auth, profiles

router = APIRouter(include_in_schema=False)

MAX_AGE_SECONDS = 86_400


@router.get(profiles.AVATAR_PATH + "/{user_id}/{size}")
async def avatar(request: Request, user_id: int = Path(ge=1, le=2**31), size: int = Path(ge=1, le=4096)) -> Response:
    try:
        viewer = await asyncio.to_thread(auth.user_for_session, request.cookies.get(auth.SESSION_COOKIE))
        if viewer is None:
            raise NotFound("Avatar not found.")
        data = await asyncio.to_thread(profiles.avatar, user_id, size)
    except NotFound as missing:
        return JSONResponse({"detail": str(missing)}, status_code=404, headers={"Cache-Control": "no-store"})
    except Unavailable as error:
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"Cache-Control": "no-store"})
    return Response(data, media_type="image/webp", headers={
        "Cache-Control": f"private, max-age={MAX_AGE_SECONDS}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": POLICY,
    })
