"""The two plain-HTTP steps of a browser session, so its cookie can be HttpOnly:
Reflex sets cookies from page scripts (readable by any script), so a log-in hands
the browser a one-time code (services/auth.start_handoff) that this endpoint swaps
for the session token in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from neurocache_ui.domain.redirects import MAX_LENGTH, safe_next
from neurocache_ui.services import auth
from neurocache_ui.settings import get_settings

router = APIRouter(include_in_schema=False)


def _cookie_options(request: Request) -> dict[str, Any]:
    """HttpOnly, SameSite=Strict, and Secure over https (behind a TLS-terminating
    proxy the scheme arrives as X-Forwarded-Proto)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    secure = request.url.scheme == "https" or forwarded == "https"
    return {"path": "/", "httponly": True, "samesite": "strict", "secure": secure}


@router.get(auth.SESSION_PATH)
async def claim_session(request: Request, code: str = Query("", max_length=200), next: str = Query(auth.HOME, max_length=MAX_LENGTH)) -> RedirectResponse:
    previous = request.cookies.get(auth.SESSION_COOKIE)
    token = await asyncio.to_thread(auth.claim_handoff, code, previous)
    if token is None:
        return RedirectResponse("/login", status_code=303)
    response = RedirectResponse(safe_next(next, auth.HOME), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE, token, max_age=get_settings().session_days * 86400, **_cookie_options(request)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(auth.LOGOUT_PATH)
async def clear_session_cookie(request: Request) -> RedirectResponse:
    """Only removes the cookie: log-out has already ended the session on the server."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, **_cookie_options(request))
    response.headers["Cache-Control"] = "no-store"
    return response
