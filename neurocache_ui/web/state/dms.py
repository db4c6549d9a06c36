"""The "New message" dialog: pick people and agents (or type emails), then open the
direct message with them (services/dms.py starts it or finds the existing one).
Apart from ChatState, so the chat's hot path never loads it."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.dm_rules import MAX_MEMBERS
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import dms
from neurocache_ui.web.state.auth import AuthState

PERSON, AGENT = "person-", "agent-"
"""Form field prefixes of the dialog's checkboxes: `person-<user id>`, `agent-<agent id>`."""


def _picked(form: dict[str, Any], prefix: str) -> list[int]:
    """The ids the form's checked boxes name; anything else a tab sends is ignored."""
    ids = [key[len(prefix):] for key, value in form.items() if isinstance(key, str) and key.startswith(prefix) and value]
    return [int(i) for i in ids if i.isdigit() and len(i) < 10][: MAX_MEMBERS + 1]


def _emails(text: Any) -> list[str]:
    return [e for e in str(text or "").replace(";", ",").replace("\n", ",").split(",") if e.strip()][: MAX_MEMBERS + 1]


class DmState(AuthState):
    picker_open: bool = False
    picker_loading: bool = False
    picker_error: str = ""
    people: list[dict[str, Any]] = []
    """[{"id", "name"}]: people the user shares a channel with."""
    dm_agents: list[dict[str, Any]] = []
    """[{"id", "name", "emoji", "detail"}]: agents the user may message."""

    @rx.event
    async def open_picker(self, is_open: bool):
        """Open (and fill) or close the dialog."""
        self.picker_open, self.picker_error = bool(is_open), ""
        if not is_open:
            return
        user, problem = await self._user_or_none()
        if user is None:
            self.picker_error = problem
            return
        self.picker_loading = True
        yield
        try:
            found = await asyncio.to_thread(dms.candidates, user.id)
        except NeurocacheError as error:
            self.picker_error = str(error)
        else:
            self.people = [{"id": p.id, "name": p.name} for p in found.people]
            self.dm_agents = [
                {"id": a.id, "name": a.name, "emoji": a.emoji,
                 "detail": f"@{a.slug}" + ("" if a.owned else f" · {a.owner_name}'s")}
                for a in found.agents
            ]
        self.picker_loading = False

    @rx.event
    async def start_dm(self, form: dict[str, Any]):
        """Open the DM with the checked people and agents and the typed emails."""
        user, problem = await self._user_or_none()
        if user is None:
            self.picker_error = problem
            return
        try:
            view, _ = await asyncio.to_thread(
                lambda: dms.open_dm(user.id, emails=_emails(form.get("emails")), user_ids=_picked(form, PERSON),
                                    agent_ids=_picked(form, AGENT))
            )
        except NeurocacheError as error:
            self.picker_error = str(error)
            return
        self.picker_open, self.picker_error = False, ""
        return rx.redirect(f"/channels/{view.slug}")
