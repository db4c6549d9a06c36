"""/files: any file (a PDF, a zip, a CSV …) for the key's owner to send with a message.
Upload it (the raw body, streamed, at most NEUROCACHE_FILE_MAX_MB; four unsent files
per channel, counted with video and audio), then send it (`file_ids` of POST
/channels/{slug}/messages). Stored and read like video and audio (one chunked store,
services/media/): members download it from GET /media/{id}, always as an attachment."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request

from neurocache_ui.api import media as served
from neurocache_ui.api.deps import WriteKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.media_schemas import FileUploaded
from neurocache_ui.domain.media import FILE_KIND
from neurocache_ui.services import channels
from neurocache_ui.services.media import uploads

router = APIRouter(prefix="/files", tags=["files"])
RAW_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, any kind.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post("", response_model=FileUploaded, status_code=201, openapi_extra=RAW_BODY, summary="Upload a file to send with a message")
async def upload_file(
    request: Request,
    key: WriteKey,
    channel: Annotated[str, Query(min_length=1, max_length=200, description="The channel's slug.")],
    filename: Annotated[str, Query(min_length=1, max_length=255, description="Its name, as members will download it.")],
) -> FileUploaded:
    """Counted while it streams in and cut off past the limit (413); kept as it came."""
    try:
        uploads.check_upload(filename, "", served.declared_length(request), FILE_KIND)
        channel_id = await asyncio.to_thread(channels.member_channel_id, channel, key.user_id)
        found = await served.receive(request, channel_id, key.user_id, filename, FILE_KIND)
    except uploads.TooLarge as error:
        raise ApiError(413, str(error), param="file") from None
    return FileUploaded(id=found.id, name=found.filename, size=found.size)


__all__ = ["router"]
