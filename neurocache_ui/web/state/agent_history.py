"""The agent page's History tab: the agent's versions (newest first, paged), a
comparison of any two (changed settings, the instructions' line diff) and Restore,
which saves an old version's settings as a new version. Every event re-resolves the
user; services/agent_versions.py only reads that user's agents."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import agent_versions
from neurocache_ui.services import agents as agent_core
from neurocache_ui.services.agents import AgentSettings
from neurocache_ui.web.state.agents import SESSION_ENDED, AgentsState

log = logging.getLogger(__name__)

PAGE = 20
MARKS = {"same": " ", "added": "+", "removed": "−"}


def setting_title(name: str) -> str:
    """A setting as the form labels it (MCP servers have no form field)."""
    field = AgentSettings.model_fields.get(name)
    return (field.title if field is not None and field.title else name.replace("_", " ").capitalize())


def version_row(version: agent_versions.VersionView) -> dict[str, Any]:
    return {
        "number": version.number,
        "label": f"v{version.number}",
        "author": version.author,
        "when": version.created_at.strftime("%d %b %Y, %H:%M UTC"),
        "at": version.created_at.isoformat(),
    }


class HistoryState(AgentsState):
    versions: list[dict[str, Any]] = []
    versions_more: bool = False
    history_loading: bool = False
    history_error: str = ""
    before: str = ""
    after: str = ""
    changes: list[dict[str, str]] = []
    diff: list[dict[str, str]] = []
    knowledge_changed: bool = False
    instructions_changed: bool = False

    async def _owner(self) -> int | None:
        user = await self._user()
        if user is None:
            self.history_error = SESSION_ENDED
            return None
        return user.id if self.agent_id else None

    @rx.var
    def current_version(self) -> int:
        return int(self.versions[0]["number"]) if self.versions else 0

    @rx.event
    async def load_history(self):
        """Opening the tab: the newest versions, and the newest compared with the one before."""
        owner = await self._owner()
        if owner is None:
            return
        self.history_loading, self.history_error = True, ""
        yield
        try:
            page, more = await asyncio.to_thread(agent_versions.list_versions, owner, self.agent_id, PAGE, 0)
        except NeurocacheError as error:
            self.history_loading, self.history_error = False, str(error)
            return
        self.versions, self.versions_more, self.history_loading = [version_row(v) for v in page], more, False
        if page:
            newest = page[0].number
            await self._compare(owner, max(newest - 1, 1), newest)

    @rx.event
    async def more_versions(self):
        owner = await self._owner()
        if owner is None:
            return
        try:
            page, more = await asyncio.to_thread(
                agent_versions.list_versions, owner, self.agent_id, PAGE, len(self.versions)
            )
        except NeurocacheError as error:
            self.history_error = str(error)
            return
        known = {v["number"] for v in self.versions}
        self.versions = [*self.versions, *(version_row(v) for v in page if v.number not in known)]
        self.versions_more = more

    async def _compare(self, owner: int, before: int, after: int) -> None:
        try:
            found = await asyncio.to_thread(agent_versions.compare, owner, self.agent_id, before, after)
        except NeurocacheError as error:
            self.history_error = str(error)
            return
        self.before, self.after = str(before), str(after)
        self.changes = [{"name": setting_title(c.name), "before": c.before, "after": c.after} for c in found.fields]
        self.diff = [{"kind": line.kind, "mark": MARKS[line.kind], "text": line.text} for line in found.instructions]
        self.instructions_changed = any(line.kind != "same" for line in found.instructions)
        self.knowledge_changed = found.before.knowledge != found.after.knowledge

    @rx.event
    async def pick_before(self, value: str):
        await self._pick(value, self.after)

    @rx.event
    async def pick_after(self, value: str):
        await self._pick(self.before, value)

    async def _pick(self, before: Any, after: Any) -> None:
        owner = await self._owner()
        if owner is None or not str(before).isdigit() or not str(after).isdigit():
            return
        await self._compare(owner, int(before), int(after))

    @rx.event
    async def restore(self, number: int):
        """Save version `number`'s settings again (a new version); the form shows them."""
        owner = await self._owner()
        if owner is None or not isinstance(number, int):
            return
        current = self.current_version
        try:
            agent = await asyncio.to_thread(agent_core.restore_version, owner, self.agent_id, number)
        except NeurocacheError as error:
            self.history_error = str(error)
            return
        except Exception:
            log.exception("restoring version %s of agent %s failed", number, self.agent_id)
            self.history_error = "Could not restore that version right now. Try again in a moment."
            return
        self._show_agent(agent, restart=True)
        yield HistoryState.load_history
        if agent.version == current:
            yield rx.toast.info(f"The agent already has version {number}'s settings.")
        else:
            yield rx.toast.success(f"Version {number} restored as version {agent.version}")
