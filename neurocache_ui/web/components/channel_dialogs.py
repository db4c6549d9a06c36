"""The channel dialogs: creating, inviting, renaming, and the owner's or a
member's channel actions (archive, delete, leave)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain.limits import (
    CHANNEL_DESCRIPTION_MAX,
    CHANNEL_GOAL_MAX,
    CHANNEL_NAME_MAX,
)
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.forms import field, form_alert
from neurocache_ui.web.state.channel_admin import ChannelAdminState
from neurocache_ui.web.state.chat import ChatState


def _form_dialog(name: str, trigger: rx.Component, title: str, submit: str, on_submit: rx.EventHandler,
                 *fields: rx.Component) -> rx.Component:
    """A channel dialog: a form with its error line, `fields`, Cancel and `submit`.
    One open at a time (ChatState.dialog_open)."""
    form = rx.form(
        rx.vstack(
            form_alert(ChannelAdminState.dialog_error),
            *fields,
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                rx.button(submit, type="submit"),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=on_submit,
    )
    return rx.dialog.root(
        rx.dialog.trigger(trigger),
        rx.dialog.content(rx.dialog.title(title), form, max_width="30em"),
        open=ChannelAdminState.dialog_open == name,
        on_open_change=lambda is_open: ChannelAdminState.toggle_dialog(name, is_open),
    )


def new_channel_dialog() -> rx.Component:
    return _form_dialog(
        "new-channel", rx.button(rx.icon("plus", size=16), "New channel"), "New channel",
        "Create", ChannelAdminState.create_channel,
        field("Name", "name", form_id="new-channel", max_length=CHANNEL_NAME_MAX, placeholder="e.g. launch-plan"),
        field("Description", "description", form_id="new-channel", required=False, max_length=CHANNEL_DESCRIPTION_MAX),
        field("Goal", "goal", form_id="new-channel", required=False, max_length=CHANNEL_GOAL_MAX,
              placeholder="What should this team achieve?"),
    )


def invite_dialog() -> rx.Component:
    return _form_dialog(
        "invite", rx.button(rx.icon("user-plus", size=16), "Invite", variant="soft"), "Invite someone to this channel",
        "Invite", ChannelAdminState.invite,
        field("Email", "email", form_id="invite", input_type="email", placeholder="teammate@example.com"),
    )


def rename_dialog() -> rx.Component:
    return _form_dialog(
        "rename", rx.button(rx.icon("pencil", size=16), "Rename", variant="soft", color_scheme="gray"), "Rename channel",
        "Save", ChannelAdminState.rename_channel,
        field("Name", "name", form_id="rename-channel", max_length=CHANNEL_NAME_MAX),
    )


def _confirm(label: str, icon: str, title: str, text: str, on_confirm: rx.EventHandler) -> rx.Component:
    trigger = rx.button(rx.icon(icon, size=16), label, variant="soft", color_scheme="gray")
    return confirm_dialog(trigger, title, text, label, on_confirm)


def owner_actions() -> rx.Component:
    """Rename/archive/delete for the owner; everyone else may leave."""
    return rx.cond(
        ChatState.is_owner,
        rx.hstack(
            rename_dialog(),
            _confirm("Archive", "archive", "Archive this channel?", "It leaves everyone's sidebar and becomes read-only.",
                     ChannelAdminState.archive_channel),
            _confirm("Delete", "trash-2", "Delete this channel?", "Its whole history is deleted for everyone. This cannot be undone.",
                     ChannelAdminState.delete_channel),
            spacing="2",
        ),
        _confirm("Leave", "log-out", "Leave this channel?", "You will stop seeing its messages until someone invites you again.",
                 ChannelAdminState.leave),
    )
