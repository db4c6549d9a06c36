"""Images in channels: stored when a member uploads them (before the message is
sent), linked to the message in its own transaction (messaging.post_message),
served to the channel's members only, and handed to agents as data URLs.

An upload is checked in order of cost: its size, the uploader's membership and room
for more unsent images, and only then its pixels, in a parse process
(infra/images.py), which keeps a clean copy: no EXIF, GPS or comments, the
orientation applied. The original bytes are never stored."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from neurocache_ui.domain.errors import Invalid, NeurocacheError, NotFound
from neurocache_ui.domain.messages import AttachmentRef
from neurocache_ui.infra import images
from neurocache_ui.services import channels
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.media_models import Attachment
from neurocache_ui.store.repositories import attachments as repo

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_PER_MESSAGE = 4
MAX_PER_UPLOAD = MAX_PER_MESSAGE
"""Images one upload request may add; the rest are refused unread."""
MAX_PENDING = 20
"""Images one person may have uploaded in a channel and not sent yet."""
MODEL_IMAGES = 8
"""The most images (the newest) one reply's model call is shown."""
NOT_FOUND = "Image not found."
UNAVAILABLE = "Images cannot be stored or read right now. Try again in a moment."
SUPPORTED = "PNG, JPEG, WebP or GIF"


@dataclass(frozen=True)
class AttachmentView:
    id: int
    channel_id: int
    filename: str
    content_type: str
    size: int
    width: int
    height: int

    @property
    def ref(self) -> AttachmentRef:
        return AttachmentRef(self.id, self.filename, self.width, self.height)


@dataclass(frozen=True)
class ImageContent:
    data: bytes
    content_type: str
    filename: str


def clean_filename(filename: str) -> str:
    name = "".join(ch for ch in (filename or "").split("/")[-1].split("\\")[-1] if ch.isprintable()).strip()
    return name[:200] or "image"


def check_size(filename: str, size: int) -> None:
    if size > MAX_IMAGE_BYTES:
        raise Invalid(
            f"{filename} is too large: {size / 1024 / 1024:.1f} MB, the limit is {MAX_IMAGE_BYTES // (1024 * 1024)} MB per image.",
            "file",
        )
    if size == 0:
        raise Invalid(f"{filename} is empty.", "file")


@dataclass
class Added:
    """What an upload of several images gave: the images stored, and one message per refusal."""

    views: list[AttachmentView] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _room(channel_id: int, user_id: int) -> int:
    """How many more unsent images the member may upload here; NotFound/Forbidden for
    someone who may not post in the channel."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        channels.ensure_can_post(channel_id, user_id, session=session)
        return MAX_PENDING - repo.pending_count(session, channel_id, user_id)


def _full() -> Invalid:
    return Invalid(f"You have {MAX_PENDING} images waiting to be sent here. Send or remove some first.", "file")


def _store(channel_id: int, user_id: int, name: str, image: images.Cleaned) -> AttachmentView:
    with database_guard(UNAVAILABLE), session_scope() as session:
        channels.ensure_can_post(channel_id, user_id, session=session)
        if repo.pending_count(session, channel_id, user_id) >= MAX_PENDING:  # again: uploads run side by side
            raise _full()
        row = repo.insert(
            session,
            Attachment(
                channel_id=channel_id, user_id=user_id, content_type=image.content_type, filename=name,
                size=len(image.data), width=image.width, height=image.height, data=image.data,
                thumbnail=image.thumbnail,
            ),
        )
        assert row.id is not None
        return AttachmentView(row.id, channel_id, name, image.content_type, len(image.data), image.width, image.height)


async def add_image(channel_id: int, user_id: int, filename: str, data: bytes) -> AttachmentView:
    """Store an image a member is about to send (not yet part of a message). Invalid for
    anything that does not decode as a PNG, JPEG, WebP or GIF within the size and pixel
    limits, whatever its name or the browser says; NotFound for a non-member, before
    any pixel is decoded."""
    name = clean_filename(filename)
    check_size(name, len(data))
    if await asyncio.to_thread(_room, channel_id, user_id) <= 0:
        raise _full()
    cleaned = await images.clean_upload(data, name)
    return await asyncio.to_thread(_store, channel_id, user_id, name, cleaned)


async def add_images(channel_id: int, user_id: int, files: Mapping[str, bytes]) -> Added:
    """Each of an upload's images checked and stored on its own (a bad one does not lose
    the others). Membership and room are checked first, once for all: an upload of
    more than MAX_PER_UPLOAD images, or more than there is room for, has the rest
    refused without reading them. NotFound/Forbidden for someone who may not post."""
    added = Added()
    taken = list(files)
    room = await asyncio.to_thread(_room, channel_id, user_id)
    if len(taken) > MAX_PER_UPLOAD:
        added.problems.append(f"Attach at most {MAX_PER_UPLOAD} images at a time; not added: {', '.join(taken[MAX_PER_UPLOAD:])}.")
        taken = taken[:MAX_PER_UPLOAD]
    if len(taken) > room:
        added.problems.append(f"{_full()} Not added: {', '.join(taken[max(0, room):])}.")
        taken = taken[: max(0, room)]
    for name in taken:
        try:
            added.views.append(await add_image(channel_id, user_id, name, files[name]))
        except NeurocacheError as error:
            added.problems.append(str(error) if clean_filename(name) in str(error) else f"{name}: {error}")
    return added


def remove_pending(attachment_id: int, user_id: int) -> bool:
    """The uploader drops an image before sending it; False if it was not theirs to drop."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        return repo.delete_pending(session, attachment_id, user_id)


