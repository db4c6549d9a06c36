"""/mentions: the messages that @mention you, newest first, each a link to the
channel opened at that message. Opening it marks them seen (the sidebar badge clears)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState

ROUTE = "/mentions"


def _item(mention: rx.Var[dict[str, Any]]) -> rx.Component:
    new = mention["new"].to(bool)
    return rx.el.li(
        rx.link(
            rx.vstack(
                rx.hstack(
                    rx.text("#", mention["channel"], size="2", weight="medium", color=rx.color("accent", 11), class_name="truncate"),
                    rx.cond(mention["in_thread"].to(bool), rx.badge("Thread", variant="outline", color_scheme="gray", size="1")),
                    rx.cond(new, rx.badge("New", color_scheme="red", size="1", high_contrast=True)),
                    rx.spacer(),
                    rx.moment(mention["created_at"], format="MMM D, HH:mm", local=True, size="1", color=rx.color("gray", 11),
                              white_space="nowrap"),
                    align="center",
                    spacing="2",
                    width="100%",
                ),
                rx.text(mention["author"], weight="bold", size="2"),
                rx.text(mention["text"], size="2", white_space="pre-wrap", class_name="line-clamp-3 break-words"),
                spacing="1",
                width="100%",
                align="start",
            ),
            href=mention["href"].to(str),
            underline="none",
            color="inherit",
            display="block",
            padding="0.75em",
            border_radius="var(--radius-3)",
            background=rx.cond(new, rx.color("accent", 2), "transparent"),
            _hover={"background": rx.color("accent", 3)},
        ),
        data_mention_id=mention["id"],
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.el.ul(rx.foreach(MentionsState.mention_items, _item), aria_label="Mentions", class_name="w-full list-none p-0 m-0"),
        rx.cond(
            MentionsState.mentions_more,
            rx.center(
                rx.button("Load more", on_click=MentionsState.load_more, loading=MentionsState.mentions_loading, variant="soft"),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
        max_width="48em",
    )


def mentions_page() -> rx.Component:
    return hub_page(
        "Mentions",
        rx.vstack(
            rx.cond(
                MentionsState.mentions_error != "",
                rx.callout(MentionsState.mentions_error, icon="triangle-alert", color_scheme="red", role="alert"),
            ),
            rx.cond(
                MentionsState.mention_items.length() > 0,
                _list(),
                rx.cond(
                    MentionsState.mentions_loading,
                    rx.center(rx.spinner(size="3"), padding="3em", width="100%"),
                    rx.cond(
                        MentionsState.mentions_error == "",
                        empty_state(
                            "at-sign",
                            "No mentions yet",
                            "When someone writes @" + AuthState.user_name + " in one of your channels, the message shows up here.",  # type: ignore[arg-type]
                        ),
                    ),
                ),
            ),
            spacing="4",
            width="100%",
            align="start",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        mentions_page,
        route=ROUTE,
        title="Mentions · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_mentions],
    )
