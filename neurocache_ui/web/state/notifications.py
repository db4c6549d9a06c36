"""Notification settings in the hub: the open channel's "Notifications" dialog (level
and mute) and the /account section (quiet hours, e-mail). Each handler resolves the
session again; services/notify_settings.py checks membership, so a tab that sends
another channel's id gets NotFound like any other stranger."""

from __future__ import annotations

import asyncio

import reflex as rx

from neurocache_ui.domain import notify_rules
from neurocache_ui.domain.errors import Invalid, NeurocacheError
from neurocache_ui.services import notify_settings
from neurocache_ui.web.state.auth import SESSION_ENDED, AuthState
from neurocache_ui.web.state.chat import ChatState

FIELDS = ("email_delay", "quiet_start", "quiet_end", "timezone")


class NotifyState(AuthState):
    notify_open: bool = False
    notify_level: str = notify_rules.MENTIONS
    notify_default: bool = True  # the level is the channel kind's default
    notify_muted: bool = False
    notify_error: str = ""
    # /account
    email_enabled: bool = True
    email_delay: str = "10"
    quiet_start: str = ""
    quiet_end: str = ""
    timezone: str = "UTC"
    email_available: bool = False
    settings_errors: dict[str, str] = {}
    settings_error: str = ""
    settings_saving: bool = False

    def _show_level(self, level: notify_settings.ChannelLevel) -> None:
        self.notify_level, self.notify_default, self.notify_muted = level.notify, not level.chosen, level.muted

    async def _change(self, **change: object):
        """Apply a change to the open channel's level or mute; the sidebar follows."""
        self.notify_error = ""
        user = await self._user()
        if user is None:
            self.notify_error = SESSION_ENDED
            return
        chat = await self.get_state(ChatState)
        try:
            if change:
                level = await asyncio.to_thread(notify_settings.set_channel_level, user.id, chat.channel_id, **change)
            else:
                level = await asyncio.to_thread(notify_settings.channel_level, user.id, chat.channel_id)
        except NeurocacheError as error:
            self.notify_error = str(error)
            return
        self._show_level(level)
        if change:
            await chat._refresh_channel_list(user.id)

    @rx.event
    async def open_notify(self):
        """The channel menu's "Notifications": the dialog with this channel's choice."""
        self.notify_open = True
        await self._change()

    @rx.event
    def set_notify_open(self, is_open: bool):
        self.notify_open = bool(is_open)

    @rx.event
    async def set_notify(self, level: str):
        await self._change(notify=level)

    @rx.event
    async def set_muted(self, muted: bool):
        await self._change(muted=muted)

    @rx.event
    async def load_notify_settings(self):
        """on_load of /account: the person's quiet hours and e-mail choices."""
        self.settings_errors, self.settings_error, self.settings_saving = {}, "", False
        user = await self._user()
        if user is None:
            return
        try:
            found = await asyncio.to_thread(notify_settings.person_settings, user.id)
        except NeurocacheError as error:
            self.settings_error = str(error)
            return
        self._show_settings(found)

    def _show_settings(self, found: notify_settings.PersonSettings) -> None:
        self.email_enabled, self.email_delay = found.email_enabled, str(found.email_delay_minutes)
        self.quiet_start, self.quiet_end, self.timezone = found.quiet_start, found.quiet_end, found.timezone
        self.email_available = found.email_available

    @rx.event
    async def save_notify_settings(self, form: dict[str, str]):
        self.settings_errors, self.settings_error = {}, ""
        user = await self._user()
        if user is None:
            self.settings_error = SESSION_ENDED
            return
        if not isinstance(form, dict):  # any tab may send any arguments
            self.settings_error = "That request was not understood; reload the page and try again."
            return
        delay_text = str(form.get("email_delay", "")).strip()
        if not delay_text.isdigit():
            self.settings_errors = {"email_delay": "Enter a whole number of minutes, for example 10."}
            return
        self.settings_saving = True
        yield
        try:
            saved = await asyncio.to_thread(
                notify_settings.save_person_settings, user.id, email_enabled=form.get("email_enabled") == "on",
                email_delay_minutes=int(delay_text), quiet_start=str(form.get("quiet_start", "")),
                quiet_end=str(form.get("quiet_end", "")), timezone=str(form.get("timezone", "")),
            )
        except Invalid as error:
            if error.field in FIELDS:
                self.settings_errors = {str(error.field): str(error)}
            else:
                self.settings_error = str(error)
        except NeurocacheError as error:
            self.settings_error = str(error)
        else:
            self._show_settings(saved)
            (await self.get_state(ChatState))._quiet = [saved.quiet_start, saved.quiet_end, saved.timezone] if saved.quiet_start else []
            yield rx.toast.success("Notification settings saved.")
        self.settings_saving = False
