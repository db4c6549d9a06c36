"""The thread panel: the root message, its replies and the "Reply" box (Enter
sends; video, audio and voice messages as in the channel's composer). Beside the channel on wide screens; on phones it covers the screen, with
"Back" to return to the channel. Escape closes it."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.client_widgets import (
    escape_closes,
    mention_popup,
    typing_line,
)
from neurocache_ui.web.components.follow_log import follow_log
from neurocache_ui.web.components.forms import form_alert, message_box
from neurocache_ui.web.components.media import MediaSlot, media_buttons, pending_media
from neurocache_ui.web.components.message_row import thread_row
from neurocache_ui.web.components.summaries import summarize_button, summary_notice
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.thread import COMPOSER_ID, ThreadState


MEDIA = MediaSlot(
    ThreadState.thread_media, ThreadState.thread_media_uploaded, ThreadState.send_thread_voice,
    ThreadState.thread_media_problem, ThreadState.remove_thread_media, channel_id=ChatState.channel_id,
)


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_alert(ThreadState.thread_error, size="1"),
            pending_media(MEDIA),
            rx.box(
                mention_popup(COMPOSER_ID, TeamState.mention_candidates),
                rx.hstack(
                    media_buttons(MEDIA),
                    message_box(
                        COMPOSER_ID, "content", placeholder="Reply in thread… (Enter sends)", label="Reply",
                        on_change=ThreadState.thread_typing.throttle(2500),
                    ),
                    rx.button(
                        rx.cond(ThreadState.thread_sending, rx.spinner(size="2"), rx.icon("send-horizontal", size=16)),
                        type="submit", disabled=ThreadState.thread_sending, size="3", aria_label="Send reply",
                        title="Send reply",
                    ),
                    width="100%",
                    align="end",
                    spacing="2",
                ),
                position="relative",
                width="100%",
            ),
            typing_line(ChatState.typists, ThreadState.thread_id),
            width="100%",
            spacing="1",
        ),
        on_submit=ThreadState.send_reply,
        reset_on_submit=False,
        width="100%",
        flex_shrink="0",
    )


def _heading() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("arrow-left", size=16), "Back", variant="ghost", on_click=ThreadState.close_thread,
                  class_name="md:hidden", aria_label="Back"),
        rx.heading("Thread", size="4"),
        rx.spacer(),
        summarize_button(True),
        rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label="Close thread", title="Close thread",
                       on_click=ThreadState.close_thread, class_name="hidden md:flex"),
        width="100%",
        align="center",
        flex_shrink="0",
    )


def thread_panel() -> rx.Component:
    return rx.cond(
        ThreadState.thread_id != 0,
        rx.el.aside(
            escape_closes(ThreadState.close_thread),
            rx.vstack(
                _heading(),
                rx.cond(
                    ThreadState.thread_loading,
                    rx.center(rx.spinner(size="3"), padding="2em", width="100%"),
                    follow_log(
                        rx.foreach(ThreadState.thread_root, thread_row),
                        rx.hstack(
                            rx.text(ThreadState.thread_count_text, size="1", color=rx.color("gray", 11), white_space="nowrap"),
                            rx.separator(size="4"),
                            align="center",
                            width="100%",
                            padding_y="0.25em",
                        ),
                        rx.foreach(ThreadState.thread_replies, thread_row),
                        label="Thread replies",
                        reset_key=ThreadState.thread_id.to_string(),
                        jump_label="Jump to newest replies",
                        composer_id=COMPOSER_ID,
                        width="100%",
                        flex="1",
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
            class_name="thread-panel fixed inset-0 z-40 p-3 md:static md:z-auto md:p-0 md:pl-4 md:w-[min(26rem,42%)] md:shrink-0",
            style={
                "height": "var(--app-height, 100dvh)",
                "background": "var(--color-background)",
                "@media (min-width: 48rem)": {"height": "100%", "borderLeft": f"1px solid {rx.color('gray', 5)}"},
            },
        ),
    )
