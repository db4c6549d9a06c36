""""Try it" on an agent's page: the turns live in this tab's state only; the reply
streams into `stream_text` (its own small var), what its tools do into `step_text`,
the pages they read end up as the answer turn's `sources` and what they did (failures
included) as its `steps`; Stop works across reconnects. Video and audio files and voice
messages are uploaded by the page for this agent's chat (web/components/media_composer.jsx,
only the hub's answer comes here), sent with the next turn (services/media/sending.py)
and shown in it with their processing progress. The answer itself comes from
services/agent_runs/private.py."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import Invalid, NeurocacheError
from neurocache_ui.domain.media import MediaRef
from neurocache_ui.domain.messages import stored_sources
from neurocache_ui.domain.tools import Source, Step
from neurocache_ui.services import auth, messaging
from neurocache_ui.services.agent_runs import private
from neurocache_ui.services.media import sending, uploads
from neurocache_ui.web.realtime import rows
from neurocache_ui.web.state.agents import AgentsState
from neurocache_ui.web.state.attachments import NOT_UNDERSTOOD, SESSION_ENDED, chip
from neurocache_ui.web.state.auth import AuthState

log = logging.getLogger(__name__)

STOP_POLL = 0.25
MAX_TURNS = 40
# Stop requests for replies running in this process, by tab: the tab's events
# reach the worker that runs its reply, so a stop is immediate; the
# `stop_requested` var also works if the tab reconnected to another worker.
_stops: dict[str, asyncio.Event] = {}


class TryItState(AuthState):
    try_agent_id: int = 0
    turns: list[dict[str, Any]] = []
    """{"role", "content", "status"}; the person's "media" (file ids) and "players" (their
    players' JSON text, web/realtime/rows.players); the answers' "shown" (the content with
    cited moments as links), "sources" ([{"title", "url"}], knowledge
    documents with "document_id" and "chunk_id")
    and "steps" ([{"text", "failed"}])."""
    try_media: list[dict[str, Any]] = []
    """Video and audio uploaded for the next turn: chips with the "agent_id" they were chosen for."""
    stream_text: str = ""
    step_text: str = ""
    running: bool = False
    stop_requested: bool = False
    try_error: str = ""

    def _start_over(self, agent_id: int) -> None:
        """Another agent's page: its own chat, with nothing of the previous one's."""
        self.turns, self.try_agent_id = [], agent_id
        self.try_media = [p for p in self.try_media if p["agent_id"] == agent_id]

    @rx.event
    def clear(self):
        if not self.running:
            self.turns = []
            self.try_error = ""

    @rx.event
    def stop(self):
        self.stop_requested = True
        if (event := _stops.get(self.router.session.client_token)) is not None:
            event.set()

    @rx.event(background=True)
    async def ask(self, form: dict[str, Any]):
        """The person's turn (text, the files waiting in the composer; or, from send_voice,
        {"voice": id} alone), then the agent's streamed answer."""
        text = form.get("prompt") or ""
        async with self:
            if self.running:
                return
            agent_id = (await self.get_state(AgentsState)).agent_id
            if agent_id != self.try_agent_id:
                self._start_over(agent_id)
            try:
                media = _media_asked(form, self.try_media, agent_id)
                text = messaging.clean_content(text if "voice" not in form else "", allow_empty=bool(media))
            except (Invalid, ValueError, TypeError) as error:
                self.try_error = str(error) if isinstance(error, Invalid) else NOT_UNDERSTOOD
                return
            self.try_error = ""
            if "voice" not in form:
                self.try_media = [p for p in self.try_media if p["agent_id"] != agent_id]
            turn = {"role": "user", "content": text, "status": "complete", "media": media, "players": ""}
            self.turns = [*self.turns, turn][-MAX_TURNS:]
            self.running, self.stop_requested, self.stream_text, self.step_text = True, False, "", ""
            turns = [{key: turn[key] for key in ("role", "content", "status", "media") if key in turn} for turn in self.turns]
            session_token = self._current_token()
            tab = self.router.session.client_token
        sources: list[Source] = []
        steps: list[Step] = []
        try:
            content, status = await self._reply(session_token, agent_id, turns, tab, sources, steps)
        except Exception:
            log.exception("a Try it reply failed")
            content, status = "⚠️ The reply failed unexpectedly. Try again in a moment.", "error"
        links = stored_sources(sources)
        done = [{"text": step.text, "failed": step.failed} for step in steps]
        async with self:
            if self.try_agent_id == agent_id:
                answer = {"role": "assistant", "content": content, "shown": rows.linked_moments(content), "status": status,
                          "sources": links, "steps": done}
                self.turns = [*self.turns, answer][-MAX_TURNS:]
            self.stream_text = self.step_text = ""
            self.running = False
            self.stop_requested = False

    @rx.event
    async def media_uploaded(self, media: dict[str, object]):
        """A video or audio file the page uploaded for this agent's chat: a chip until the next turn."""
        agent_id = (await self.get_state(AgentsState)).agent_id
        if await self._user() is None or not agent_id:
            self.try_error = SESSION_ENDED
            return
        try:
            added = {**chip(media), "agent_id": agent_id}
        except (KeyError, ValueError, AttributeError, TypeError):  # any tab may send any arguments
            self.try_error = NOT_UNDERSTOOD
            return
        self.try_error = ""
        if agent_id != self.try_agent_id and not self.running:
            self._start_over(agent_id)
        self.try_media = [*self.try_media, added]

    @rx.event
    async def remove_media(self, media_id: int):
        """Drop a chip before sending: from the composer and the store."""
        user = await self._user()
        if user is None:
            return
        try:
            self.try_media = [p for p in self.try_media if p["id"] != int(media_id)]
            await asyncio.to_thread(uploads.remove_pending, int(media_id), user.id)
        except (NeurocacheError, ValueError, TypeError) as error:
            self.try_error = str(error)

    @rx.event
    async def send_voice(self, media: dict[str, object]):
        """A recorded voice message: a turn of its own at once (a chip while an answer is running)."""
        if self.running:
            return TryItState.media_uploaded(media)
        try:
            media_id = int(str(dict(media).get("id")))
        except (ValueError, TypeError):
            self.try_error = NOT_UNDERSTOOD
            return None
        return TryItState.ask({"voice": media_id})

    @rx.event
    async def media_problem(self, message: str):
        """Why the page could not upload or record."""
        if await self._user() is not None:
            self.try_error = str(message)[:500]

    async def _show_media(self, media: list[int], refs: list[MediaRef]) -> None:
        """The players of the turn that sent `media`, as its files are now (progress, then ready)."""
        async with self:
            shown = rows.players(refs)
            self.turns = [
                {**turn, "players": shown} if turn.get("media") == media and turn["role"] == "user" else turn
                for turn in self.turns
            ]

    async def _reply(
        self, session_token: str, agent_id: int, turns: list[dict[str, Any]], tab: str, sources: list[Source],
        steps: list[Step],
    ) -> tuple[str, str]:
        """(content, status) of the agent's answer to the last turn; `sources` gets the
        pages it drew on, `steps` what its tools did."""
        user = await asyncio.to_thread(auth.user_for_session, session_token)
        if user is None:
            return SESSION_ENDED, "error"
        media: list[int] = turns[-1].get("media") or []
        if media:
            try:
                await asyncio.to_thread(sending.send_private, user.id, agent_id, media)
            except NeurocacheError as error:
                return str(error), "error"
        stop = _stops[tab] = asyncio.Event()

        async def show(text: str) -> None:
            async with self:
                self.stream_text = text
                if self.stop_requested:
                    stop.set()

        async def step(text: str) -> None:
            async with self:
                self.step_text = text

        async def watch_stop() -> None:
            while not stop.is_set():
                await asyncio.sleep(STOP_POLL)
                async with self:
                    if self.stop_requested:
                        stop.set()

        try:
            return await private.answer(
                user.id, agent_id, turns, show=show, stop=stop, watch=watch_stop, on_step=step, sources=sources,
                steps=steps, on_media=lambda refs: self._show_media(media, refs),
            )
        finally:
            if _stops.get(tab) is stop:
                del _stops[tab]


def _media_asked(form: dict[str, Any], waiting: list[dict[str, Any]], agent_id: int) -> list[int]:
    """The files a turn sends: a voice message's id, or the chips waiting for this agent."""
    if "voice" in form:
        return [int(form["voice"])]
    return [int(p["id"]) for p in waiting if p["agent_id"] == agent_id]
