"""The pieces of a channel page: message rows, the message log and the composer."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.forms import form_alert, message_box
from neurocache_ui.web.components.markdown import safe_markdown
from neurocache_ui.web.components.reactions import (
    add_reaction_button,
    parsed,
    reaction_bar,
)
from neurocache_ui.web.components.stream_text import stream_text
from neurocache_ui.web.components.team import (
    mention_suggestions,
    replying_indicator,
    sources_list,
    step_line,
    step_of,
    stop_button,
)
from neurocache_ui.web.state.attachments import ACCEPT, UPLOAD_ID, AttachmentsState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.thread import ThreadState

_HOVER_ACTIONS = {
    # A row's buttons show on hover and on keyboard focus (and stay reachable by Tab).
    "& .message-actions": {"opacity": "0"},
    "&:hover .message-actions, &:focus-within .message-actions": {"opacity": "1"},
}


def _day_separator(created_at: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        rx.separator(size="4"),
        rx.moment(created_at, format="dddd, MMMM D", local=True, white_space="nowrap", size="1", color=rx.color("gray", 10)),
        rx.separator(size="4"),
        align="center",
        width="100%",
        role="separator",
        padding_y="0.5em",
    )


def _row_actions(message_id: rx.Var[int], mine: rx.Var[bool], in_thread: rx.Var[bool]) -> rx.Component:
    return rx.hstack(
        add_reaction_button(message_id),
        rx.cond(
            in_thread,
            rx.fragment(),
            rx.icon_button(rx.icon("message-square-reply", size=14), size="1", variant="ghost", aria_label="Reply in thread",
                           title="Reply in thread", on_click=ThreadState.open_thread(message_id)),
        ),
        rx.cond(mine, _actions(message_id)),
        class_name="message-actions",
        spacing="1",
    )


def _thread_link(message_id: rx.Var[int], replies: rx.Var[int]) -> rx.Component:
    """"1 reply" / "N replies" under a thread's root: opens the thread."""
    return rx.button(
        rx.icon("messages-square", size=14),
        rx.cond(replies == 1, "1 reply", replies.to_string() + " replies"),
        size="1", variant="ghost", on_click=ThreadState.open_thread(message_id), margin_top="2px",
    )


def _actions(message_id: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("pencil", size=14), size="1", variant="ghost", aria_label="Edit message",
                       on_click=ChatState.start_edit(message_id)),
        confirm_dialog(
            rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red", aria_label="Delete message"),
            "Delete this message?",
            "Everyone in the channel will stop seeing it. This cannot be undone.",
            "Delete",
            ChatState.delete_message(message_id),
        ),
        spacing="1",
    )


def _edit_form(content: rx.Var[str]) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text_area(name="content", default_value=content, aria_label="Edit message", enter_key_submit=True, auto_focus=True, width="100%"),
            rx.hstack(
                rx.button("Save", type="submit", size="1"),
                rx.button("Cancel", type="button", size="1", variant="soft", color_scheme="gray", on_click=ChatState.cancel_edit),
                spacing="2",
            ),
            width="100%",
        ),
        on_submit=ChatState.save_edit,
        width="100%",
    )


def _image(image: rx.Var[dict[str, str]]) -> rx.Component:
    """A sent image: its thumbnail, opening the full image (members only, api/attachments.py)."""
    return rx.link(
        rx.image(src=image["thumb"], alt=image["filename"], max_height="240px", max_width="320px",
                 border_radius="var(--radius-2)", loading="lazy", class_name="message-image"),
        href=image["url"], is_external=True,
    )


def _preview(image: rx.Var[dict[str, str]]) -> rx.Component:
    """An image chosen for the next message, with its remove button."""
    return rx.box(
        rx.image(src=image["thumb"], alt=image["filename"], height="64px", border_radius="var(--radius-2)",
                 class_name="composer-preview"),
        rx.icon_button(rx.icon("x", size=12), size="1", variant="solid", color_scheme="gray", radius="full",
                       aria_label="Remove " + image["filename"].to(str), type="button",
                       on_click=AttachmentsState.remove_image(image["id"]),
                       position="absolute", top="-6px", right="-6px"),
        position="relative",
    )


def _attach_button() -> rx.Component:
    """"Attach image": choosing files uploads them at once (previews appear)."""
    return rx.upload.root(
        rx.icon_button(
            rx.cond(AttachmentsState.attaching, rx.spinner(size="2"), rx.icon("image-plus", size=16)),
            type="button", variant="soft", size="3", aria_label="Attach image", title="Attach image",
        ),
        id=UPLOAD_ID,
        accept=ACCEPT,
        multiple=True,
        max_files=4,
        on_drop=AttachmentsState.attach_images(rx.upload_files_chunk(upload_id=UPLOAD_ID)),
        no_drag=True,
    )


