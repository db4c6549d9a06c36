"""Guards Reflex's upload endpoint (POST /_upload) before any of the body is read:
Reflex parses (and spools) a multipart body before the handler runs, for anyone,
at any size. No valid session cookie: 401; too large by Content-Length or while
counting a chunked body: 413 with the connection closed. The handler still checks
its own session and caps each file (web/state/knowledge.py, web/state/attachments.py).
The cap fits the larger of a knowledge upload (a .zip) and a message's worth of images."""

from __future__ import annotations

import asyncio

from reflex import constants
from reflex.config import get_config
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.services.attachments import MAX_IMAGE_BYTES, MAX_PER_MESSAGE
from neurocache_ui.services.auth import SESSION_COOKIE, user_for_session
from neurocache_ui.services.knowledge import request_limit
from neurocache_ui.services.knowledge.documents import UPLOAD_OVERHEAD_BYTES

SIGN_IN = "Sign in to upload files."
UNAVAILABLE = "Uploads are unavailable right now. Try again in a moment."


def upload_limit() -> int:
    """The largest upload request body accepted, in bytes."""
    return max(request_limit(), MAX_IMAGE_BYTES * MAX_PER_MESSAGE + UPLOAD_OVERHEAD_BYTES)


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse(
        {"detail": f"The upload is too large: the limit is {limit:,} bytes for all its files together."},
        status_code=413,
        headers={"Connection": "close"},
    )


class UploadGuard:
    """The ASGI wrapper; pass the class itself to `api_transformer`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.path = get_config().prepend_backend_path(str(constants.Endpoint.UPLOAD))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != self.path:
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        try:
            user = await asyncio.to_thread(user_for_session, connection.cookies.get(SESSION_COOKIE))
        except Unavailable:
            await JSONResponse({"detail": UNAVAILABLE}, status_code=503)(scope, receive, send)
            return
        if user is None:
            await JSONResponse({"detail": SIGN_IN}, status_code=401)(scope, receive, send)
            return
        limit = upload_limit()
        length = connection.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Run the app, cutting the body off once more than `limit` bytes arrived: the
        app is told the client went away (Reflex drops what it parsed) and its
        answer is replaced by the 413."""
        received = 0
        cut = False
        started = False

        async def receive_counted() -> Message:
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        async def send_unless_cut(message: Message) -> None:
            nonlocal started
            if cut and not started:
                return  # the app's answer to a "disconnect" we made up
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, receive_counted, send_unless_cut)
        if cut and not started:
            await _too_large(limit)(scope, receive, send)
