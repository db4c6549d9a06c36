"""The thread panel: a root message, its replies and the "Reply" box. Replies
arrive live (this state is a relay receiver) and agents answer in the thread."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.events import Event, MessageCreated
from neurocache_ui.services import auth, messaging, reply_versions
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.web.realtime import relay, rows
from neurocache_ui.web.realtime.rows import Row, to_row
from neurocache_ui.web.realtime.threads import Thread, concerns, thread_after
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

    @rx.event
    async def send_reply(self, form: dict[str, str]):
        user = await self._user_or_login()
        if user is None or not self.thread_id or not self.channel_id:
            return
        self.thread_sending, self.thread_error = True, ""
        yield
        try:
            view = await asyncio.to_thread(
                messaging.post_message, self.channel_id, user_id=user.id, content=form.get("content", ""), thread_id=self.thread_id
            )
        except NeurocacheError as error:
            self.thread_sending, self.thread_error = False, str(error)  # the text stays in the box
            return
        except Exception:
            log.exception("replying in thread %s failed", self.thread_id)
            self.thread_sending = False
            self.thread_error = "Could not send your reply right now. It is still in the box; try again."
            return
        self.thread_sending = False
        self._show_thread(thread_after(Thread(self.thread_root, self.thread_replies), self.thread_id, MessageCreated(message=view)))
        runner.trigger(view, triggered_by_user_id=user.id)  # agents mentioned here answer in the thread
        yield rx.set_value(COMPOSER_ID, "")

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

