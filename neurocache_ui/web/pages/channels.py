"""/channels (pick or create one) and /channels/[slug] (the chat)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.channel_dialogs import (
    invite_dialog,
    new_channel_dialog,
    owner_actions,
)
from neurocache_ui.web.components.chat import composer, message_log
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.components.summaries import summarize_button, summary_notice
from neurocache_ui.web.components.team import add_agent_dialog, agents_bar
from neurocache_ui.web.components.thread import thread_panel
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.summaries import SummaryState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.thread import ThreadState

HEARTBEAT_MS = 20_000


def channels_index() -> rx.Component:
    return hub_page(
        "Channels",
        rx.vstack(
            new_channel_dialog(),
            rx.cond(
                ChatState.channel_list.length() > 0,
                rx.text("Pick a channel from the sidebar, or create a new one.", color=rx.color("gray", 11)),
                empty_state(
                    "messages-square",
                    "No channels yet",
                    "Channels are real-time rooms where you, your teammates and your agents work toward a goal. "
                    "Create one to start chatting.",
                ),
            ),
            spacing="4",
            width="100%",
            align="start",
        ),
    )


def _header() -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.heading("# ", ChatState.channel_name, size="6"),
            rx.cond(ChatState.channel_description != "", rx.text(ChatState.channel_description, size="2", color=rx.color("gray", 11))),
            rx.cond(
                ChatState.channel_goal != "",
                rx.hstack(rx.icon("target", size=14), rx.text(ChatState.channel_goal, size="2"), align="center", color=rx.color("accent", 11)),
            ),
            agents_bar(),
            spacing="1",
            align="start",
        ),
        rx.spacer(),
        rx.hstack(
            rx.tooltip(
                rx.badge(rx.icon("users", size=12), ChatState.online_names.length(), " online", variant="soft", color_scheme="green"),
                content=ChatState.online_names.join(", "),
            ),
            summarize_button(False),
            add_agent_dialog(),
            invite_dialog(),
            owner_actions(),
            spacing="2",
            align="center",
        ),
        width="100%",
        align="start",
        padding_bottom="0.75em",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
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
                    composer(),
                    # Heartbeat: presence, and re-joining if this tab's server state was lost.
                    rx.moment(interval=HEARTBEAT_MS, on_change=ChatState.heartbeat, display="none"),
                    height="calc(100vh - 5.75rem)",  # the main area's padding and its search bar
                    width="100%",
                    min_width="0",
                    spacing="2",
                ),
                thread_panel(),
                width="100%",
                spacing="0",
            ),
        ),
    )


def add_pages(app: rx.App) -> None:
    on_load = [AuthState.check_session, ChatState.load_channels, MentionsState.load_count]
    app.add_page(channels_index, route="/channels", title="Channels · Neurocache", on_load=on_load)
    app.add_page(channel_page, route="/channels/[slug]", title="Channel · Neurocache", on_load=[*on_load, ChatState.open_channel, TeamState.load_team, ThreadState.open_from_url, SummaryState.load_summary(0)])
