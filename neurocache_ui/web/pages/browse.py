"""/browse: Browse channels — the open channels anyone in the workspace may find,
read and join, with a search box and pages. Private channels are never listed."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.services.directory import QUERY_MAX
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.browse import BrowseState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState

ROUTE = "/browse"


def _row(channel: rx.Var[dict[str, Any]]) -> rx.Component:
    slug = channel["slug"].to(str)
    members = channel["members"].to(int)
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.link("# ", channel["name"], href="/channels/" + slug, weight="bold", size="3", class_name="truncate",
                        max_width="100%"),
                rx.cond(channel["description"].to(str) != "",
                        rx.text(channel["description"], size="2", color=rx.color("gray", 11), class_name="line-clamp-2 break-words")),
                rx.text(rx.cond(members == 1, "1 member", members.to_string() + " members"), size="1",
                        color=rx.color("gray", 11)),
                spacing="1", align="start", min_width="0", flex="1",
            ),
            rx.cond(
                channel["is_member"].to(bool),
                rx.button("Open", variant="soft", on_click=rx.redirect("/channels/" + slug),
                          aria_label="Open #" + channel["name"].to(str)),
                rx.button(rx.icon("log-in", size=14), "Join", on_click=BrowseState.join_channel(slug),
                          aria_label="Join #" + channel["name"].to(str)),
            ),
            align="center", spacing="3", width="100%",
        ),
        padding="0.75em 0.5em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_channel_slug=slug,
    )


def _search() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="q", default_value=BrowseState.browse_query, placeholder="Search open channels",
                     aria_label="Search open channels", max_length=QUERY_MAX, type="search", flex="1", size="3"),
            rx.button(rx.icon("search", size=16), "Search", type="submit", size="3"),
            width="100%", spacing="2",
        ),
        on_submit=BrowseState.search_browse,
        role="search",
        width="100%",
    )


def _pager() -> rx.Component:
    page = BrowseState.browse_page
    return rx.cond(
        (page > 1) | BrowseState.browse_more,
        rx.hstack(
            rx.button(rx.icon("chevron-left", size=14), "Previous", variant="soft", disabled=page <= 1,
                      on_click=BrowseState.turn_browse_page(page - 1)),
            rx.text("Page ", page.to_string(), size="2", aria_live="polite"),
            rx.button("Next", rx.icon("chevron-right", size=14), variant="soft", disabled=~BrowseState.browse_more,
                      on_click=BrowseState.turn_browse_page(page + 1)),
            align="center", spacing="3", justify="center", width="100%",
        ),
    )


def browse_page() -> rx.Component:
    return hub_page(
        "Browse channels",
        rx.vstack(
            rx.text("Open channels anyone in the workspace can read and join. Private channels are not listed.",
                    size="2", color=rx.color("gray", 11)),
            _search(),
            form_alert(BrowseState.browse_error),
            rx.cond(
                BrowseState.browse_items.length() > 0,
                rx.el.ul(rx.foreach(BrowseState.browse_items, _row), aria_label="Open channels",
                         class_name="w-full list-none p-0 m-0"),
                rx.cond(
                    BrowseState.browse_loading,
                    rx.center(rx.spinner(size="3"), padding="3em", width="100%"),
                    rx.cond(
                        BrowseState.browse_query != "",
                        empty_state("search-x", "No open channels match", "Try other words, or clear the search."),
                        empty_state("compass", "No open channels yet",
                                    "When someone makes a channel open (New channel → Open), it shows up here for everyone."),
                    ),
                ),
            ),
            _pager(),
            spacing="4", width="100%", max_width="48em", align="start",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        browse_page, route=ROUTE, title="Browse channels · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, BrowseState.load_browse],
    )
