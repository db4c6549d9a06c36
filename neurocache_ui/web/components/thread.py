"""The thread panel beside the channel: the root message, its replies and the
"Reply" box (Enter sends)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.chat import message_row
from neurocache_ui.web.components.forms import form_alert, message_box
from neurocache_ui.web.components.summaries import summarize_button, summary_notice
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.thread import COMPOSER_ID, ThreadState


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_alert(ThreadState.thread_error, size="1"),
            rx.hstack(
                message_box(
                    COMPOSER_ID, "content", placeholder="Reply in thread… (Enter sends)", label="Reply",
                    on_change=ChatState.typing.throttle(2500),
                ),
                rx.button(
                    rx.cond(ThreadState.thread_sending, rx.spinner(size="2"), rx.icon("send-horizontal", size=16)),
                    "Send", type="submit", disabled=ThreadState.thread_sending, size="2", aria_label="Send reply",
                ),
                width="100%",
                align="end",
            ),
            width="100%",
            spacing="1",
        ),
        on_submit=ThreadState.send_reply,
        reset_on_submit=False,
        width="100%",
    )


def thread_panel() -> rx.Component:
    return rx.cond(
        ThreadState.thread_id != 0,
        rx.el.aside(
            rx.vstack(
                rx.hstack(
                    rx.heading("Thread", size="4"),
                    rx.spacer(),
                    summarize_button(True),
                    rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label="Close thread",
                                   on_click=ThreadState.close_thread),
                    width="100%",
                    align="center",
                ),
                rx.cond(
                    ThreadState.thread_loading,
                    rx.center(rx.spinner(size="3"), padding="2em", width="100%"),
                    rx.box(
                        rx.foreach(ThreadState.thread_root, lambda row: message_row(row, in_thread=True)),
                        rx.hstack(
                            rx.text(ThreadState.thread_count_text, size="1", color=rx.color("gray", 10), white_space="nowrap"),
                            rx.separator(size="4"),
                            align="center",
                            width="100%",
                            padding_y="0.25em",
                        ),
                        rx.foreach(ThreadState.thread_replies, lambda row: message_row(row, in_thread=True)),
                        role="log",
                        aria_label="Thread replies",
                        aria_live="polite",
                        width="100%",
                        flex="1",
                        min_height="0",
                        overflow_y="auto",
                    ),
                ),
                summary_notice(True),
                _composer(),
                height="100%",
                width="100%",
                spacing="2",
            ),
            aria_label="Thread",
            role="region",
            style={
                "width": "min(28em, 100%)",
                "flexShrink": "0",
                "height": "calc(100vh - 3em)",
                "paddingLeft": "1em",
                "borderLeft": f"1px solid {rx.color('gray', 5)}",
            },
        ),
    )
