"""The thread panel: a root message, its replies and the "Reply" box, which takes
video and audio files and voice messages like the channel's (uploaded by the page,
web/components/media_composer.jsx; only the hub's answer comes here). Replies
arrive live (this state is a relay receiver) and agents answer in the thread."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.events import Event, MessageCreated
from neurocache_ui.services import auth, messaging, reply_versions
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.media import uploads
from neurocache_ui.web.realtime import relay, rows
from neurocache_ui.web.realtime.rows import Row, to_row
from neurocache_ui.web.realtime.threads import Thread, concerns, thread_after
from neurocache_ui.web.state.attachments import NOT_UNDERSTOOD, SESSION_ENDED, chip
from neurocache_ui.web.state.chat import ChatState

log = logging.getLogger(__name__)

COMPOSER_ID = "thread-composer"


class ThreadState(ChatState):
    thread_id: int = 0  # the open thread's root; 0 when the panel is closed
    thread_root: list[Row] = []
    thread_replies: list[Row] = []
    thread_loading: bool = False
    thread_sending: bool = False
    thread_error: str = ""
    thread_media: list[dict[str, Any]] = []
    """Video and audio uploaded for the next reply: chips with the "thread_id" they were chosen in."""

    @rx.var
    def thread_count_text(self) -> str:
        count = len(self.thread_replies)
        return "No replies yet" if count == 0 else ("1 reply" if count == 1 else f"{count} replies")

    def _show_thread(self, thread: Thread) -> None:
        if thread.root is not self.thread_root:
            self.thread_root = thread.root
        if thread.replies is not self.thread_replies:
            self.thread_replies = thread.replies

    async def _open(self, user: auth.CurrentUser, root_id: int) -> None:
        self.thread_id, self.thread_error, self.thread_loading = root_id, "", True
        self.thread_root, self.thread_replies = [], []
        self.thread_media = [p for p in self.thread_media if p["thread_id"] == root_id]
        try:
            root, replies = await asyncio.to_thread(messaging.thread_messages, root_id, viewer_id=user.id)
        except NeurocacheError as error:
            self.thread_id, self.thread_loading = 0, False
            self.send_error = str(error)
            return
        self.thread_root, self.thread_replies = [to_row(root)], [to_row(v) for v in replies]
        self.thread_loading = False
        streaming = [v.id for v in replies if v.status == runner.STREAMING]
        await relay.catch_up(self._token(), streaming)  # agents' replies still being written

    @rx.event
    async def open_thread(self, message_id: int):
        """"Reply in thread" / "N replies" on a message of the open channel."""
        user = await self._user_or_login()
        if user is None or not isinstance(message_id, int) or not 0 < message_id < 2**63:
            return
        await self._open(user, message_id)
        yield rx.set_focus(COMPOSER_ID)

    def _close(self) -> None:
        self.thread_id, self.thread_root, self.thread_replies, self.thread_error = 0, [], [], ""

    @rx.event
    def close_thread(self):
        self._close()

    @rx.event(background=True)
    async def thread_typing(self, _value: str):
        """on_change of the thread's Reply box (throttled): typing shows in this thread only."""
        await self._typing_in(lambda state: state.thread_id)

    @rx.event
    async def open_from_url(self):
        """on_load of /channels/[slug]: a link to a thread reply (?m=<id>) opens its
        thread; any other channel page starts with the panel closed."""
        focus = self.router.url.query_parameters.get("m", "")
        self._close()
        if not (focus.isdigit() and len(focus) < 19) or (user := await self._user()) is None:
            return
        try:
            found = await asyncio.to_thread(messaging.get_message, int(focus), viewer_id=user.id)
        except NeurocacheError:
            return  # ChatState.open_channel shows what is wrong with the link
        if found.thread_id is not None:
            await self._open(user, found.thread_id)

    async def _post(self, user: auth.CurrentUser, content: str, media_ids: list[int]) -> bool:
        """Post a reply in the open thread and let the agents it wakes answer there;
        False, with the reason in `thread_error`, when it was refused or failed."""
        try:
            view = await asyncio.to_thread(
                messaging.post_message, self.channel_id, user_id=user.id, content=content, thread_id=self.thread_id,
                media_ids=media_ids,
            )
        except NeurocacheError as error:
            self.thread_error = str(error)
            return False
        except Exception:
            log.exception("replying in thread %s failed", self.thread_id)
            self.thread_error = "Could not send your reply right now. It is still in the box; try again."
            return False
        self._show_thread(thread_after(Thread(self.thread_root, self.thread_replies), self.thread_id, MessageCreated(message=view)))
        runner.trigger(view, triggered_by_user_id=user.id)  # agents mentioned here answer in the thread
        return True

    @rx.event
    async def send_reply(self, form: dict[str, str]):
        user = await self._user_or_login()
        if user is None or not self.thread_id or not self.channel_id:
            return
        self.thread_sending, self.thread_error = True, ""
        yield
        media = [int(p["id"]) for p in self.thread_media if p["thread_id"] == self.thread_id]
        sent = await self._post(user, str(form.get("content", "")), media)
        self.thread_sending = False
        if sent:  # otherwise the text and the files stay for another try
            self.thread_media = [p for p in self.thread_media if p["thread_id"] != self.thread_id]
            yield rx.set_value(COMPOSER_ID, "")

    @rx.event
    async def thread_media_uploaded(self, media: dict[str, object]):
        """A video or audio file the page uploaded for the next reply: a chip until it is sent."""
        if await self._user() is None or not self.thread_id or not self.channel_id:
            self.thread_error = SESSION_ENDED
            return
        try:
            added = {**chip(media), "thread_id": self.thread_id}
        except (KeyError, ValueError, AttributeError, TypeError):  # any tab may send any arguments
            self.thread_error = NOT_UNDERSTOOD
            return
        self.thread_error = ""
        self.thread_media = [*self.thread_media, added]

    @rx.event
    async def remove_thread_media(self, media_id: int):
        """Drop a chip before sending: from the reply box and the store."""
        user = await self._user()
        if user is None:
            return
        try:
            self.thread_media = [p for p in self.thread_media if p["id"] != int(media_id)]
            await asyncio.to_thread(uploads.remove_pending, int(media_id), user.id)
        except (NeurocacheError, ValueError, TypeError) as error:
            self.thread_error = str(error)

    @rx.event
    async def send_thread_voice(self, media: dict[str, object]):
        """A voice message recorded in the reply box: sent at once as a reply of its own
        (text and files waiting in the box stay for the next one)."""
        user = await self._user_or_login()
        if user is None or not self.thread_id or not self.channel_id:
            return
        self.thread_error = ""
        try:
            media_id = int(str(dict(media).get("id")))
        except (ValueError, TypeError):
            self.thread_error = NOT_UNDERSTOOD
            return
        await self._post(user, "", [media_id])

    @rx.event
    async def thread_media_problem(self, message: str):
        """Why the page could not upload or record for the reply box."""
        if await self._user() is not None:
            self.thread_error = str(message)[:500]

    @rx.event
    async def show_version(self, message_id: int, number: int):
        """"Previous version" / "Next version" under a regenerated reply, in the
        channel's log or the thread panel; the next change to it shows the newest."""
        user = await self._user_or_login()
        valid = all(isinstance(n, int) and 0 < n < 2**63 for n in (message_id, number))
        if user is None or not valid:
            return
        try:
            view = await asyncio.to_thread(reply_versions.version, message_id, number, viewer_id=user.id)
        except NeurocacheError as error:
            return rx.toast.error(str(error))
        row = {**to_row(view), "version": number}
        self._change(lambda window: rows.replaced(window, message_id, row))
        replies = self.thread_replies
        if any(r["id"] == message_id for r in replies):
            self.thread_replies = [row if r["id"] == message_id else r for r in replies]

    # ---- live events (web/realtime/relay.py) ------------------------------------

    @classmethod
    def _wants(cls, event: Event) -> bool:
        return concerns(event)

    async def _receive(self, token: str, items: list[tuple[int, Event]]) -> None:
        if not self.thread_id:
            return
        if not self.channel_id:  # the channel closed under it (ChatState._receive ran first)
            self._close()
            return
        thread = Thread(self.thread_root, self.thread_replies)
        for channel_id, event in items:
            if channel_id == self.channel_id:
                thread = thread_after(thread, self.thread_id, event)
        if not thread.root and not self.thread_loading:
            self._close()
            self.send_error = messaging.THREAD_NOT_FOUND
            return
        self._show_thread(thread)

