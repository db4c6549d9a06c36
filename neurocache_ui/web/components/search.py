"""The hub header's "Search messages" box and its "Search results" panel: channel,
author, time and a snippet whose matching words are <mark>ed (the snippet is
plain text parts, never markup from the database). Typing searches after a
pause, Enter at once; Escape (the search box's own clear), the close button or
choosing a result closes the panel; a result opens its channel at that message."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.services.search import QUERY_MAX
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.search import SearchState

DEBOUNCE_MS = 250


def _part(part: rx.Var[dict]) -> rx.Component:
    mark = rx.el.mark(part["text"], background=rx.color("amber", 5), color="inherit", border_radius="2px", padding_x="1px")
    return rx.cond(part["hit"].to(bool), mark, rx.el.span(part["text"]))


def _result(result: rx.Var[dict]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.vstack(
                rx.hstack(
                    rx.text("# ", result["channel"], size="1", weight="bold", color=rx.color("accent", 11)),
                    rx.text(result["author"], size="1", weight="medium"),
                    rx.cond(result["in_thread"].to(bool), rx.badge("in a thread", size="1", variant="soft")),
                    rx.spacer(),
                    rx.moment(result["time"], format="MMM D, HH:mm", local=True, size="1", color=rx.color("gray", 11)),
                    align="center",
                    spacing="2",
                    width="100%",
                ),
                rx.text(
                    rx.foreach(result["parts"].to(list[dict[str, Any]]), _part),
                    size="2",
                    class_name="break-words",
                ),
                spacing="1",
                width="100%",
            ),
            href=result["url"],
            on_click=SearchState.clear,
            underline="none",
            color="inherit",
            display="block",
            padding="0.5em 0.75em",
            border_radius="var(--radius-2)",
            _hover={"background": rx.color("accent", 3)},
        ),
        data_message_hit=result["id"],
        list_style="none",
    )


def _body() -> rx.Component:
    return rx.cond(
        SearchState.loading,
        rx.center(rx.spinner(size="2"), rx.text("Searching…", size="2", margin_left="0.5em"), padding="1.5em"),
        rx.cond(
            SearchState.results.length() > 0,
            rx.vstack(
                rx.el.ul(rx.foreach(SearchState.results, _result), class_name="w-full p-0 m-0"),
                rx.cond(
                    SearchState.has_more,
                    rx.button("More results", on_click=SearchState.more, loading=SearchState.loading_more, variant="soft", size="1"),
                ),
                spacing="2",
                width="100%",
                align="center",
            ),
            rx.cond(
                SearchState.search_error == "",
                rx.text("No messages match “", SearchState.searched, "”.", size="2", color=rx.color("gray", 11), padding="1em"),
            ),
        ),
    )


def _panel() -> rx.Component:
    return rx.cond(
        SearchState.searched != "",
        rx.box(
            rx.hstack(
                rx.text("Messages matching “", SearchState.searched, "”", size="2", weight="medium", class_name="truncate"),
                rx.spacer(),
                rx.icon_button(rx.icon("x", size=16), on_click=SearchState.clear, variant="ghost", size="1",
                               aria_label="Close search results"),
                align="center",
                width="100%",
                padding="0.5em 0.75em",
            ),
            form_alert(SearchState.search_error, size="1"),
            _body(),
            role="region",
            aria_label="Search results",
            aria_busy=SearchState.loading,
            position="absolute",
            top="calc(100% + 0.25em)",
            right="0",
            width="min(36em, 100%)",
            max_height="70vh",
            overflow_y="auto",
            z_index="50",
            background=rx.color("gray", 1),
            border=f"1px solid {rx.color('gray', 6)}",
            border_radius="var(--radius-3)",
            box_shadow="var(--shadow-5)",
            padding_bottom="0.5em",
        ),
    )


def search_bar() -> rx.Component:
    """The header bar of every hub page: the search box, and its results under it."""
    return rx.el.header(
        rx.form(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name="q",
                type="search",
                value=SearchState.query,
                on_change=SearchState.search,
                debounce_timeout=DEBOUNCE_MS,
                placeholder="Search messages…",
                aria_label="Search messages",
                max_length=QUERY_MAX,
                auto_complete="off",
                width="100%",
            ),
            on_submit=SearchState.submit,
            reset_on_submit=False,
            role="search",
            width="min(24em, 100%)",
        ),
        _panel(),
        class_name="relative flex justify-end w-full mb-3",
    )
