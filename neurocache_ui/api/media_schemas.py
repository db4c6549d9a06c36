"""The public API's shapes of video and audio: a message's media, an upload's answer,
a transcript (api/routes/media.py, api/routes/channels.py); and of any other file sent
with a message (api/routes/files.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class MediaPublic(BaseModel):
    id: int
    kind: Literal["video", "audio", "voice"]
    filename: str
    duration_ms: int
    status: Literal["processing", "ready", "failed"] = Field(description="Frames and transcript are made in the background.")
    progress: int = Field(description="Percent of the processing done.")
    note: str = Field(description="Why processing failed, or why there is no transcript.")
    url: str = Field(description="The file, with range requests: GET /api/v1/media/{id} with the key, or this same-origin path with a hub session.")
    transcript_url: str


class FilePublic(BaseModel):
    id: int
    name: str
    size: int = Field(description="Bytes.")
    content_type: str = Field(description="What its name says it is (application/octet-stream when it says nothing known).")
    url: str = Field(description="The download: GET /api/v1/media/{id} with the key (Content-Disposition: attachment).")


class FileUploaded(BaseModel):
    id: int = Field(description="Pass in `file_ids` when posting a message (it is yours, unsent, until then).")
    name: str
    size: int


class MediaUploaded(BaseModel):
    id: int = Field(description="Pass in `media_ids` when posting a message (it is yours, unsent, until then).")
    kind: Literal["video", "audio", "voice"]
    filename: str
    duration_ms: int
    size: int


class TranscriptSegment(BaseModel):
    start_ms: int
    end_ms: int
    text: str


class TranscriptPublic(BaseModel):
    segments: list[TranscriptSegment]
    text: str
    note: str = Field(description="Why there is no transcript (yet); empty when there is one.")
