"""The open channel's agents: the team in the header, the "Add agent" picker,
@mention completion, and who is replying. A substate of ChatState, so a reply's
`steps` (message id -> the tool it is using, e.g. "Searching the web for …")
never resend the message lists; its text reaches the page outside the state
(web/realtime/streams.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.roles import ChannelRole
from neurocache_ui.domain.events import (
    AgentStepped,
    Event,
    MessageCreated,
    MessageUpdated,
    TeamChanged,
)
from neurocache_ui.services import agents as agents_core
from neurocache_ui.services import channels, moderation, team
from neurocache_ui.services.agent_runs import regenerate, runner
from neurocache_ui.web.realtime import dispatch, relay
from neurocache_ui.web.realtime.dispatch import names_text
from neurocache_ui.web.realtime.watchers import watchers
from neurocache_ui.web.state.chat import ChatState

log = logging.getLogger(__name__)

PICKER = "add-agent"
PICKER_LIMIT = agents_core.MAX_PAGE_SIZE


def mention_candidates(
    agents: list[dict[str, Any]], people: Sequence[channels.Member | moderation.MemberRole], viewer_id: int
) -> list[dict[str, Any]]:
    """What the composers' @mention popup offers: the channel's agents (inserted as
    `@slug`, which wakes them) and its people but the viewer (inserted as `@Name`,
    which mentions them)."""
    return [
        *({"kind": "agent", "label": a["name"], "insert": a["slug"], "hint": "@" + a["slug"], "icon": a["emoji"]} for a in agents),
        *({"kind": "person", "label": p.name, "insert": p.name, "hint": "", "icon": "👤"} for p in people if p.user_id != viewer_id),
    ]


def agent_chip(agent: team.ChannelAgentView, *, is_channel_owner: bool) -> dict[str, Any]:
    return {
        "id": agent.id,
        "slug": agent.slug,
        "name": agent.name,
        "emoji": agent.emoji,
        "description": agent.description,
        "mode": agents_core.REPLY_MODES.get(agent.reply_mode, agent.reply_mode),
        "removable": agent.owned or is_channel_owner,
    }


class TeamState(ChatState):
    channel_agents: list[dict[str, Any]] = []
    mention_candidates: list[dict[str, Any]] = []
    my_agents: list[dict[str, Any]] = []
    picker_error: str = ""
    picker_loading: bool = False
    steps: dict[str, str] = {}
    replying: dict[str, str] = {}
    _team_channel: int = 0

    @rx.var
    def replying_text(self) -> str:
        return names_text(list(dict.fromkeys(self.replying.values())), "replying")

    # ---- the team ----------------------------------------------------------------

    async def _load_team(self) -> None:
        user_id, channel_id = self.user_id, self.channel_id
        if not channel_id or not user_id:
            self.channel_agents, self.mention_candidates = [], []
            return
        try:
            found = await asyncio.to_thread(team.channel_agents, channel_id, user_id)
            people = await asyncio.to_thread(moderation.members, channel_id, user_id)
        except NeurocacheError as error:
            log.info("team of channel %s not loaded: %s", channel_id, error)
            self.channel_agents, self.mention_candidates = [], []  # e.g. an open channel read before joining
            return
        self.can_moderate = any(p.user_id == user_id and p.role != ChannelRole.MEMBER for p in people)  # live: roles change
        self.channel_agents = [agent_chip(a, is_channel_owner=self.is_owner) for a in found]
        self.mention_candidates = mention_candidates(self.channel_agents, people, user_id)

    @rx.event
    async def load_team(self):
        """on_load of /channels/[slug], after ChatState.open_channel (which checked
        the session and membership; `_load_team` asks the service with this user again)."""
        if await self._user() is None:
            return
        if self._team_channel != self.channel_id:
            self.steps, self.replying = {}, {}
            self._team_channel = self.channel_id
        if self.channel_id:
            watchers.focus(self._token(), self.channel_id)
        self.replying = {
            str(row["id"]): row["author"]
            for row in self.latest + self.recent
            if row["kind"] == "agent" and row["status"] == runner.STREAMING
        }
        await relay.catch_up(self._token(), [int(key) for key in self.replying])
        await self._load_team()

    async def _load_my_agents(self, user_id: int) -> None:
        mine = await asyncio.to_thread(agents_core.list_agents, user_id, "", PICKER_LIMIT)
        in_channel = {a["id"] for a in self.channel_agents}
        self.my_agents = [
            {"id": a.id, "slug": a.slug, "name": a.name, "emoji": a.emoji, "in_channel": a.id in in_channel}
            for a in mine
        ]

    @rx.event
    async def toggle_picker(self, is_open: bool):
        self.dialog_open = PICKER if is_open else ""
        self.picker_error = ""
        if not is_open:
            return
        user = await self._user_or_login()
        if user is None:
            self.picker_error = "Your session has ended. Log in again."
            return
        self.picker_loading = True
        yield
        try:
            await self._load_team()
            await self._load_my_agents(user.id)
        except NeurocacheError as error:
            self.picker_error = str(error)
        self.picker_loading = False

    async def _change_team(self, change: Callable[[int, int], Any]) -> bool:
        user = await self._user_or_login()
        if user is None:
            self.picker_error = "Your session has ended. Log in again."
            return False
        try:
            await asyncio.to_thread(change, self.channel_id, user.id)
            await self._load_team()
            await self._load_my_agents(user.id)
        except NeurocacheError as error:
            self.picker_error = str(error)
            return False
        self.picker_error = ""
        return True

    @rx.event
    async def add_agent(self, agent_id: int):
        if await self._change_team(lambda channel_id, user_id: team.add_agent(channel_id, user_id, agent_id)):
            name = next((a["name"] for a in self.channel_agents if a["id"] == agent_id), "The agent")
            return rx.toast.success(f"{name} joined the channel")

    @rx.event
    async def remove_agent(self, agent_id: int):
        name = next((a["name"] for a in self.channel_agents if a["id"] == agent_id), "The agent")
        if await self._change_team(lambda channel_id, user_id: team.remove_agent(channel_id, user_id, agent_id)):
            return rx.toast.success(f"{name} left the channel")

    # ---- replies --------------------------------------------------------------------------

    @rx.event
    async def stop_reply(self, message_id: int):
        user = await self._user_or_login()
        if user is None:
            return
        try:
            await runner.stop_reply(message_id, user.id)
        except NeurocacheError as error:
            return rx.toast.error(str(error))

    @rx.event
    async def regenerate(self, message_id: int):
        """"Regenerate" / "Retry" on an agent's reply: written again in place (the old
        text stays as an earlier version); why it cannot be comes back as a toast."""
        user = await self._user_or_login()
        if user is None or not isinstance(message_id, int) or not 0 < message_id < 2**63:
            return
        try:
            await regenerate.regenerate(message_id, user.id)
        except NeurocacheError as error:
            return rx.toast.error(str(error))

    @classmethod
    def _wants(cls, event: Event) -> bool:
        if isinstance(event, MessageCreated | MessageUpdated):
            return event.message.author_kind == "agent"
        return isinstance(event, TeamChanged | AgentStepped)

    async def _receive(self, token: str, items: list[tuple[int, Event]]) -> None:
        """Live events of the open channel, after ChatState._receive has applied
        them to the message rows (web/realtime/relay.py calls both)."""
        replying, steps, team_changed = self.replying, self.steps, False
        for channel_id, event in items:
            if not self.channel_id or channel_id != self.channel_id:
                continue
            team_changed = team_changed or isinstance(event, TeamChanged)
            steps = dispatch.steps_after(replying, steps, event)
            replying = dispatch.replying_after(replying, event)
        if replying is not self.replying:
            self.replying = replying
        if steps is not self.steps:
            self.steps = steps
        if team_changed:
            await self._load_team()
