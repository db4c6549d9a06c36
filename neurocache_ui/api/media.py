"""Video and audio over plain HTTP, same origin, for the hub's pages (the session
cookie decides): uploading a file before it is sent (the raw body, streamed, counted
and cut off past the limit) to a channel (`?channel=`) or an agent's Try it chat
(`?agent=`, its owner only), dropping it, and serving it to members of its channel (a
Try it file: its uploader; everyone else a 404) with range requests, so players seek and a 200 MB video is read
a chunk at a time. Served as media only: nosniff and a CSP that lets nothing run. Any other file (kind
"file") is served the same way but as a download (`Content-Disposition: attachment`),
and a PDF's or text file's preview as plain text.
`serve` and `byte_range` are shared with the public API (api/routes/media.py)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from neurocache_ui.api.attachments import served_headers
from neurocache_ui.domain.errors import Forbidden, Invalid, NeurocacheError, NotFound, Unavailable
from neurocache_ui.domain.media import MEDIA_PATH
from neurocache_ui.services import auth
from neurocache_ui.services.media import reading, uploads

router = APIRouter(include_in_schema=False)

SIGN_IN = "Sign in to upload files."
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
MediaId = Path(ge=1, le=2**62)


class Unsatisfiable(Exception):
    """A Range header no byte of the file answers (HTTP 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte asked for, None for the whole file. A header that is not one
    simple range (several ranges, another unit) is ignored, as HTTP allows; one that
    asks for bytes the file does not have raises Unsatisfiable."""
    found = _RANGE.match((header or "").strip())
    if found is None:
        return None
    first, last = found.group(1), found.group(2)
    if not first:  # the last N bytes
        if not last or int(last) == 0:
            raise Unsatisfiable
        return max(0, size - int(last)), size - 1
    start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise Unsatisfiable
    return start, end


def status_of(error: NeurocacheError) -> int:
    """The HTTP status of a service's refusal."""
    if isinstance(error, uploads.TooLarge):
        return 413
    if isinstance(error, uploads.NotMedia):
        return 415
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return 403
    if isinstance(error, Invalid):
        return 422
    return 503 if isinstance(error, Unavailable) else 500


def _refused(status: int, message: str) -> JSONResponse:
    headers = {"Cache-Control": "no-store"} | ({"Connection": "close"} if status == 413 else {})
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


async def serve(request: Request, media_id: int, viewer_id: int) -> Response:
    """The file (or the range asked for) for a member of its channel; NotFound otherwise."""
    found = await asyncio.to_thread(reading.open_file, media_id, viewer_id)
    disposition = "attachment" if found.is_file else "inline"
    headers = served_headers(found.filename, disposition) | {"Accept-Ranges": "bytes"}
    try:
        wanted = byte_range(request.headers.get("range"), found.size)
    except Unsatisfiable:
        return Response(status_code=416, headers=headers | {"Content-Range": f"bytes */{found.size}"})
    start, end = wanted or (0, found.size - 1)
    headers["Content-Length"] = str(end - start + 1)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{found.size}"
    return StreamingResponse(
        reading.read_range(media_id, start, end), status_code=206 if wanted else 200,
        media_type=found.content_type, headers=headers,
    )


def transcript_body(found: reading.Transcript) -> dict[str, Any]:
    return {
        "segments": [{"start_ms": start, "end_ms": end, "text": text} for start, end, text in found.segments],
        "text": found.text,
        "note": found.note,
    }


def declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None


async def receive(
    request: Request, channel_id: int | None, user_id: int, filename: str, kind: str, agent_id: int | None = None
) -> uploads.Uploaded:
    """Store the request's body as an upload (see uploads.receive)."""
    body: AsyncIterator[bytes] = request.stream()
    return await uploads.receive(
        channel_id, user_id, filename, body, agent_id=agent_id, kind=kind,
        content_type=request.headers.get("content-type", ""), length=declared_length(request),
    )


def uploaded_body(found: uploads.Uploaded) -> dict[str, Any]:
    return {"id": found.id, "kind": found.kind, "filename": found.filename, "duration_ms": found.duration_ms, "size": found.size}


async def _as_member(request: Request, act: Callable[[int], Awaitable[Response]]) -> Response:
    """Run `act(user id)` for the session's person; 401 without one (uploads) or 404
    (reads: a stranger learns nothing), the services' refusals as {"detail"}."""
    try:
        user = await asyncio.to_thread(auth.user_for_session, request.cookies.get(auth.SESSION_COOKIE))
        if user is None:
            if request.method == "POST":
                return _refused(401, SIGN_IN)
            raise NotFound(reading.NOT_FOUND)
        return await act(user.id)
    except NeurocacheError as error:
        return _refused(status_of(error), str(error))


@router.post(MEDIA_PATH)
async def upload_media(
    request: Request,
    channel: int | None = Query(default=None, ge=1, le=2**62),
    agent: int | None = Query(default=None, ge=1, le=2**62),
    filename: str = Query(min_length=1, max_length=255),
    kind: str = Query(default="", max_length=10),
) -> Response:
    async def act(user_id: int) -> Response:
        uploads.check_upload(filename, request.headers.get("content-type", ""), declared_length(request), kind)
        return JSONResponse(uploaded_body(await receive(request, channel, user_id, filename, kind, agent)))

    return await _as_member(request, act)


@router.delete(MEDIA_PATH + "/{media_id}")
async def delete_media(request: Request, media_id: int = MediaId) -> Response:
    async def act(user_id: int) -> Response:
        if not await asyncio.to_thread(uploads.remove_pending, media_id, user_id):
            raise NotFound(reading.NOT_FOUND)
        return Response(status_code=204)

    return await _as_member(request, act)


@router.get(MEDIA_PATH + "/{media_id}")
async def media_file(request: Request, media_id: int = MediaId) -> Response:
    return await _as_member(request, lambda user_id: serve(request, media_id, user_id))


@router.get(MEDIA_PATH + "/{media_id}/poster")
async def media_poster(request: Request, media_id: int = MediaId) -> Response:
    async def act(user_id: int) -> Response:
        data = await asyncio.to_thread(reading.poster, media_id, user_id)
        return Response(data, media_type="image/jpeg", headers=served_headers(f"poster-{media_id}.jpg"))

    return await _as_member(request, act)


@router.get(MEDIA_PATH + "/{media_id}/preview")
async def file_preview(request: Request, media_id: int = MediaId) -> Response:
    """A PDF's or text file's first lines as plain text, opened in its own tab: text/plain
    with nosniff and a sandboxing CSP, so nothing in it can run or be taken for a page."""
    async def act(user_id: int) -> Response:
        filename, text = await asyncio.to_thread(reading.preview, media_id, user_id)
        return Response(text, media_type="text/plain; charset=utf-8", headers=served_headers(filename + ".txt"))

    return await _as_member(request, act)


@router.get(MEDIA_PATH + "/{media_id}/transcript")
async def media_transcript(request: Request, media_id: int = MediaId) -> Response:
    async def act(user_id: int) -> Response:
        found = await asyncio.to_thread(reading.transcript, media_id, user_id)
        return JSONResponse(transcript_body(found), headers={"Cache-Control": "no-store"})

    return await _as_member(request, act)
