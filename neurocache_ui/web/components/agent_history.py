"""The agent page's History tab: its versions, a comparison of two, Restore."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.agent_history import HistoryState

_LINE_COLORS = {"added": "grass", "removed": "red"}


def _version_item(version: rx.Var[dict[str, Any]]) -> rx.Component:
    number = version["number"].to(int)
    return rx.hstack(
        rx.badge(version["label"], variant="soft", size="2"),
        rx.vstack(
            rx.text("Saved by ", version["author"], size="2"),
            rx.el.time(version["when"], date_time=version["at"], style={"fontSize": "var(--font-size-1)", "color": "var(--gray-11)"}),
            spacing="0",
            min_width="0",
        ),
        rx.spacer(),
        rx.cond(
            number == HistoryState.current_version,
            rx.badge("Current", color_scheme="grass", variant="surface"),
            confirm_dialog(
                rx.button(rx.icon("history", size=14), "Restore", variant="soft", size="1",
                          aria_label="Restore " + version["label"].to(str)),
                "Restore " + version["label"].to(str) + "?",
                "Its settings are saved again as a new version; the current settings stay in the history.",
                "Restore",
                HistoryState.restore(number),
            ),
        ),
        role="listitem",
        align="center",
        spacing="3",
        width="100%",
        padding_y="0.4em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _picker(label: str, value: rx.Var[str], on_change: Any) -> rx.Component:
    return rx.hstack(
        rx.text(label, size="2", as_="label"),
        rx.select.root(
            rx.select.trigger(aria_label=label + " version"),
            rx.select.content(
                rx.foreach(HistoryState.versions, lambda v: rx.select.item(v["label"], value=v["number"].to_string())),
            ),
            value=value,
            on_change=on_change,
            size="2",
        ),
        align="center",
        spacing="2",
    )


def _changes() -> rx.Component:
    return rx.cond(
        HistoryState.changes.length() > 0,
        rx.table.root(
            rx.el.caption("Changed settings", class_name="sr-only"),
            rx.table.header(rx.table.row(
                rx.table.column_header_cell("Setting"),
                rx.table.column_header_cell("v", HistoryState.before),
                rx.table.column_header_cell("v", HistoryState.after),
            )),
            rx.table.body(rx.foreach(HistoryState.changes, lambda c: rx.table.row(
                rx.table.row_header_cell(c["name"]),
                rx.table.cell(rx.text(c["before"], class_name="break-words"), max_width="20em"),
                rx.table.cell(rx.text(c["after"], class_name="break-words"), max_width="20em"),
            ))),
            variant="surface",
            size="1",
            width="100%",
        ),
        rx.text("No other setting changed.", size="2", color=rx.color("gray", 11)),
    )


def _diff_line(line: rx.Var[dict[str, str]]) -> rx.Component:
    kind = line["kind"].to(str)
    return rx.el.div(
        rx.el.span(line["mark"], aria_hidden="true", style={"userSelect": "none", "width": "1.5em", "display": "inline-block"}),
        rx.cond(kind == "added", rx.el.span("added: ", class_name="sr-only"),
                rx.cond(kind == "removed", rx.el.span("removed: ", class_name="sr-only"), rx.fragment())),
        line["text"],
        style={
            "whiteSpace": "pre-wrap",
            "fontFamily": "var(--code-font-family)",
            "fontSize": "var(--font-size-1)",
            "padding": "0 0.5em",
            "background": rx.match(kind, ("added", rx.color("grass", 3)), ("removed", rx.color("red", 3)), "transparent"),
            "textDecoration": rx.cond(kind == "removed", "line-through", "none"),
        },
    )


def _comparison() -> rx.Component:
    return rx.vstack(
        rx.heading("Compare", as_="h3", size="3"),
        rx.hstack(
            _picker("From", HistoryState.before, HistoryState.pick_before),
            _picker("to", HistoryState.after, HistoryState.pick_after),
            spacing="3",
            wrap="wrap",
        ),
        _changes(),
        rx.cond(
            HistoryState.knowledge_changed,
            rx.text(rx.icon("book-open", size=14), " The knowledge documents differ between these versions.", size="2"),
        ),
        rx.heading("Instructions", as_="h4", size="2"),
        rx.cond(
            HistoryState.instructions_changed,
            rx.box(rx.foreach(HistoryState.diff, _diff_line), role="group", aria_label="Instructions diff",
                   width="100%", border=f"1px solid {rx.color('gray', 5)}", border_radius="var(--radius-2)", padding_y="0.4em"),
            rx.text("The instructions are the same.", size="2", color=rx.color("gray", 11)),
        ),
        spacing="3",
        width="100%",
        align="start",
    )


def history_panel() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Every save that changes the agent (settings, instructions, model, tools, MCP servers, knowledge) is kept as "
            "a numbered version. Replies, usage and evaluations record the version that produced them.",
            size="2", color=rx.color("gray", 11),
        ),
        form_alert(HistoryState.history_error),
        rx.cond(
            HistoryState.history_loading & (HistoryState.versions.length() == 0),
            rx.center(rx.spinner(size="3"), padding="2em", width="100%"),
            rx.grid(
                rx.vstack(
                    rx.heading("Versions", as_="h3", size="3"),
                    rx.box(rx.foreach(HistoryState.versions, _version_item), role="list", aria_label="Versions", width="100%"),
                    rx.cond(HistoryState.versions_more,
                            rx.button("Show older versions", variant="soft", size="2", on_click=HistoryState.more_versions)),
                    spacing="2",
                    width="100%",
                ),
                _comparison(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="5",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
        align="start",
    )
