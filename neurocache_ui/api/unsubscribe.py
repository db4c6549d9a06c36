"""The e-mail digest's unsubscribe link (services/notify_email.py): no login, the
link's random token is the permission. `GET` only shows a button (mail scanners and
link previews follow GETs, and must not turn e-mail off); `POST` (the button, or a
mail client's one-click unsubscribe, RFC 8058) turns it off."""

from __future__ import annotations

import asyncio
import html

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from neurocache_ui.services import notify_settings

PATH = "/email/unsubscribe"
router = APIRouter(include_in_schema=False)


def _page(title: str, text: str, *, form_token: str | None = None, status: int = 200) -> HTMLResponse:
    form = (
        f'<form method="post" action="{PATH}?t={html.escape(form_token, quote=True)}">'
        '<button type="submit">Turn off e-mail notifications</button></form>'
        if form_token else '<p><a href="/account">Notification settings</a></p>'
    )
    body = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{html.escape(title)} · Neurocache</title></head><body><main><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(text)}</p>{form}</main></body></html>"
    )
    return HTMLResponse(body, status_code=status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


@router.get(PATH)
async def confirm(t: str = Query("", max_length=100)) -> HTMLResponse:
    return _page("Unsubscribe", "Stop e-mails about unread mentions and direct messages?", form_token=t)


@router.post(PATH)
async def unsubscribe(t: str = Query("", max_length=100)) -> HTMLResponse:
    if not await asyncio.to_thread(notify_settings.unsubscribe, t):
        return _page("Link not valid", "This unsubscribe link is not valid. Change e-mail settings on your account page.", status=404)
    return _page("Unsubscribed", "You will get no more e-mail notifications. You can turn them on again on your account page.")
