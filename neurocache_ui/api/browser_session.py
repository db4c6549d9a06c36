"""The two plain-HTTP steps of a browser session, so its cookie can be HttpOnly.

Reflex sets cookies from page scripts, which makes them readable by any script on
the page. Instead, a log-in event hands the browser a one-minute, one-time code
(core/auth.start_handoff) and sends it here with a full page load; this endpoint
swaps the code for the real session token and sets it as an HttpOnly, SameSite=Strict
cookie (Secure over https). The websocket handshake that follows carries the cookie,
and the hub's state reads it from there. Log-out ends the session on the server
first; the second endpoint only removes the dead cookie."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from neurocache_ui.services import auth
from neurocache_ui.domain.redirects import safe_next
from neurocache_ui.settings import get_settings

SESSION_PATH = "/auth/session"
LOGOUT_PATH = "/auth/logout"
HOME = "/channels"

router = APIRouter(include_in_schema=False)


def _is_https(request: Request) -> bool:
    """Behind a TLS-terminating proxy the scheme arrives as X-Forwarded-Proto."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


@router.get(SESSION_PATH)
async def claim_session(request: Request, code: str = Query("", max_length=200), next: str = Query(HOME, max_length=2000)) -> RedirectResponse:
    previous = request.cookies.get(auth.SESSION_COOKIE)
    token = await asyncio.to_thread(auth.claim_handoff, code, previous)
    if token is None:
        return RedirectResponse("/login", status_code=303)
    response = RedirectResponse(safe_next(next, HOME), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE, token, max_age=get_settings().session_days * 86400, path="/",
        httponly=True, samesite="strict", secure=_is_https(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(LOGOUT_PATH)
async def clear_session_cookie(request: Request) -> RedirectResponse:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_is_https(request))
    response.headers["Cache-Control"] = "no-store"
    return response
