"""/channels (pick or create one) and /channels/[slug] (the chat)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.eval_capture import capture_dialog
from neurocache_ui.web.components.channel_dialogs import (
    channel_dialogs,
    header_actions,
    new_channel_dialog,
)
from neurocache_ui.web.components.chat import composer, message_log
from neurocache_ui.web.components.citations import citation_dialog
from neurocache_ui.web.components.directory import join_bar
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.components.pins import pinned_panel
from neurocache_ui.web.components.summaries import summary_notice
from neurocache_ui.web.components.team import agents_bar
from neurocache_ui.web.components.thread import thread_panel
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.pins import PinsState
from neurocache_ui.web.state.profiles import ProfileState
from neurocache_ui.web.state.summaries import SummaryState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.thread import ThreadState

HEARTBEAT_MS = 20_000


def _channel_item(channel: rx.Var[dict]) -> rx.Component:
    unread = channel["unread"].to(int)
    return rx.el.li(
        rx.link(
            rx.hstack(
                rx.text(rx.cond(channel["kind"] == "dm", "", "# "), channel["name"], weight=rx.cond(unread > 0, "bold", "medium"), class_name="truncate"),
                rx.spacer(),
                rx.cond(unread > 0, rx.badge(unread, " unread", radius="full")),
                align="center",
                width="100%",
            ),
            href="/channels/" + channel["slug"].to(str),
            underline="none",
            color="inherit",
            display="block",
            padding="0.75em 1em",
            border_radius="var(--radius-3)",
            _hover={"background": rx.color("accent", 3)},
        ),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def channels_index() -> rx.Component:
    return hub_page(
        "Channels",
        rx.vstack(
            new_channel_dialog(),
            rx.cond(
                ChatState.channel_list.length() > 0,
                rx.el.ul(rx.foreach(ChatState.channel_list, _channel_item), aria_label="Your channels",
                         class_name="w-full list-none p-0 m-0", max_width="40em"),
                empty_state(
                    "messages-square",
                    "No channels yet",
                    "Channels are real-time rooms where you, your teammates and your agents work toward a goal. "
                    "Create one with New channel, invite a teammate from its header, and add your agents "
                    "(build one under Agents first).",
                ),
            ),
            spacing="4",
            width="100%",
            align="start",
        ),
    )


def _one_line(text: rx.Var[str], **props: object) -> rx.Component:
    return rx.text(text, size="2", class_name="truncate", width="100%", title=text, **props)


def _header() -> rx.Component:
    """The channel's name, description, goal and team, with its actions on the right.
    The name never wraps: it is cut with an ellipsis, and the actions fold into
    "More actions" first (components/channel_dialogs.py)."""
    return rx.hstack(
        rx.vstack(
            rx.heading(rx.cond(ChatState.is_dm, "", "# "), ChatState.channel_name, size="6", class_name="truncate", width="100%", title=ChatState.channel_name),
            rx.cond(ChatState.channel_description != "", _one_line(ChatState.channel_description, color=rx.color("gray", 11))),
            rx.cond(
                ChatState.channel_goal != "",
                rx.hstack(rx.icon("target", size=14, flex_shrink="0"), _one_line(ChatState.channel_goal), align="center",
                          color=rx.color("accent", 11), width="100%", min_width="0"),
            ),
            agents_bar(),
            spacing="1",
            align="start",
            min_width="0",
            flex="1",
        ),
        rx.hstack(
            rx.tooltip(
                rx.hstack(
                    rx.icon("users", size=14, aria_hidden="true", color=rx.color("green", 11)),
                    rx.text(ChatState.online_names.length(), rx.el.span(" online", class_name="sr-only sm:not-sr-only"),
                            size="1", color=rx.color("gray", 12)),
                    align="center", spacing="1",
                ),
                content=ChatState.online_names.join(", "),
            ),
            pinned_panel(),
            rx.cond(ChatState.is_member, header_actions()),  # a reader who has not joined gets the join bar instead
            spacing="2",
            align="center",
            flex_shrink="0",
        ),
        width="100%",
        align="start",
        spacing="3",
        padding_bottom="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        flex_shrink="0",
    )


def channel_page() -> rx.Component:
    return hub_page(
        "",
        rx.cond(
            ChatState.not_found,
            empty_state("search-x", "Channel not found", "It does not exist, or you are not a member. Ask a member to invite you."),
            rx.hstack(
                rx.vstack(
                    _header(),
                    message_log(),
                    summary_notice(False),
                    rx.cond(ChatState.is_member, composer(), join_bar()),
                    # Heartbeat: presence, and re-joining if this tab's server state was lost.
                    rx.moment(interval=HEARTBEAT_MS, on_change=ChatState.heartbeat, display="none"),
                    height="100%",
                    width="100%",
                    min_width="0",
                    spacing="2",
                    class_name="@container",
                    flex="1",
                ),
                thread_panel(),
                channel_dialogs(),
                citation_dialog(),
                capture_dialog(),
                width="100%",
                flex="1",
                min_height="0",
                spacing="0",
            ),
        ),
        fill=True,
    )


def add_pages(app: rx.App) -> None:
    on_load = [AuthState.check_session, ChatState.load_channels, MentionsState.load_count]
    app.add_page(channels_index, route="/channels", title="Channels · Neurocache", on_load=on_load)
    app.add_page(channel_page, route="/channels/[slug]", title="Channel · Neurocache", on_load=[*on_load, ChatState.open_channel, PinsState.load_pins, ProfileState.load_avatars, TeamState.load_team, ThreadState.open_from_url, SummaryState.load_summary(0)])
