"""The "Members" dialog of a channel's header: each person with their role (Owner,
Moderator, Member), and the buttons the viewer's role allows: "Make moderator" and
"Remove moderator" for the owner, "Remove" (after a confirmation) for the owner
and moderators."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.components.profiles import name_button
from neurocache_ui.web.state.channel_admin import ChannelAdminState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.members import DIALOG, MembersState
from neurocache_ui.web.state.profiles import ProfileState


def _member(row: rx.Var[dict]) -> rx.Component:
    name = row["name"].to(str)
    user_id = row["user_id"].to(int)
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    name_button(name, [ChannelAdminState.toggle_dialog(DIALOG, False), ProfileState.open_person(user_id)],
                                bold=False),
                    rx.cond(row["you"].to(bool), rx.text(" (you)", size="2", color=rx.color("gray", 11))),
                    spacing="1", align="center", min_width="0",
                ),
                rx.badge(row["role"].to(str), variant="soft", high_contrast=True,
                         color_scheme=rx.match(row["role"].to(str), ("Owner", "amber"), ("Moderator", "blue"), "gray")),
                spacing="1",
                min_width="0",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(row["can_promote"].to(bool), rx.button(
                    "Make moderator", size="1", variant="soft", aria_label="Make moderator: " + name,
                    on_click=MembersState.set_member_role(user_id, "moderator"))),
                rx.cond(row["can_demote"].to(bool), rx.button(
                    "Remove moderator", size="1", variant="soft", color_scheme="gray",
                    aria_label="Remove moderator: " + name, on_click=MembersState.set_member_role(user_id, "member"))),
                rx.cond(row["can_remove"].to(bool), confirm_dialog(
                    rx.button("Remove", size="1", variant="soft", color_scheme="red", aria_label="Remove " + name),
                    "Remove " + name + " from this channel?",
                    "They stop seeing the channel at once; their messages stay. Anyone can invite them again.",
                    "Remove",
                    MembersState.remove_member(user_id),
                )),
                spacing="2",
                wrap="wrap",
                justify="end",
            ),
            align="center",
            spacing="3",
            width="100%",
        ),
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def members_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Members"),
            rx.dialog.description(
                "The owner chooses moderators. The owner and moderators can rename and archive the channel, "
                "remove members and delete anyone's messages.",
                size="2", color=rx.color("gray", 11), margin_bottom="0.5em",
            ),
            form_alert(MembersState.members_error),
            rx.el.ul(rx.foreach(MembersState.members, _member), aria_label="Channel members",
                     class_name="list-none p-0 m-0 max-h-[60vh] overflow-y-auto"),
            rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end",
                      margin_top="1em"),
            max_width="34em",
        ),
        open=ChatState.dialog_open == DIALOG,
        on_open_change=lambda is_open: ChannelAdminState.toggle_dialog(DIALOG, is_open),
    )
