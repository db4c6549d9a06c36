"""Webhooks in the hub. The channel's "Incoming webhooks" dialog: its owner and
moderators list, create (the URL shown once, in this dialog only) and revoke them; the
API keys page's "Outgoing webhooks": the person's own, with Delete. Each handler resolves
the session again and the services check the role or the owner, so a member, or a tab
that sends another channel or webhook, gets the service's refusal like any API caller."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services.webhooks import incoming, outgoing
from neurocache_ui.web.state.auth import SESSION_ENDED, AuthState
from neurocache_ui.web.state.chat import ChatState

NOT_A_FORM = "That was not a webhook form. Reload the page and try again."


class IncomingHooksState(AuthState):
    hooks_open: bool = False
    hooks: list[dict[str, str]] = []
    hooks_error: str = ""
    new_hook_url: str = ""

    async def _run(self, action: Any) -> bool:
        """`action(user_id, channel_id)` for the open channel, then the list again; errors shown in the dialog."""
        self.hooks_error = ""
        user = await self._user()
        if user is None:
            self.hooks_error = SESSION_ENDED
            return False
        channel_id = (await self.get_state(ChatState)).channel_id

        def run() -> list[incoming.IncomingPublic]:
            action(user.id, channel_id)
            return incoming.list_for(channel_id, user.id)

        try:
            listed = await asyncio.to_thread(run)
        except NeurocacheError as error:
            self.hooks_error = str(error)
            return False
        self.hooks = [{"id": str(h.id), "name": h.name, "prefix": h.prefix, "agents": "yes" if h.trigger_agents else ""}
                      for h in listed]
        return True

    @rx.event
    async def open_hooks(self):
        """The channel menu's "Incoming webhooks"."""
        self.hooks_open, self.new_hook_url, self.hooks = True, "", []
        await self._run(lambda user_id, channel_id: None)

    @rx.event
    def set_hooks_open(self, is_open: bool):
        self.hooks_open = bool(is_open)
        if not self.hooks_open:
            self.new_hook_url = ""

    @rx.event
    async def create_hook(self, form: dict[str, Any]):
        if not isinstance(form, dict):
            self.hooks_error = NOT_A_FORM
            return
        name, wakes = str(form.get("name", "")), form.get("trigger_agents") in ("on", True, "true")
        made: list[str] = []

        def create(user_id: int, channel_id: int) -> None:
            made.append(incoming.create(channel_id, user_id, name, trigger_agents=wakes)[0])

        if await self._run(create):
            self.new_hook_url = f"{self.router.url.origin}{incoming.HOOK_PATH}{made[0]}"

    @rx.event
    async def revoke_hook(self, hook_id: int):
        if not isinstance(hook_id, int | str) or not str(hook_id).isdigit():
            self.hooks_error = NOT_A_FORM
            return
        await self._run(lambda user_id, channel_id: incoming.revoke(channel_id, user_id, int(hook_id)))


class OutgoingHooksState(AuthState):
    """The API keys page's "Outgoing webhooks": the signed-in person's webhooks, whether
    each is on (or why it was turned off), its newest attempt, and Delete. They are made
    over the API, where the secret is shown."""

    out_hooks: list[dict[str, str]] = []
    out_error: str = ""

    async def _reload(self, user_id: int) -> None:
        def read() -> list[dict[str, str]]:
            rows = []
            for hook in outgoing.list_for(user_id):
                last = outgoing.deliveries(user_id, hook.id, limit=1)
                rows.append({
                    "id": str(hook.id), "url": hook.url, "events": ", ".join(hook.events),
                    "channel": f"#{hook.channel}" if hook.channel else "all your channels",
                    "active": "yes" if hook.active else "", "reason": hook.disabled_reason,
                    "last": (f"Last delivery: {last[0].status_code or 'no answer'} · {last[0].attempted_at:%Y-%m-%d %H:%M} UTC"
                             if last else "Nothing sent yet"),
                })
            return rows

        try:
            self.out_hooks = await asyncio.to_thread(read)
        except NeurocacheError as error:
            self.out_error = str(error)

    @rx.event
    async def load_out_hooks(self):
        self.out_error = ""
        user = await self._user()
        if user is not None:
            await self._reload(user.id)

    @rx.event
    async def delete_out_hook(self, webhook_id: int):
        self.out_error = ""
        user = await self._user()
        if user is None:
            self.out_error = SESSION_ENDED
            return
        if not isinstance(webhook_id, int | str) or not str(webhook_id).isdigit():
            self.out_error = NOT_A_FORM
            return
        try:
            await asyncio.to_thread(outgoing.delete, user.id, int(webhook_id))
        except NeurocacheError as error:
            self.out_error = str(error)
        await self._reload(user.id)
