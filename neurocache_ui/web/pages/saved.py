"""/saved: the messages you saved for later, newest saved first, each a link to the
message in its channel. Only you see this list."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.saved import SavedState

ROUTE = "/saved"


def _item(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.link(
                rx.vstack(
                    rx.hstack(
                        rx.text("#", item["channel"], size="2", weight="medium", color=rx.color("accent", 11), class_name="truncate"),
                        rx.cond(item["in_thread"].to(bool), rx.badge("Thread", variant="outline", color_scheme="gray", size="1")),
                        rx.spacer(),
                        rx.moment(item["created_at"], format="MMM D, HH:mm", local=True, size="1", color=rx.color("gray", 11),
                                  white_space="nowrap"),
                        align="center", spacing="2", width="100%",
                    ),
                    rx.text(item["author"], weight="bold", size="2"),
                    rx.text(item["text"], size="2", white_space="pre-wrap", class_name="line-clamp-3 break-words"),
                    spacing="1", width="100%", align="start",
                ),
                href=item["href"].to(str),
                underline="none", color="inherit", display="block", padding="0.75em", flex="1", min_width="0",
                border_radius="var(--radius-3)", _hover={"background": rx.color("accent", 3)},
            ),
            rx.icon_button(rx.icon("bookmark-x", size=16), variant="ghost", color_scheme="gray",
                           aria_label="Remove from saved", title="Remove from saved",
                           on_click=SavedState.unsave(item["id"].to(int))),
            align="center", spacing="2", width="100%",
        ),
        data_saved_id=item["id"],
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def saved_page() -> rx.Component:
    return hub_page(
        "Saved",
        rx.vstack(
            form_alert(SavedState.saved_error),
            rx.cond(
                SavedState.saved_items.length() > 0,
                rx.vstack(
                    rx.el.ul(rx.foreach(SavedState.saved_items, _item), aria_label="Saved messages",
                             class_name="w-full list-none p-0 m-0"),
                    rx.cond(
                        SavedState.saved_more,
                        rx.center(rx.button("Load more", on_click=SavedState.more_saved, loading=SavedState.saved_loading,
                                            variant="soft"), width="100%"),
                    ),
                    spacing="4", width="100%",
                ),
                rx.cond(
                    SavedState.saved_loading,
                    rx.center(rx.spinner(size="3"), padding="3em", width="100%"),
                    empty_state("bookmark", "Nothing saved yet",
                                "Save a message from its row's toolbar (the bookmark) to find it here later. Only you see this list."),
                ),
            ),
            spacing="4", width="100%", max_width="48em", align="start",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        saved_page, route=ROUTE, title="Saved · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, SavedState.load_saved],
    )
