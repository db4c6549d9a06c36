""""Try it" on an agent's page: the turns live in this tab's state only; the reply
streams into `stream_text` (its own small var), what its tools do into `step_text`,
the pages they read end up as the answer turn's `sources` and what they did (failures
included) as its `steps`; Stop works across reconnects. The answer itself comes from
services/agent_runs/private.py."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.messages import stored_sources
from neurocache_ui.domain.tools import Source, Step
from neurocache_ui.services import auth, messaging
from neurocache_ui.services.agent_runs import private
from neurocache_ui.web.state.agents import AgentsState
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
    """{"role", "content", "status"}, and the answers' "sources" ([{"title", "url"}], knowledge
    documents with "document_id" and "chunk_id")
    and "steps" ([{"text", "failed"}])."""
    stream_text: str = ""
    step_text: str = ""
    running: bool = False
    stop_requested: bool = False
    try_error: str = ""

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
        text = form.get("prompt") or ""
        async with self:
            if self.running:
                return
            agent_id = (await self.get_state(AgentsState)).agent_id
            if agent_id != self.try_agent_id:
                self.turns, self.try_agent_id = [], agent_id
            try:
                text = messaging.clean_content(text)
            except Invalid as error:
                self.try_error = str(error)
                return
            self.try_error = ""
            self.turns = [*self.turns, {"role": "user", "content": text, "status": "complete"}][-MAX_TURNS:]
            self.running, self.stop_requested, self.stream_text, self.step_text = True, False, "", ""
            turns = [{key: turn[key] for key in ("role", "content", "status")} for turn in self.turns]
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
                answer = {"role": "assistant", "content": content, "status": status, "sources": links, "steps": done}
                self.turns = [*self.turns, answer][-MAX_TURNS:]
            self.stream_text = self.step_text = ""
            self.running = False
            self.stop_requested = False

    async def _reply(
        self, session_token: str, agent_id: int, turns: list[dict[str, str]], tab: str, sources: list[Source],
        steps: list[Step],
    ) -> tuple[str, str]:
        """(content, status) of the agent's answer to the last turn; `sources` gets the
        pages it drew on, `steps` what its tools did."""
        user = await asyncio.to_thread(auth.user_for_session, session_token)
        if user is None:
            return "Your session has ended. Log in again.", "error"
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
                steps=steps,
            )
        finally:
            if _stops.get(tab) is stop:
                del _stops[tab]
