""""Add to test set" on an agent's reply in a channel: a small dialog choosing the set
(or a new one) and whether the reply was good (it becomes the expected answer) or
bad (a note; the default when someone reacted 👎). services/evals/capture.py decides
who may (the agent's owner, a member of the channel) and what is stored."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services.evals import capture
from neurocache_ui.web.state.auth import AuthState

NEW_SET = "new"
SHOWN = 600


class EvalCaptureState(AuthState):
    capture_open: bool = False
    capture_message: int = 0
    capture_agent: str = ""
    capture_input: str = ""
    capture_reply: str = ""
    capture_verdict: str = "good"
    capture_sets: list[dict[str, str]] = []
    capture_error: str = ""

    @rx.event
    async def open_capture(self, message_id: int):
        """Open the dialog for reply `message_id`, or say why it cannot be added."""
        user = await self._user()
        if user is None or not isinstance(message_id, int):
            return
        self.capture_open, self.capture_message, self.capture_error = True, message_id, ""
        try:
            found = await asyncio.to_thread(capture.inspect, user.id, message_id)
        except NeurocacheError as error:
            self.capture_error, self.capture_sets, self.capture_input, self.capture_reply = str(error), [], "", ""
            return
        self.capture_agent, self.capture_verdict = found.agent_name, found.verdict
        self.capture_input, self.capture_reply = found.input[:SHOWN], found.reply[:SHOWN]
        self.capture_sets = [{"id": str(s.id), "name": s.name} for s in found.sets]

    @rx.event
    def close_capture(self):
        self.capture_open, self.capture_error = False, ""

    @rx.event
    async def save_capture(self, form: dict[str, Any]):
        user = await self._user()
        if user is None or not self.capture_message:
            return
        chosen = str(form.get("set") or NEW_SET)
        verdict = str(form.get("verdict") or self.capture_verdict)
        try:
            made, _ = await asyncio.to_thread(
                lambda: capture.add(user.id, self.capture_message, verdict,
                                    set_id=int(chosen) if chosen.isdigit() else None,
                                    new_set=str(form.get("new_set") or ""), note=str(form.get("note") or "")))
        except NeurocacheError as error:
            self.capture_error = str(error)
            return
        self.capture_open = False
        yield rx.toast.success(f"Added to the test set “{made.name}” ({made.cases} cases)")
