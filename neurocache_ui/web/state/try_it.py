""""Try it": the owner chats privately with one of their agents, on its page,
before putting it in a channel. Nothing is stored in channels; the turns live in
this tab's state only. The reply streams into `stream_text` (its own small var),
at most every 50 ms like channel replies (core.runner.Flusher), Stop works, and
usage is recorded (source "hub", the agent, no channel)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.services import agents, auth, knowledge, usage
from neurocache_ui.infra import llm
from neurocache_ui.domain import prompts
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.settings import get_settings
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
    turns: list[dict[str, str]] = []
    stream_text: str = ""
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
        text = (form.get("prompt") or "").strip()
        async with self:
            if self.running:
                return
            agent_id = (await self.get_state(AgentsState)).agent_id
            if agent_id != self.try_agent_id:
                self.turns, self.try_agent_id = [], agent_id
            limit = get_settings().max_message_chars
            if not text or len(text) > limit:
                self.try_error = "Type a message to send." if not text else f"Message is too long (the limit is {limit:,})."
                return
            self.try_error = ""
            self.turns = [*self.turns, {"role": "user", "content": text, "status": "complete"}][-MAX_TURNS:]
            self.running, self.stop_requested, self.stream_text = True, False, ""
            turns = list(self.turns)
            session_token = self._current_token()
            tab = self.router.session.client_token
        try:
            content, status = await self._reply(session_token, agent_id, turns, tab)
        except Exception:
            log.exception("a Try it reply failed")
            content, status = "⚠️ The reply failed unexpectedly. Try again in a moment.", "error"
        async with self:
            if self.try_agent_id == agent_id:
                self.turns = [*self.turns, {"role": "assistant", "content": content, "status": status}][-MAX_TURNS:]
            self.stream_text = ""
            self.running = False
            self.stop_requested = False

    async def _reply(self, session_token: str, agent_id: int, turns: list[dict[str, str]], tab: str) -> tuple[str, str]:
        """(content, status) of the agent's answer to the last turn."""
        user = await asyncio.to_thread(auth.user_for_session, session_token)
        if user is None:
            return "Your session has ended. Log in again.", "error"
        try:
            agent = await asyncio.to_thread(agents.get_agent, user.id, agent_id)
        except NeurocacheError as error:
            return str(error), "error"
        if not llm.provider_configured():
            return llm.NO_PROVIDER_NOTICE, "error"
        hits: list[knowledge.SearchHit] = []
        if agent.knowledge_enabled:
            try:
                hits = await asyncio.to_thread(knowledge.search, agent.id, turns[-1]["content"][:500], runner.KNOWLEDGE_HITS)
            except NeurocacheError as error:
                log.warning("knowledge search for agent %s failed: %s", agent.id, error)
        usable = [t for t in turns if t.get("status") != "error"]
        stream = llm.stream_chat(
            prompts.build_try_messages(agent, usable, knowledge=hits),
            model=agent.model,
            temperature=agent.temperature,
            max_tokens=agent.max_tokens,
            user_id=user.id,  # counts against the user's hourly model-call quota
        )
        stop = _stops[tab] = asyncio.Event()

        async def show(text: str) -> None:
            async with self:
                self.stream_text = text
                if self.stop_requested:
                    stop.set()

        async def watch_stop() -> None:
            while not stop.is_set():
                await asyncio.sleep(STOP_POLL)
                async with self:
                    if self.stop_requested:
                        stop.set()

        flusher = runner.Flusher(show)
        max_chars = get_settings().max_message_chars
        cut = False

        async def consume() -> None:
            nonlocal cut
            async with stream:
                async for _ in stream:
                    if len(stream.text) > max_chars:
                        cut = True
                        break
                    flusher.update(stream.text)

        consumer = asyncio.create_task(consume())
        watchers = [asyncio.create_task(stop.wait()), asyncio.create_task(watch_stop())]
        try:
            await asyncio.wait([consumer, watchers[0]], return_when=asyncio.FIRST_COMPLETED)
            if not consumer.done():
                consumer.cancel()
            await asyncio.gather(consumer, return_exceptions=True)
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            await flusher.close()
            if _stops.get(tab) is stop:
                del _stops[tab]
        result = stream.result
        assert result is not None
        if result.attempts:
            await asyncio.to_thread(lambda: usage.record_result(user.id, result, source="hub", agent_id=agent.id))
        return runner.compose(
            result.text,
            outcome=result.outcome,
            error=result.error,
            stopped_by="you",
            sources=runner.sources_line(hits),
            cut=cut,
        )