@rx.memo
def message_item(
    message_id: rx.Var[int],
    author: rx.Var[str],
    kind: rx.Var[str],
    content: rx.Var[str],
    status: rx.Var[str],
    created_at: rx.Var[str],
    edited: rx.Var[bool],
    show_day: rx.Var[bool],
    mine: rx.Var[bool],
    editing: rx.Var[bool],
    step: rx.Var[str],
    sources: rx.Var[str],
    images: rx.Var[str],
    replies: rx.Var[int],
    reactions: rx.Var[str],
    in_thread: rx.Var[bool],
    focused: rx.Var[bool],
) -> rx.Component:
    """One message. A memo with plain props, so a new message re-renders only
    itself: the rows already on screen compare equal and are skipped (this is
    most of the delivery latency budget; see docs/PERFORMANCE.md)."""
    return rx.fragment(
        rx.cond(show_day, _day_separator(created_at)),
        rx.hstack(
            rx.avatar(fallback=author[:1], size="2", radius="full",
                      color_scheme=rx.match(kind, ("agent", "violet"), ("system", "gray"), "blue")),
            rx.vstack(
                rx.hstack(
                    rx.text(author, weight="bold", size="2"),
                    rx.moment(created_at, format="HH:mm", local=True, size="1", color=rx.color("gray", 10)),
                    rx.cond(edited, rx.text("(edited)", size="1", color=rx.color("gray", 10))),
                    rx.cond(status != "complete", rx.badge(status, color_scheme="orange", size="1")),
                    rx.cond(status == "streaming", stop_button(message_id)),
                    rx.spacer(),
                    _row_actions(message_id, mine, in_thread),
                    align="center",
                    width="100%",
                    spacing="2",
                ),
                rx.cond(
                    editing,
                    _edit_form(content),
                    rx.cond(
                        status == "streaming",
                        stream_text(message_id),
                        rx.box(safe_markdown(content), class_name="message-body", width="100%"),
                    ),
                ),
                rx.cond(images != "", rx.hstack(rx.foreach(parsed(images), _image), wrap="wrap", spacing="2")),
                step_line(status, step),
                rx.cond((status != "streaming") & (sources != ""), sources_list(parsed(sources))),
                reaction_bar(message_id, reactions),
                rx.cond(~in_thread & (replies > 0), _thread_link(message_id, replies)),
                spacing="0",
                width="100%",
                align="start",
            ),
            align="start",
            spacing="3",
            width="100%",
            padding_x="0.5em",
            padding_y="0.25em",
            border_radius="var(--radius-2)",
            _hover={"background": rx.color("gray", 2)},
            background=rx.cond(focused, rx.color("accent", 3), "transparent"),
            style=_HOVER_ACTIONS,
            data_message_id=message_id,
        ),
    )


def message_row(row: rx.Var[dict[str, Any]], in_thread: bool = False) -> rx.Component:
    """A row of the channel's log, or of the thread panel (`in_thread`: no thread
    button or reply count, since it is the thread)."""
    return message_item(
        message_id=row["id"].to(int),
        author=row["author"].to(str),
        kind=row["kind"].to(str),
        content=row["content"].to(str),
        status=row["status"].to(str),
        created_at=row["created_at"].to(str),
        edited=row["edited"].to(bool),
        show_day=row["show_day"].to(bool),
        mine=(row["user_id"] == ChatState.user_id) & (row["kind"] == "user"),
        editing=ChatState.editing_id == row["id"],
        step=step_of(row),
        sources=row["sources"].to(str),
        images=row["images"].to(str),
        replies=row["replies"].to(int),
        reactions=row["reactions"].to(str),
        in_thread=in_thread,
        focused=ChatState.focus_id == row["id"],
    )


def message_log() -> rx.Component:
    return rx.auto_scroll(
        rx.cond(
            ChatState.has_more,
            rx.center(
                rx.button(
                    rx.cond(ChatState.loading_older, rx.spinner(size="1"), rx.icon("arrow-up", size=14)),
                    "Load older messages",
                    on_click=ChatState.load_older,
                    variant="soft",
                    size="1",
                    disabled=ChatState.loading_older,
                ),
                padding="0.5em",
            ),
        ),
        rx.cond(
            ChatState.loading,
            rx.center(rx.spinner(size="3"), padding="3em"),
            rx.cond(
                ChatState.empty_channel,
                rx.center(
                    rx.text("No messages yet. Say hello, or @mention an agent to put it to work.", color=rx.color("gray", 10)),
                    padding="3em",
                ),
            ),
        ),
        rx.foreach(ChatState.older, message_row),
        rx.foreach(ChatState.recent, message_row),
        rx.foreach(ChatState.latest, message_row),
        rx.cond(
            ChatState.has_newer,
            rx.center(
                rx.button(rx.icon("arrow-down", size=14), "Jump to newest messages", on_click=ChatState.jump_to_newest,
                          variant="soft", size="1"),
                padding="0.5em",
            ),
        ),
        role="log",
        aria_label="Messages",
        aria_live="polite",
        flex="1",
        min_height="0",
        overflow_y="auto",
        width="100%",
        padding_y="0.5em",
    )


def composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_alert(ChatState.send_error, size="1"),
            form_alert(AttachmentsState.attach_error, size="1"),
            mention_suggestions(),
            rx.cond(
                ChatState.pending_images.length() > 0,
                rx.hstack(rx.foreach(ChatState.pending_images, _preview), wrap="wrap", spacing="3", padding_top="6px",
                          role="group", aria_label="Images to send"),
            ),
            rx.hstack(
                _attach_button(),
                message_box(
                    "composer",
                    "content",
                    placeholder="Write a message… (Enter sends, Shift+Enter adds a line)",
                    label="Message",
                    on_change=[ChatState.typing.throttle(2500), TeamState.mention.debounce(120)],
                    resize="vertical",
                    auto_focus=True,
                ),
                rx.button(
                    rx.cond(ChatState.sending, rx.spinner(size="2"), rx.icon("send-horizontal", size=16)),
                    "Send",
                    type="submit",
                    disabled=ChatState.sending,
                    size="3",
                ),
                width="100%",
                align="end",
            ),
            rx.text(ChatState.typing_text, size="1", color=rx.color("gray", 10), min_height="1.2em", aria_live="polite"),
            replying_indicator(),
            width="100%",
            spacing="1",
        ),
        on_submit=ChatState.send,
        reset_on_submit=False,
        width="100%",
    )
