"""The channel's actions and dialogs: creating, inviting, members and their roles,
renaming, and the owner's, a moderator's or a member's channel actions (archive,
delete, leave).

The header's actions are one list, all in the "More actions" menu; the everyday
ones (Summarize, Add agent, Invite) are also buttons where the header has room
(not on phones, nor with the thread panel open beside a laptop's channel). Both
open the same dialogs, drawn once and controlled by `ChatState.dialog_open` (one
open at a time)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from neurocache_ui.domain.limits import (
    CHANNEL_DESCRIPTION_MAX,
    CHANNEL_GOAL_MAX,
    CHANNEL_NAME_MAX,
)
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.directory import visibility_dialog, visibility_field
from neurocache_ui.web.components.forms import field, form_alert
from neurocache_ui.web.components.members import members_dialog
from neurocache_ui.web.components.notifications import notify_dialog
from neurocache_ui.web.components.summaries import summarize_button
from neurocache_ui.web.components.team import add_agent_dialog
from neurocache_ui.web.components.webhooks import hooks_dialog
from neurocache_ui.web.state.browse import VISIBILITY_DIALOG
from neurocache_ui.web.state.channel_admin import ChannelAdminState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.members import MembersState
from neurocache_ui.web.state.notifications import NotifyState
from neurocache_ui.web.state.summaries import SummaryState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.webhooks import IncomingHooksState


def _open(name: str) -> Any:
    return ChannelAdminState.toggle_dialog(name, True)


def _form_dialog(name: str, title: str, submit: str, on_submit: rx.EventHandler, *fields: rx.Component,
                 trigger: rx.Component | None = None) -> rx.Component:
    """A channel dialog: a form with its error line, `fields`, Cancel and `submit`."""
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
        rx.dialog.trigger(trigger) if trigger is not None else rx.fragment(),
        rx.dialog.content(rx.dialog.title(title), form, max_width="30em"),
        open=ChannelAdminState.dialog_open == name,
        on_open_change=lambda is_open: ChannelAdminState.toggle_dialog(name, is_open),
    )


def new_channel_dialog() -> rx.Component:
    return _form_dialog(
        "new-channel", "New channel", "Create", ChannelAdminState.create_channel,
        field("Name", "name", form_id="new-channel", max_length=CHANNEL_NAME_MAX, placeholder="e.g. launch-plan"),
        field("Description", "description", form_id="new-channel", required=False, max_length=CHANNEL_DESCRIPTION_MAX),
        field("Goal", "goal", form_id="new-channel", required=False, max_length=CHANNEL_GOAL_MAX,
              placeholder="What should this team achieve?"),
        visibility_field("new-channel"),
        trigger=rx.button(rx.icon("plus", size=16), "New channel"),
    )


def _confirm(name: str, title: str, text: str, action: str, on_confirm: rx.EventHandler) -> rx.Component:
    return confirm_dialog(
        None, title, text, action, on_confirm,
        open=ChannelAdminState.dialog_open == name,
        on_open_change=lambda is_open: ChannelAdminState.toggle_dialog(name, is_open),
    )


def channel_dialogs() -> rx.Component:
    """Every dialog the header's actions open, drawn once."""
    return rx.fragment(
        _form_dialog(
            "invite", "Invite someone to this channel", "Invite", ChannelAdminState.invite,
            field("Email", "email", form_id="invite", input_type="email", placeholder="teammate@example.com"),
        ),
        _form_dialog(
            "rename", "Rename channel", "Save", ChannelAdminState.rename_channel,
            field("Name", "name", form_id="rename-channel", max_length=CHANNEL_NAME_MAX),
        ),
        _confirm("archive", "Archive this channel?", "It leaves everyone's sidebar and becomes read-only.", "Archive",
                 ChannelAdminState.archive_channel),
        _confirm("delete", "Delete this channel?", "Its whole history is deleted for everyone. This cannot be undone.",
                 "Delete", ChannelAdminState.delete_channel),
        _confirm("leave", "Leave this channel?", "You will stop seeing its messages until someone invites you again.",
                 "Leave", ChannelAdminState.leave),
        add_agent_dialog(),
        visibility_dialog(),
        members_dialog(),
        notify_dialog(),
        hooks_dialog(),
    )


@dataclass(frozen=True)
class _Action:
    label: str
    icon: str
    event: Any
    who: str = "all"  # "any" (DMs too), "all", "owner", "moderator" (or the owner) or "member" (not the owner); "all" and "member": not in a DM
    everyday: bool = False  # also a button where the header has room


def _actions() -> list[_Action]:
    return [
        _Action("Add agent", "bot", TeamState.toggle_picker(True), everyday=True),
        _Action("Invite", "user-plus", _open("invite"), everyday=True),
        _Action("Members", "users", MembersState.open_members),
        _Action("Notifications", "bell", NotifyState.open_notify, "any"),
        _Action("Rename", "pencil", _open("rename"), "moderator"),
        _Action("Who can find it", "globe", _open(VISIBILITY_DIALOG), "owner"),
        _Action("Incoming webhooks", "webhook", IncomingHooksState.open_hooks, "moderator"),
        _Action("Archive", "archive", _open("archive"), "moderator"),
        _Action("Delete", "trash-2", _open("delete"), "owner"),
        _Action("Leave", "log-out", _open("leave"), "member"),
    ]


def _for(action: _Action, component: rx.Component) -> rx.Component:
    if action.who == "any":  # DMs too, for members (not for an open channel read before joining)
        return rx.cond(ChatState.is_member, component)
    if action.who == "owner":  # never in a DM: nobody owns one
        return rx.cond(ChatState.is_owner, component)
    if action.who == "moderator":
        return rx.cond(ChatState.can_moderate, component)
    if action.who == "member":
        return rx.cond(ChatState.is_owner | ChatState.is_dm, rx.fragment(), component)
    return rx.cond(ChatState.is_dm, rx.fragment(), component)  # a DM's people and agents are fixed


def _button(action: _Action) -> rx.Component:
    return _for(action, rx.button(rx.icon(action.icon, size=16), action.label, variant="soft", on_click=action.event))


def _item(action: _Action) -> rx.Component:
    return _for(action, rx.menu.item(rx.icon(action.icon, size=14), action.label, on_click=action.event))


def header_actions() -> rx.Component:
    """The channel's actions: the everyday ones as buttons when its column is wide
    (≥ 48rem), and all of them in the "More actions" menu. A container query on the
    channel's column decides, so a thread panel opened beside it folds the buttons
    away before the title would be squeezed."""
    buttons = rx.hstack(
        summarize_button(False),
        *[_button(action) for action in _actions() if action.everyday],
        spacing="2",
        align="center",
        class_name="hidden @3xl:flex",
    )
    menu = rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(rx.icon("ellipsis", size=18), variant="soft", color_scheme="gray", aria_label="More actions",
                           title="More actions"),
        ),
        rx.menu.content(
            rx.menu.item(rx.icon("sparkles", size=14), "Summarize", on_click=SummaryState.summarize(0),
                         disabled=SummaryState.channel_summarizing),
            *[_item(action) for action in _actions()],
            align="end",
        ),
        modal=False,  # the page behind is not hidden from screen readers while the menu is open
    )
    return rx.hstack(buttons, menu, spacing="2", align="center", flex_shrink="0")