def link(session: Session, message_id: int, ids: Sequence[int], *, channel_id: int, user_id: int) -> None:
    """Part of sending a message (in its transaction): the images become the
    message's. Invalid, undoing the send, if any is not the sender's unsent image here."""
    wanted = list(dict.fromkeys(int(i) for i in ids))
    if len(wanted) > MAX_PER_MESSAGE:
        raise Invalid(f"A message can carry at most {MAX_PER_MESSAGE} images.", "attachments")
    if repo.link(session, message_id, wanted, channel_id=channel_id, user_id=user_id) != len(wanted):
        raise Invalid("An attached image is no longer available. Remove it and attach it again.", "attachments")
    repo.show_on_message(session, message_id, repo.refs(session, message_id))


def get_image(attachment_id: int, viewer_id: int, *, thumbnail: bool = False) -> ImageContent:
    """The image (or its WebP thumbnail) for a member of its channel; NotFound for
    anyone else, and for an unsent image to anyone but its uploader."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        found = repo.meta(session, attachment_id)
        if found is None or (found.message_id is None and found.user_id != viewer_id):
            raise NotFound(NOT_FOUND)
        try:
            channels.ensure_member(found.channel_id, viewer_id, session=session)
        except NotFound:
            raise NotFound(NOT_FOUND) from None
        row = repo.content(session, attachment_id, thumbnail=thumbnail)
    if row is None:
        raise NotFound(NOT_FOUND)
    data, content_type, filename = row
    return ImageContent(bytes(data), "image/webp" if thumbnail else content_type, filename)


def _images_of(message_ids: Collection[int]) -> list[Any]:
    with database_guard(UNAVAILABLE), session_scope() as session:
        return repo.images_of(session, message_ids)


async def model_images(message_ids: Collection[int], limit: int = MODEL_IMAGES) -> dict[int, tuple[str, ...]]:
    """message id -> its images as `data:` URLs for a model (long side at most
    2,000 px, resized in a parse process), the newest `limit` images of these messages only."""
    rows = await asyncio.to_thread(_images_of, message_ids)
    found: dict[int, list[str]] = {}
    for message_id, _id, data, content_type, filename in rows[-limit:] if limit > 0 else []:
        try:
            body, kind = await images.for_model(bytes(data), content_type, filename)
        except Invalid:
            log.warning("stored image %s of message %s could not be read", _id, message_id)
            continue
        found.setdefault(message_id, []).append(f"data:{kind};base64,{base64.b64encode(body).decode()}")
    return {message_id: tuple(urls) for message_id, urls in found.items()}
