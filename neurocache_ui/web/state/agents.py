"""The agent roster (/agents), the new-agent form (/agents/new) and an agent's
page (/agents/[slug]). Thin: every event resolves the signed-in user on the
server and calls services/agents.py, which only ever touches that user's agents."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from neurocache_ui.domain import agent_templates
from neurocache_ui.domain.errors import Invalid, NeurocacheError, NotFound
from neurocache_ui.domain.formspec import initial_values, parse_form
from neurocache_ui.services import agents as agent_core
from neurocache_ui.services import provider_models
from neurocache_ui.services.agents import AgentPublic, AgentSettings, SettingsInvalid
from neurocache_ui.web.components.model_form import first_invalid, focus_field
from neurocache_ui.web.state.auth import AuthState

log = logging.getLogger(__name__)

PAGE = agent_core.PAGE_SIZE
ROSTER = "/agents"
NEW_AGENT = f"{ROSTER}/new"
NEW_FORM, EDIT_FORM = "new-agent", "edit-agent"
"""The ids of the new-agent and agent-settings forms."""
SESSION_ENDED = "Your session has ended. Log in again."
SAVE_FAILED = "Could not save the agent right now. Your changes are still in the form; try again."


def to_card(agent: AgentPublic) -> dict[str, Any]:
    return {
        "id": agent.id,
        "slug": agent.slug,
        "name": agent.name,
        "emoji": agent.emoji,
        "model": agent.model,
        "description": agent.description,
        "reply_mode": agent_core.REPLY_MODES.get(agent.reply_mode, agent.reply_mode),
        "rating": str(round(agent.arena_rating)) if agent.arena_games else "",
        "games": agent.arena_games,
    }


class AgentsState(AuthState):
    # The roster.
    agents: list[dict[str, Any]] = []
    search: str = ""
    has_more: bool = False
    loading: bool = False
    # The open form (new agent, or the agent at /agents/[slug]).
    form_values: dict[str, Any] = {}
    form_errors: dict[str, str] = {}
    agent_form_error: str = ""
    form_key: int = 0
    # The page the form's values belong to; the page shows the form only when it
    # is the current one, so a page never shows another page's leftover values.
    form_path: str = ""
    saving: bool = False
    agent_id: int = 0
    agent_slug: str = ""
    agent_name: str = ""
    agent_emoji: str = ""
    agent_not_found: bool = False
    # What the Model field suggests (services/provider_models.py); it takes any text too.
    model_choices: list[str] = []

    def _to_login(self):
        return rx.redirect(f"/login?next={self.router.url.path}", replace=True)

    # ---- roster ---------------------------------------------------------------

    async def _fetch(self, user_id: int, offset: int) -> None:
        page = await asyncio.to_thread(agent_core.list_agents, user_id, self.search, PAGE + 1, offset)
        rows = [to_card(a) for a in page[:PAGE]]
        self.agents = rows if offset == 0 else self.agents + rows
        self.has_more = len(page) > PAGE

    @rx.event
    async def load(self):
        """on_load of /agents: the first page of the roster, unfiltered."""
        user = await self._user()
        if user is None:
            return
        self.form_path = ""
        self.search = ""
        self.loading = True
        yield
        await self._fetch(user.id, 0)
        self.loading = False

    @rx.event
    async def set_search(self, value: str):
        user = await self._user()
        if user is None:
            yield self._to_login()
            return
        self.search = value
        await self._fetch(user.id, 0)

    @rx.event
    async def load_more(self):
        user = await self._user()
        if user is None:
            yield self._to_login()
            return
        await self._fetch(user.id, len(self.agents))

    async def _reload_roster(self, user_id: int) -> None:
        await self._fetch(user_id, 0)

    # ---- the form ---------------------------------------------------------------

    def _show_form(self, values: dict[str, Any], *, restart: bool = False) -> None:
        """Show `values` in the form of the current page.

        The inputs are uncontrolled, so they only take new values when the form
        starts over (a new `form_key`). It does not when this page's form already
        shows these values: on_load also runs when the page is shown again, maybe
        after the person started typing, and must not wipe what they typed."""
        path = self.router.url.path
        if restart or values != self.form_values or path != self.form_path:
            self.form_key += 1
        self.form_values = values
        self.form_errors = {}
        self.agent_form_error = ""
        self.saving = False
        self.form_path = path

    def _show_agent(self, agent: AgentPublic, *, restart: bool = False) -> None:
        self.agent_id = agent.id
        self.agent_slug = agent.slug
        self.agent_name = agent.name
        self.agent_emoji = agent.emoji
        self._show_form(initial_values(AgentSettings, agent), restart=restart)

    def _show_error(self, error: NeurocacheError) -> None:
        if isinstance(error, SettingsInvalid):
            self.form_errors = error.field_errors
            self.agent_form_error = "Please correct the highlighted fields."
        elif isinstance(error, Invalid) and error.field:
            self.form_errors = {error.field: str(error)}
            self.agent_form_error = ""
        else:
            self.form_errors = {}
            self.agent_form_error = str(error)

    @rx.event
    def set_field(self, name: str, value: Any):
        """A slider moved: remember its value so the page shows it."""
        if name in agent_core.SETTING_NAMES:
            self.form_values = {**self.form_values, name: value}

    @rx.event(background=True)
    async def load_model_choices(self):
        """on_load of the agent pages: the provider's models for the Model field.
        In the background, since a provider that is slow to list (up to 5 s, once
        per cache period) must not hold up the page's other events. Never fails
        the page: a list that could not be fetched is just the default model."""
        async with self:
            if await self._user() is None:
                return
        try:
            choices = await provider_models.model_choices()
        except Exception:
            log.exception("listing the provider's models failed")
            choices = []
        async with self:
            self.model_choices = choices

    @rx.event
    async def start_new(self):
        """on_load of /agents/new: an empty form with the defaults."""
        self.agent_id = 0
        self.agent_slug = ""
        self.agent_name = ""
        self.agent_emoji = ""
        self.agent_not_found = False
        if await self._user() is None:
            return
        self._show_form(initial_values(AgentSettings))

    @rx.event
    async def apply_template(self, name: str):
        """A template's settings in the new-agent form, over the defaults; nothing is
        saved until the person presses Save (what they typed before is replaced)."""
        template = agent_templates.BY_NAME.get(name) if isinstance(name, str) else None
        if template is None or self.router.url.path.rstrip("/") != NEW_AGENT:
            return
        if await self._user() is None:
            yield self._to_login()
            return
        self._show_form(initial_values(AgentSettings, template.settings), restart=True)
        yield focus_field(NEW_FORM, "name")

    @rx.event
    async def open_agent(self):
        """on_load of /agents/[slug]: the owner's agent, or "not found" for anyone else."""
        self.agent_not_found = False
        user = await self._user()
        if user is None:
            return
        slug = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            agent = await asyncio.to_thread(agent_core.get_agent, user.id, slug)
        except NotFound:
            self.agent_id = 0
            self.form_path = ""
            self.agent_not_found = True
            return
        self._show_agent(agent)

    async def _save(self, save: Callable[[], AgentPublic], action: str) -> AgentPublic | None:
        """The saved agent; None when saving failed, with the reason shown in the form."""
        try:
            return await asyncio.to_thread(save)
        except NeurocacheError as error:
            self._show_error(error)
        except Exception:
            log.exception("%s failed", action)
            self.agent_form_error = SAVE_FAILED
        self.saving = False
        return None

    @rx.event
    async def create_agent(self, form: dict[str, Any]):
        user = await self._user()
        if user is None:
            self.agent_form_error = SESSION_ENDED
            return
        self.saving = True
        yield
        agent = await self._save(
            lambda: agent_core.create_agent(user.id, parse_form(AgentSettings, form)), "creating an agent"
        )
        if agent is None:
            yield focus_field(NEW_FORM, first_invalid(AgentSettings, self.form_errors))
            return
        self.saving = False
        self.form_errors = {}
        self.agent_form_error = ""
        self.form_path = ""
        yield [rx.toast.success(f"{agent.name} created"), rx.redirect(f"{ROSTER}/{agent.slug}")]

    @rx.event
    async def save_agent(self, form: dict[str, Any]):
        user = await self._user()
        if user is None:
            self.agent_form_error = SESSION_ENDED
            return
        if not self.agent_id:
            return
        self.saving = True
        yield
        previous_slug, agent_id = self.agent_slug, self.agent_id
        agent = await self._save(
            lambda: agent_core.update_agent(user.id, agent_id, parse_form(AgentSettings, form)), f"saving agent {agent_id}"
        )
        if agent is None:
            yield focus_field(EDIT_FORM, first_invalid(AgentSettings, self.form_errors))
            return
        self._show_agent(agent, restart=True)  # show the values as stored (trimmed, derived slug)
        events: list[Any] = [rx.toast.success("Saved")]
        if agent.slug != previous_slug:
            events.append(rx.redirect(f"{ROSTER}/{agent.slug}", replace=True))
        yield events

    # ---- duplicate and delete --------------------------------------------------

    def _on_roster(self) -> bool:
        return self.router.url.path.rstrip("/") == ROSTER

    @rx.event
    async def duplicate_agent(self, agent_id: int):
        user = await self._user()
        if user is None:
            return self._to_login()
        try:
            copy = await asyncio.to_thread(agent_core.duplicate_agent, user.id, int(agent_id))
        except NeurocacheError as error:
            return rx.toast.error(str(error))
        toast = rx.toast.success(f"Duplicated as {copy.name}")
        if self._on_roster():
            await self._reload_roster(user.id)
            return toast
        return [toast, rx.redirect(f"{ROSTER}/{copy.slug}")]

    @rx.event
    async def delete_agent(self, agent_id: int):
        user = await self._user()
        if user is None:
            return self._to_login()
        try:
            await asyncio.to_thread(agent_core.delete_agent, user.id, int(agent_id))
        except NeurocacheError as error:
            return rx.toast.error(str(error))
        toast = rx.toast.success("Agent deleted")
        if self._on_roster():
            self.agents = [a for a in self.agents if a["id"] != int(agent_id)]
            await self._reload_roster(user.id)
            return toast
        self.agent_id = 0
        self.form_path = ""
        return [toast, rx.redirect(ROSTER)]
