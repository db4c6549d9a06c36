"""The composer's images, video and audio: uploaded as soon as they are chosen
(stored, not yet sent), shown as previews or chips with a remove button, and sent
with the next message (ChatState.send passes their ids); a voice message is sent as
soon as it is recorded. Images come through Reflex's upload; video and audio go from
the page straight to MEDIA_PATH (web/components/media_composer.jsx), and only what
the hub answered comes here. Each handler resolves the session again; the services
check membership and that the media is the sender's own and unsent."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.media import clock
from neurocache_ui.domain.messages import AttachmentRef
from neurocache_ui.services import attachments, composer
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.media import uploads
from neurocache_ui.web.realtime import rows
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.knowledge import receive_files

UPLOAD_ID = "composer-images"
SESSION_ENDED = "Your session has ended. Log in again."
NOT_UNDERSTOOD = "The upload's answer was not understood. Try again."
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
            problems.append(SESSION_ENDED)
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

    @rx.event
    async def media_uploaded(self, media: dict[str, object]):
        """A video or audio file the page uploaded (POST MEDIA_PATH answered it): a chip
        until the next message takes it. Only its id matters to the hub (the send checks
        it is the sender's own, unsent); the rest is what the sender sees on the chip."""
        if await self._user() is None or not self.channel_id:
            self.attach_error = SESSION_ENDED
            return
        try:
            added = {**chip(media), "channel_id": self.channel_id}
        except (KeyError, ValueError, AttributeError, TypeError):  # any tab may send any arguments
            self.attach_error = NOT_UNDERSTOOD
            return
        self.attach_error = ""
        self.pending_media = [*self.pending_media, added]

    @rx.event
    async def remove_media(self, media_id: int):
        """Drop a chip before sending: from the composer and the store."""
        user = await self._user()
        if user is None:
            return
        try:
            self.pending_media = [p for p in self.pending_media if p["id"] != int(media_id)]
            await asyncio.to_thread(uploads.remove_pending, int(media_id), user.id)
        except (NeurocacheError, ValueError) as error:
            self.attach_error = str(error)

    @rx.event
    async def send_voice(self, media: dict[str, object]):
        """A recorded voice message, uploaded by the page: sent at once, on its own (any
        text, images or files waiting in the composer stay there for the next message)."""
        user = await self._user_or_login()
        if user is None or not self.channel_id:
            return
        self.send_error = ""
        try:
            view, _ = await composer.send(user.id, self.channel_id, "", media_ids=[int(str(dict(media).get("id")))])
        except (NeurocacheError, ValueError, TypeError) as error:
            self.send_error = str(error)
            return
        self._change(lambda window: rows.added(window, rows.to_row(view)))
        runner.trigger(view, triggered_by_user_id=user.id)

    @rx.event
    async def media_problem(self, message: str):
        """Why the page could not upload or record (the hub's answer, or the browser's)."""
        if await self._user() is not None:
            self.attach_error = str(message)[:500]


def chip(media: dict[str, object]) -> dict[str, object]:
    """The pending chip of an uploaded video or audio file (the channel's, the thread's
    and Try it's composers); KeyError, ValueError, AttributeError or TypeError for an
    answer that is not one (any tab may send any arguments)."""
    duration = int(str(media.get("duration_ms") or 0))
    return {"id": int(str(media["id"])), "kind": str(media.get("kind", "")), "filename": str(media.get("filename", ""))[:200],
            "duration": clock(duration) if duration else ""}


def preview(ref: AttachmentRef, channel_id: int) -> dict[str, object]:
    return {"id": str(ref.id), "filename": ref.filename, "thumb": ref.thumbnail_url, "channel_id": channel_id}
