"""The pieces of a channel page: message rows, the message log, the composer and
the channel dialogs."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.limits import (
    CHANNEL_DESCRIPTION_MAX,
    CHANNEL_GOAL_MAX,
    CHANNEL_NAME_MAX,
)
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.forms import field, form_alert, message_box
from neurocache_ui.web.components.markdown import safe_markdown
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
from neurocache_ui.web.state.channel_admin import ChannelAdminState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.team import TeamState


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


def _parsed(text: rx.Var[str]) -> rx.Var[list[dict[str, str]]]:
    """A row's list, which travels as JSON text (web/realtime/rows.py)."""
    return rx.Var(_js_expr=f"JSON.parse({text} || '[]')", _var_data=text._get_all_var_data()).to(list[dict[str, str]])


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
                    rx.cond(mine, _actions(message_id)),
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
                rx.cond(images != "", rx.hstack(rx.foreach(_parsed(images), _image), wrap="wrap", spacing="2")),
                step_line(status, step),
                rx.cond((status != "streaming") & (sources != ""), sources_list(_parsed(sources))),
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
            data_message_id=message_id,
        ),
    )


def message_row(row: rx.Var[dict[str, Any]]) -> rx.Component:
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


def _form_dialog(name: str, trigger: rx.Component, title: str, submit: str, on_submit: rx.EventHandler,
                 *fields: rx.Component) -> rx.Component:
    """A channel dialog: a form with its error line, `fields`, Cancel and `submit`.
    One open at a time (ChatState.dialog_open)."""
    form = rx.form(
        rx.vstack(
            form_alert(ChannelAdminState.dialog_error),
            *fields,
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                rx.button(submit, type="submit"),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=on_submit,
    )
    return rx.dialog.root(
        rx.dialog.trigger(trigger),
        rx.dialog.content(rx.dialog.title(title), form, max_width="30em"),
        open=ChannelAdminState.dialog_open == name,
        on_open_change=lambda is_open: ChannelAdminState.toggle_dialog(name, is_open),
    )


def new_channel_dialog() -> rx.Component:
    return _form_dialog(
        "new-channel", rx.button(rx.icon("plus", size=16), "New channel"), "New channel",
        "Create", ChannelAdminState.create_channel,
        field("Name", "name", form_id="new-channel", max_length=CHANNEL_NAME_MAX, placeholder="e.g. launch-plan"),
        field("Description", "description", form_id="new-channel", required=False, max_length=CHANNEL_DESCRIPTION_MAX),
        field("Goal", "goal", form_id="new-channel", required=False, max_length=CHANNEL_GOAL_MAX,
              placeholder="What should this team achieve?"),
    )


def invite_dialog() -> rx.Component:
    return _form_dialog(
        "invite", rx.button(rx.icon("user-plus", size=16), "Invite", variant="soft"), "Invite someone to this channel",
        "Invite", ChannelAdminState.invite,
        field("Email", "email", form_id="invite", input_type="email", placeholder="teammate@example.com"),
    )


def rename_dialog() -> rx.Component:
    return _form_dialog(
        "rename", rx.button(rx.icon("pencil", size=16), "Rename", variant="soft", color_scheme="gray"), "Rename channel",
        "Save", ChannelAdminState.rename_channel,
        field("Name", "name", form_id="rename-channel", max_length=CHANNEL_NAME_MAX),
    )


def _confirm(label: str, icon: str, title: str, text: str, on_confirm: rx.EventHandler) -> rx.Component:
    trigger = rx.button(rx.icon(icon, size=16), label, variant="soft", color_scheme="gray")
    return confirm_dialog(trigger, title, text, label, on_confirm)


def owner_actions() -> rx.Component:
    """Rename/archive/delete for the owner; everyone else may leave."""
    return rx.cond(
        ChatState.is_owner,
        rx.hstack(
            rename_dialog(),
            _confirm("Archive", "archive", "Archive this channel?", "It leaves everyone's sidebar and becomes read-only.",
                     ChannelAdminState.archive_channel),
            _confirm("Delete", "trash-2", "Delete this channel?", "Its whole history is deleted for everyone. This cannot be undone.",
                     ChannelAdminState.delete_channel),
            spacing="2",
        ),
        _confirm("Leave", "log-out", "Leave this channel?", "You will stop seeing its messages until someone invites you again.",
                 ChannelAdminState.leave),
    )
