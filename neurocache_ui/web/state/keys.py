"""/keys: the signed-in user's API keys; every event re-resolves the user and calls
services/api_keys.py. A new key's secret stays in `new_key` only until the person
dismisses it or leaves (shown once); the list only ever has prefixes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import reflex as rx

from neurocache_ui.domain import api_examples, scopes
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import agents, api_keys, key_limits
from neurocache_ui.services.api_keys import ApiKeyPublic
from neurocache_ui.web.state.auth import AuthState

EXPIRY_CHOICES: dict[str, int | None] = {
    "Never": None,
    "7 days": 7,
    "30 days": 30,
    "90 days": 90,
    "1 year": 365,
}


def _when(moment: datetime | None, empty: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else empty


def _reach(key: ApiKeyPublic) -> str:
    parts = [f"{label}: {', '.join(slugs)}" for label, slugs in (("Agents", key.agent_slugs), ("Channels", key.channel_slugs)) if slugs]
    return " · ".join(parts) or "All agents and channels"


def _budget(key: ApiKeyPublic, used: int) -> str:
    if key.monthly_budget is None:
        return f"{used:,} calls, no budget"
    return f"{used:,} / {key.monthly_budget:,} calls"


def to_row(key: ApiKeyPublic, used: int = 0) -> dict[str, Any]:
    """`used`: the key's model calls this month."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix + "…",
        "created": _when(key.created_at, ""),
        "last_used": _when(key.last_used_at, "Never"),
        "expires": _when(key.expires_at, "Never"),
        "status": key.status,
        "scopes": ", ".join(key.scopes),
        "reach": _reach(key),
        "budget": _budget(key, used),
    }


def limits_of(form: dict[str, Any]) -> scopes.KeyLimits:
    """The dialog's fields as a key's limits (Invalid with a message to show): a checkbox
    per scope (`scope_<name>`, sent only when ticked), comma-separated slugs, a budget."""
    return scopes.KeyLimits(
        scopes=scopes.parse_scopes([name for name in scopes.SCOPES if form.get(f"scope_{name}")]),
        agents=scopes.parse_slugs(str(form.get("agents") or ""), "agents"),
        channels=scopes.parse_slugs(str(form.get("channels") or ""), "channels"),
        budget=scopes.parse_budget(str(form.get("budget") or "")),
    )


class KeysState(AuthState):
    keys: list[dict[str, Any]] = []
    loading: bool = False
    new_key: str = ""
    new_key_name: str = ""
    create_open: bool = False
    create_error: str = ""
    expiry: str = "Never"
    keys_error: str = ""
    example_agent: str = ""
    """The slug the "Use your key" examples ask (the first of the person's agents), or "" for a placeholder."""
    hub_origin: str = ""
    """This hub's address as the browser sees it (scheme://host:port): what code must call."""

    @rx.var
    def examples(self) -> list[dict[str, str]]:
        """The "Use your key" examples against this hub's own address (the page's origin,
        as the browser sent it), with the new key filled in while it is shown."""
        return [
            {"language": example.language, "code": example.code}
            for example in api_examples.examples(self.hub_origin, self.example_agent, self.new_key)
        ]

    async def _reload(self, user_id: int) -> None:
        def read() -> list[dict[str, Any]]:
            keys = api_keys.list_keys(user_id)
            used = key_limits.calls_this_month(user_id, [k.id for k in keys])
            return [to_row(k, used.get(k.id, 0)) for k in keys]

        self.keys = await asyncio.to_thread(read)

    @rx.event
    async def load(self):
        """on_load of /keys. A secret shown earlier is not shown again."""
        self.new_key = ""
        self.new_key_name = ""
        self.keys_error = ""
        user_id = await self._user_id()
        if user_id is None:
            return
        self.hub_origin = self.router.url.origin
        self.loading = True
        yield
        try:
            await self._reload(user_id)
            first = await asyncio.to_thread(agents.list_agents, user_id, "", 1)
            self.example_agent = first[0].slug if first else ""
        except NeurocacheError as error:
            self.keys_error = str(error)
        self.loading = False

    @rx.event
    def set_create_open(self, value: bool):
        self.create_open = value
        self.create_error = ""
        if value:
            self.expiry = "Never"

    @rx.event
    def set_expiry(self, value: str):
        self.expiry = value if value in EXPIRY_CHOICES else "Never"

    @rx.event
    async def create_key(self, form: dict[str, Any]):
        user_id = await self._user_id()
        if user_id is None:
            yield rx.redirect("/login?next=/keys", replace=True)
            return
        if not isinstance(form, dict):
            self.create_error = "The form could not be read. Reload the page and try again."
            return
        expires_at = api_keys.expiry_after(EXPIRY_CHOICES.get(self.expiry))
        try:
            limits = limits_of(form)
            secret, key = await asyncio.to_thread(
                api_keys.create_key, user_id, str(form.get("name", "")), expires_at, limits
            )
        except NeurocacheError as error:
            self.create_error = str(error)
            return
        self.new_key = secret
        self.new_key_name = key.name
        self.create_open = False
        self.create_error = ""
        await self._reload(user_id)

    @rx.event
    def dismiss_new_key(self):
        self.new_key = ""
        self.new_key_name = ""

    @rx.event
    def copy_new_key(self):
        return [rx.set_clipboard(self.new_key), rx.toast.success("Key copied to the clipboard.")]

    @rx.event
    async def revoke(self, key_id: int):
        user_id = await self._user_id()
        if user_id is None:
            yield rx.redirect("/login?next=/keys", replace=True)
            return
        try:
            key = await asyncio.to_thread(api_keys.revoke_key, user_id, key_id)
        except NeurocacheError as error:
            self.keys_error = str(error)
            return
        await self._reload(user_id)
        yield rx.toast.info(f"Key “{key.name}” revoked. Requests with it are refused from now on.")
