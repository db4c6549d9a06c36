"""/usage: requests, tokens, latency and errors over time, per key and per agent, live."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.layout import hub_page
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.usage import PERIODS, POLL_MS, UsageState

CHART_HEIGHT = 220


def _stat(label: str, field: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color=rx.color("gray", 11)),
            rx.text(UsageState.total[field], size="6", weight="bold", aria_label=label),
            spacing="1",
        ),
        min_width="9em",
        flex="1",
    )


def _chart_card(title: str, chart: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(title, size="3"), chart, spacing="2", width="100%"),
        width="100%",
    )


def _axes() -> list[rx.Component]:
    return [
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", opacity=0.4),
        rx.recharts.x_axis(data_key="time", min_tick_gap=20),
        rx.recharts.y_axis(allow_decimals=False, width=50),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
    ]


def _requests_chart() -> rx.Component:
    return rx.recharts.bar_chart(
        rx.recharts.bar(data_key="requests", name="Requests", fill=rx.color("accent", 9), stack_id="r", is_animation_active=False),
        rx.recharts.bar(data_key="errors", name="Errors", fill=rx.color("red", 9), stack_id="e", is_animation_active=False),
        *_axes(),
        data=UsageState.series,
        height=CHART_HEIGHT,
        width="100%",
    )


def _tokens_chart() -> rx.Component:
    return rx.recharts.area_chart(
        rx.recharts.area(data_key="prompt_tokens", name="Prompt tokens", stack_id="t", fill=rx.color("blue", 8), stroke=rx.color("blue", 9), is_animation_active=False),
        rx.recharts.area(data_key="completion_tokens", name="Completion tokens", stack_id="t", fill=rx.color("green", 8), stroke=rx.color("green", 9), is_animation_active=False),
        *_axes(),
        data=UsageState.series,
        height=CHART_HEIGHT,
        width="100%",
    )


def _latency_chart() -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.line(data_key="p50", name="p50 (ms)", stroke=rx.color("accent", 9), dot=False, is_animation_active=False),
        rx.recharts.line(data_key="p95", name="p95 (ms)", stroke=rx.color("orange", 9), dot=False, is_animation_active=False),
        *_axes(),
        data=UsageState.series,
        height=CHART_HEIGHT,
        width="100%",
    )


_COLUMNS = (("Requests", "requests", ""), ("Prompt tokens", "prompt_tokens", "hidden sm:table-cell"),
            ("Completion tokens", "completion_tokens", "hidden sm:table-cell"), ("Errors", "errors", ""),
            ("p50", "p50", "hidden sm:table-cell"), ("p95", "p95", ""))
"""(heading, field, classes): a phone shows requests, errors and p95, so the table fits without scrolling sideways."""


def _breakdown(title: str, rows: rx.Var[list[dict[str, Any]]], first: str, empty: rx.Component) -> rx.Component:
    def row(item: rx.Var[dict[str, Any]]) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(item["label"]),
            *[rx.table.cell(item[field], class_name=classes) for _, field, classes in _COLUMNS],
        )

    return rx.card(
        rx.vstack(
            rx.heading(title, size="3"),
            rx.cond(
                rows.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell(first),
                                *[rx.table.column_header_cell(heading, class_name=classes) for heading, _, classes in _COLUMNS],
                            )
                        ),
                        rx.table.body(rx.foreach(rows, row)),
                        width="100%",
                        size="1",
                        aria_label=title,
                    ),
                    width="100%",
                    overflow_x="auto",
                ),
                rx.text(empty, color=rx.color("gray", 11), size="2"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def usage_page() -> rx.Component:
    return hub_page(
        "Usage",
        rx.vstack(
            rx.hstack(
                rx.text("API requests and agents' replies in channels, live.", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.segmented_control.root(
                    *[rx.segmented_control.item(period.label, value=value) for value, period in PERIODS.items()],
                    value=UsageState.period,
                    on_change=UsageState.set_period,
                    aria_label="Period",
                    size=rx.breakpoints(initial="1", sm="2"),  # three periods fit a 360 px phone
                    max_width="100%",
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(UsageState.usage_error != "", rx.callout(UsageState.usage_error, icon="triangle-alert", color_scheme="orange")),
            rx.flex(
                _stat("Requests", "requests"),
                _stat("Prompt tokens", "prompt_tokens"),
                _stat("Completion tokens", "completion_tokens"),
                _stat("Errors", "errors"),
                _stat("Latency p50", "p50"),
                _stat("Latency p95", "p95"),
                wrap="wrap",
                spacing="3",
                width="100%",
            ),
            rx.grid(
                _chart_card("Requests and errors", _requests_chart()),
                _chart_card("Tokens", _tokens_chart()),
                _chart_card("Latency", _latency_chart()),
                columns=rx.breakpoints(initial="1", lg="3"),
                spacing="3",
                width="100%",
            ),
            _breakdown("By key", UsageState.by_key, "Key", rx.fragment(
                "No API requests in this period. Create a key on ", rx.link("API keys", href="/keys", underline="always"),
                " and call your agents from code.",
            )),
            _breakdown("By agent", UsageState.by_agent, "Agent", rx.fragment(
                "No agent replies in this period. @mention an agent in a channel, or use Try it on ",
                rx.link("its page", href="/agents", underline="always"), ".",
            )),
            rx.moment(interval=POLL_MS, on_change=UsageState.tick, display="none"),
            spacing="4",
            width="100%",
            align="start",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        usage_page,
        route="/usage",
        title="Usage · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, UsageState.load],
    )
