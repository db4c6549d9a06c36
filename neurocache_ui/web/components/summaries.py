""""Summarize" and the private notice it fills: for the channel (its header and just
above the composer) and for the open thread (placed by the thread panel)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.components.markdown import safe_markdown
from neurocache_ui.web.state.summaries import SummaryState
from neurocache_ui.web.state.thread import ThreadState


def _vars(in_thread: bool) -> tuple[rx.Var[dict[str, Any]], rx.Var[bool], rx.Var[str], rx.Var[int]]:
    """(summary, summarizing, error, thread id for the handler) of the place."""
    if in_thread:
        return SummaryState.thread_summary, SummaryState.thread_summarizing, SummaryState.thread_summary_error, ThreadState.thread_id
    return SummaryState.channel_summary, SummaryState.channel_summarizing, SummaryState.channel_summary_error, rx.Var.create(0)


def summarize_button(in_thread: bool) -> rx.Component:
    """"Summarize" (the unread messages, or the thread); a spinner and
    "Summarizing…" while the model writes, disabled meanwhile."""
    _, busy, _, thread_id = _vars(in_thread)
    return rx.button(
        rx.cond(busy, rx.spinner(size="1"), rx.icon("sparkles", size=14)),
        rx.cond(busy, "Summarizing…", "Summarize"),
        on_click=SummaryState.summarize(thread_id),
        disabled=busy,
        aria_label="Summarize",
        title="Summarize the unread messages" if not in_thread else "Summarize this thread",
        variant="soft",
        size="1",
        type="button",
    )


def _notice(summary: rx.Var[dict[str, Any]]) -> rx.Component:
    summary_id = summary["id"].to(int)
    return rx.callout.root(
        rx.vstack(
            rx.hstack(
                rx.icon("sparkles", size=16),
                rx.text(summary["heading"].to(str), weight="bold", size="2"),
                rx.spacer(),
                rx.badge(rx.icon("eye-off", size=12), "Only visible to you", variant="soft", color_scheme="gray"),
                width="100%",
                align="center",
            ),
            rx.box(safe_markdown(summary["content"].to(str)), font_size="0.9em", width="100%"),
            rx.hstack(
                rx.text(summary["by"].to(str), size="1", color=rx.color("gray", 11)),
                rx.spacer(),
                rx.button(rx.icon("share-2", size=14), "Share", size="1", type="button",
                          on_click=SummaryState.share_summary(summary_id)),
                rx.button("Dismiss", size="1", variant="soft", color_scheme="gray", type="button",
                          on_click=SummaryState.dismiss_summary(summary_id)),
                width="100%",
                align="center",
            ),
            spacing="2",
            width="100%",
        ),
        color_scheme="iris",
        variant="surface",
        role="status",
        aria_label="Summary",
        width="100%",
        max_height="40vh",
        overflow_y="auto",
    )


def summary_notice(in_thread: bool) -> rx.Component:
    """The asker's summary (until they share or dismiss it) and any error. In a
    thread the notice reloads whenever another thread opens (keyed by its root)."""
    summary, _, error, thread_id = _vars(in_thread)
    content = rx.fragment(
        form_alert(error, size="1"),
        rx.cond(summary.contains("id") & (summary["thread_id"].to(int) == thread_id), _notice(summary)),
    )
    if not in_thread:
        return rx.box(content, width="100%")
    return rx.box(content, key=thread_id, on_mount=SummaryState.load_summary(thread_id), width="100%")
