"""The composer's images: uploaded as soon as they are chosen (stored, not yet
sent), shown as previews with a remove button, and sent with the next message
(ChatState.send passes their ids). Each handler resolves the session again and
services/attachments.py checks membership."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.messages import AttachmentRef
from neurocache_ui.services import attachments
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.knowledge import receive_files

UPLOAD_ID = "composer-images"
ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"], "image/gif": [".gif"]}


class AttachmentsState(ChatState):
    attach_error: str = ""
    attaching: bool = False

    @rx.event(background=True)
    async def attach_images(self, chunks: rx.UploadChunkIterator):
        """Each image is checked and stored on its own (a bad one does not lose the
        others); membership and room before any pixel is read, at most
        attachments.MAX_PER_UPLOAD per upload (services/attachments.add_images). A
        background task, so the tab stays usable while they arrive."""
        async with self:
            self.attaching, self.attach_error = True, ""
        files, too_large = await receive_files(chunks, lambda _name: attachments.MAX_IMAGE_BYTES)
        async with self:
            user = await self._user()
            channel_id = self.channel_id
        problems: list[str] = []
        added: list[dict[str, object]] = []
        if user is None or not channel_id:
            problems.append("Your session has ended. Log in again.")
            files, too_large = {}, {}
        for name, size in too_large.items():
            try:
                attachments.check_size(name, size)
            except NeurocacheError as error:
                problems.append(str(error))
        if files:
            assert user is not None
            try:
                stored = await attachments.add_images(channel_id, user.id, files)
            except NeurocacheError as error:
                problems.append(str(error))
            else:
                problems += stored.problems
                added = [preview(view.ref, channel_id) for view in stored.views]
        async with self:
            self.attaching = False
            self.attach_error = " ".join(problems)
            if added and channel_id == self.channel_id:
                self.pending_images = [*self.pending_images, *added]
        yield rx.clear_selected_files(UPLOAD_ID)

    @rx.event
    async def remove_image(self, attachment_id: str):
        """Drop a previewed image before sending: from the composer and the store."""
        user = await self._user()
        if user is None:
            return
        self.pending_images = [p for p in self.pending_images if p["id"] != str(attachment_id)]
        try:
            await asyncio.to_thread(attachments.remove_pending, int(attachment_id), user.id)
        except (NeurocacheError, ValueError) as error:
            self.attach_error = str(error)


def preview(ref: AttachmentRef, channel_id: int) -> dict[str, object]:
    return {"id": str(ref.id), "filename": ref.filename, "thumb": ref.thumbnail_url, "channel_id": channel_id}
