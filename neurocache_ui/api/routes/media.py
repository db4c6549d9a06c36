"""/media: video and audio for the key's owner. Upload a file (the raw body, streamed,
with the same limits as the hub: NEUROCACHE_MEDIA_MAX_MB, NEUROCACHE_MEDIA_MAX_MINUTES,
four unsent files per channel), send it with a message (`media_ids` of POST
/channels/{slug}/messages), then read it (range requests) and its transcript as a
member of its channel. The serving is the hub's own (api/media.py)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from neurocache_ui.api import media as served
from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.media_schemas import MediaUploaded, TranscriptPublic
from neurocache_ui.services import channels
from neurocache_ui.services.media import reading, uploads

router = APIRouter(prefix="/media", tags=["media"])
MediaId = Annotated[int, Path(ge=1, le=2**62, description="The media file's id.")]
RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes (MP4, WebM, MOV, MKV video; MP3, M4A, WAV, OGG, WebM audio).",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
FILE_RESPONSE = {
    "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    "description": "The file, or the byte range asked for (206).",
}


@router.post(
    "",
    response_model=MediaUploaded,
    status_code=201,
    openapi_extra=RAW_BODY,
    responses={415: {"description": "Not a video or audio file the hub takes."}},
    summary="Upload a video or audio file to send with a message",
)
async def upload_media(
    request: Request,
    key: WriteKey,
    channel: Annotated[str, Query(min_length=1, max_length=200, description="The channel's slug.")],
    filename: Annotated[str, Query(min_length=1, max_length=255, description="Its name; the extension says its kind.")],
) -> MediaUploaded:
    """Checked before it is kept: its kind, its size (while it streams in), and its
    content by the media decoder (streams, dimensions, duration)."""
    try:
        uploads.check_upload(filename, request.headers.get("content-type", ""), served.declared_length(request))
        channel_id = await asyncio.to_thread(channels.member_channel_id, channel, key.user_id)
        found = await served.receive(request, channel_id, key.user_id, filename, "")
    except (uploads.TooLarge, uploads.NotMedia) as error:
        raise ApiError(served.status_of(error), str(error), param="file") from None
    return MediaUploaded(**served.uploaded_body(found))


@router.get(
    "/{media_id}",
    response_class=Response,
    responses={200: FILE_RESPONSE, 206: FILE_RESPONSE, 416: {"description": "The range asked for is not in the file."}},
    summary="Read a video or audio file (range requests)",
)
async def get_media(request: Request, media_id: MediaId, key: ReadKey) -> Response:
    return await served.serve(request, media_id, key.user_id)


@router.get("/{media_id}/transcript", response_model=TranscriptPublic, summary="What is said in it, with moments")
async def get_transcript(media_id: MediaId, key: ReadKey) -> TranscriptPublic:
    found = await asyncio.to_thread(reading.transcript, media_id, key.user_id)
    return TranscriptPublic.model_validate(served.transcript_body(found))


__all__ = ["router"]
