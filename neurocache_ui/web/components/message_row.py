"""One message as the channel log and the thread panel draw it: the author line
(or, continuing an author's group, just the time on hover), the text, images, video and audio,
an agent's step and sources, reactions, the reply count, and the row's floating
toolbar (react, reply in thread, pin, save, edit, delete, regenerate)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.arena import arena_card
from neurocache_ui.web.components.client_widgets import row_actions
from neurocache_ui.web.components.eval_capture import capture_button
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.markdown import message_body
from neurocache_ui.web.components.media import media_players
from neurocache_ui.web.components.pins import pin_actions, pin_marks
from neurocache_ui.web.components.profiles import name_button
from neurocache_ui.web.components.reactions import (
    add_reaction_button,
    parsed,
    reaction_bar,
)
from neurocache_ui.web.components.stream_text import stream_text
from neurocache_ui.web.components.team import (
    sources_list,
    step_line,
    step_of,
    stop_button,
)
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.pins import PinsState
from neurocache_ui.web.state.profiles import ProfileState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.thread import ThreadState

AVATAR_WIDTH = "var(--space-6)"  # the avatar's column (size 2): a grouped row's time sits in it

_ROW_STYLE = {
    # The toolbar and a grouped row's time show on hover and on keyboard focus (or
    # a tap, which focuses the row); hidden, they take no clicks meant for the text.
    "& .message-actions": {"opacity": "0", "pointerEvents": "none"},
    "&:hover .message-actions, &:focus-within .message-actions": {"opacity": "1", "pointerEvents": "auto"},
    "& .hover-time": {"visibility": "hidden"},
    "&:hover .hover-time, &:focus-within .hover-time": {"visibility": "visible"},
    "&:focus": {"outline": "none"},
}


def _separator(label: rx.Component, color: str, name: rx.Var[str] | str) -> rx.Component:
    return rx.hstack(
        rx.separator(size="4", color_scheme=color),
        label,
        rx.separator(size="4", color_scheme=color),
        align="center",
        width="100%",
        role="separator",
        aria_label=name,
        padding_y="0.5em",
    )


def _day_separator(created_at: rx.Var[str]) -> rx.Component:
    day = rx.moment(created_at, format="dddd, MMMM D", local=True, white_space="nowrap", size="1", color=rx.color("gray", 11))
    return _separator(day, "gray", "Day")


def _unread_divider() -> rx.Component:
    """Where the messages start that were new when the channel was opened."""
    label = rx.text("New messages", size="1", weight="bold", color=rx.color("red", 11), white_space="nowrap")
    return rx.box(_separator(label, "red", "New messages"), class_name="unread-divider")


def _rewrite_button(message_id: rx.Var[int], status: rx.Var[str]) -> rx.Component:
    """An agent's finished reply: "Regenerate"; one that failed or stopped: "Retry"."""
    failed = status != "complete"
    return rx.icon_button(
        rx.icon(rx.cond(failed, "rotate-ccw", "refresh-cw"), size=14), size="1", variant="ghost",
        aria_label=rx.cond(failed, "Retry", "Regenerate"), title=rx.cond(failed, "Retry", "Regenerate"),
        on_click=TeamState.regenerate(message_id),
    )


def _toolbar(message_id: rx.Var[int], mine: rx.Var[bool], moderator: rx.Var[bool], in_thread: rx.Var[bool],
             rewritable: rx.Var[bool], status: rx.Var[str], pinned: rx.Var[bool], saved: rx.Var[bool]) -> rx.Component:
    return rx.hstack(
        add_reaction_button(message_id),
        rx.cond(
            in_thread,
            rx.fragment(),
            rx.icon_button(rx.icon("message-square-reply", size=14), size="1", variant="ghost", aria_label="Reply in thread",
                           title="Reply in thread", on_click=ThreadState.open_thread(message_id)),
        ),
        rx.cond(status != "streaming", pin_actions(message_id, pinned, saved)),
        rx.cond(mine, _own_actions(message_id), rx.cond(moderator, _delete_button(message_id))),
        rx.cond(rewritable, _rewrite_button(message_id, status)),
        rx.cond(rewritable, capture_button(message_id)),
        class_name="message-actions",
        spacing="1",
        position="absolute",
        top="-0.75rem",
        right="0.5rem",
        padding="2px",
        background=rx.color("gray", 1),
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        box_shadow="var(--shadow-2)",
        z_index="1",
    )


def _own_actions(message_id: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.icon_button(rx.icon("pencil", size=14), size="1", variant="ghost", aria_label="Edit message",
                       title="Edit message", on_click=ChatState.start_edit(message_id)),
        _delete_button(message_id),
        spacing="1",
    )


def _delete_button(message_id: rx.Var[int]) -> rx.Component:
    """The author's, and on anyone's message the channel owner's or a moderator's."""
    return confirm_dialog(
        rx.icon_button(rx.icon("trash-2", size=14), size="1", variant="ghost", color_scheme="red",
                       aria_label="Delete message", title="Delete message"),
        "Delete this message?",
        "Everyone in the channel will stop seeing it. This cannot be undone.",
        "Delete",
        ChatState.delete_message(message_id),
    )


def _version_pager(message_id: rx.Var[int], version: rx.Var[int], versions: rx.Var[int]) -> rx.Component:
    """"2/2" under a regenerated reply, with buttons to read its earlier texts."""
    return rx.hstack(
        rx.icon_button(rx.icon("chevron-left", size=14), size="1", variant="ghost", aria_label="Previous version",
                       title="Previous version", disabled=version <= 1,
                       on_click=ThreadState.show_version(message_id, version - 1)),
        rx.text(version.to_string() + "/" + versions.to_string(), size="1", color=rx.color("gray", 11),
                aria_label="Version " + version.to_string() + " of " + versions.to_string()),
        rx.icon_button(rx.icon("chevron-right", size=14), size="1", variant="ghost", aria_label="Next version",
                       title="Next version", disabled=version >= versions,
                       on_click=ThreadState.show_version(message_id, version + 1)),
        align="center",
        spacing="1",
        role="group",
        aria_label="Versions of this reply",
    )


def _notes(notes: rx.Var[str]) -> rx.Component:
    """What went wrong while the reply was written (a failed tool), kept under it."""
    return rx.vstack(
        rx.foreach(
            notes.split("\n"),
            lambda note: rx.hstack(rx.icon("triangle-alert", size=12, flex_shrink="0"), rx.text(note, size="1"),
                                   align="center", spacing="1", color=rx.color("amber", 11)),
        ),
        spacing="0",
        role="note",
        aria_label="Problems while writing this reply",
        class_name="message-notes",
        width="100%",
    )


def _thread_link(message_id: rx.Var[int], replies: rx.Var[int]) -> rx.Component:
    """"1 reply" / "N replies" under a thread's root: opens the thread."""
    return rx.button(
        rx.icon("messages-square", size=14),
        rx.cond(replies == 1, "1 reply", replies.to_string() + " replies"),
        size="1", variant="ghost", on_click=ThreadState.open_thread(message_id), margin_top="2px",
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
        rx.image(src=image["thumb"], alt=image["filename"], max_height="240px", max_width="min(320px, 100%)",
                 border_radius="var(--radius-2)", loading="lazy", class_name="message-image"),
        href=image["url"], is_external=True,
    )


def _badges(status: rx.Var[str], edited: rx.Var[bool], message_id: rx.Var[int]) -> list[rx.Component]:
    return [
        rx.cond(edited, rx.text("(edited)", size="1", color=rx.color("gray", 11))),
        rx.cond(status != "complete", rx.badge(status, color_scheme="orange", size="1")),
        rx.cond(status == "streaming", stop_button(message_id)),
    ]


def _author(author: rx.Var[str], kind: rx.Var[str], user_id: rx.Var[int], agent_id: rx.Var[int]) -> rx.Component:
    """A person's or agent's name opens their card (web/components/profiles.py); a notice's is
    text, and an incoming webhook's carries an "integration" badge (it speaks for no account)."""
    return rx.match(
        kind,
        ("user", rx.cond(user_id > 0, name_button(author, ProfileState.open_person(user_id)),
                         rx.text(author, weight="bold", size="2", class_name="truncate"))),
        ("agent", rx.cond(agent_id > 0, name_button(author, ProfileState.open_agent(agent_id)),
                          rx.text(author, weight="bold", size="2", class_name="truncate"))),
        ("integration", rx.hstack(rx.text(author, weight="bold", size="2", class_name="truncate"),
                                  rx.badge("integration", color_scheme="amber", high_contrast=True, size="1"), spacing="1", align="center",
                                  min_width="0")),
        rx.text(author, weight="bold", size="2", class_name="truncate"),
    )


def _author_line(author: rx.Var[str], kind: rx.Var[str], user_id: rx.Var[int], agent_id: rx.Var[int],
                 created_at: rx.Var[str], status: rx.Var[str], edited: rx.Var[bool], message_id: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        _author(author, kind, user_id, agent_id),
        rx.moment(created_at, format="HH:mm", local=True, size="1", color=rx.color("gray", 11), flex_shrink="0"),
        *_badges(status, edited, message_id),
        align="center",
        spacing="2",
        min_width="0",
        wrap="wrap",
    )


@rx.memo
def message_item(
    message_id: rx.Var[int],
    author: rx.Var[str],
    kind: rx.Var[str],
    user_id: rx.Var[int],
    agent_id: rx.Var[int],
    avatar: rx.Var[str],
    content: rx.Var[str],
    status: rx.Var[str],
    created_at: rx.Var[str],
    edited: rx.Var[bool],
    mark: rx.Var[str],
    first_unread: rx.Var[bool],
    mine: rx.Var[bool],
    moderator: rx.Var[bool],
    editing: rx.Var[bool],
    step: rx.Var[str],
    sources: rx.Var[str],
    images: rx.Var[str],
    media: rx.Var[str],
    replies: rx.Var[int],
    reactions: rx.Var[str],
    in_thread: rx.Var[bool],
    focused: rx.Var[bool],
    notes: rx.Var[str],
    version: rx.Var[int],
    versions: rx.Var[int],
    arena: rx.Var[str],
    pinned: rx.Var[bool],
    saved: rx.Var[bool],
) -> rx.Component:
    """One message. A memo with plain props, so a new message re-renders only
    itself: the rows already on screen compare equal and are skipped (this is
    most of the delivery latency budget; see docs/PERFORMANCE.md)."""
    show_day = mark == "day"
    continued = (mark == "group") & ~first_unread
    rewritable = (kind == "agent") & (status != "streaming")
    return rx.fragment(
        rx.cond(show_day, _day_separator(created_at)),
        rx.cond(first_unread, _unread_divider()),
        rx.box(
            rx.hstack(
                rx.cond(
                    continued,
                    rx.moment(created_at, format="HH:mm", local=True, size="1", color=rx.color("gray", 11),
                              class_name="hover-time", width=AVATAR_WIDTH, flex_shrink="0", padding_top="0.2em",
                              font_size="11px", white_space="nowrap"),
                    rx.avatar(src=avatar, fallback=author[:1], size="2", radius="full", flex_shrink="0", alt="",
                              color_scheme=rx.match(kind, ("agent", "violet"), ("system", "gray"), ("integration", "amber"), "blue")),
                ),
                rx.vstack(
                    rx.cond(
                        continued,
                        rx.cond(
                            edited | (status != "complete"),
                            rx.hstack(*_badges(status, edited, message_id), align="center", spacing="2"),
                        ),
                        _author_line(author, kind, user_id, agent_id, created_at, status, edited, message_id),
                    ),
                    rx.cond(
                        editing,
                        _edit_form(content),
                        rx.cond(
                            status == "streaming",
                            stream_text(message_id),
                            message_body(content),
                        ),
                    ),
                    pin_marks(pinned, saved),
                    rx.cond(arena != "", arena_card(message_id, arena)),
                    rx.cond(images != "", rx.hstack(rx.foreach(parsed(images), _image), wrap="wrap", spacing="2")),
                    rx.cond(media != "", media_players(media)),
                    step_line(status, step),
                    rx.cond((status != "streaming") & (notes != ""), _notes(notes)),
                    rx.cond((status != "streaming") & (sources != ""), sources_list(parsed(sources), message_id)),
                    rx.cond(versions > 1, _version_pager(message_id, version, versions)),
                    reaction_bar(message_id, reactions),
                    rx.cond(~in_thread & (replies > 0), _thread_link(message_id, replies)),
                    spacing="0",
                    width="100%",
                    min_width="0",
                    align="start",
                ),
                align="start",
                spacing="3",
                width="100%",
            ),
            row_actions(_toolbar(message_id, mine, moderator, in_thread, rewritable, status, pinned, saved)),
            position="relative",
            width="100%",
            padding_x="0.5em",
            padding_top=rx.cond(continued, "0.05em", "0.5em"),
            padding_bottom="0.1em",
            border_radius="var(--radius-2)",
            _hover={"background": rx.color("gray", 2)},
            background=rx.cond(focused, rx.color("accent", 3), "transparent"),
            style=_ROW_STYLE,
            tab_index=-1,
            data_message_id=message_id,
            data_grouped=rx.cond(continued, "true", "false"),
            data_focused=rx.cond(focused, "true", "false"),
        ),
    )


def message_row(row: rx.Var[dict[str, Any]]) -> rx.Component:
    """A row of the channel's log. One argument only: `rx.foreach` passes the
    index as a second argument to a function that takes two."""
    return _item(row, in_thread=False)


def thread_row(row: rx.Var[dict[str, Any]]) -> rx.Component:
    """A row of the thread panel: no thread button or reply count, since it is the thread."""
    return _item(row, in_thread=True)


def _item(row: rx.Var[dict[str, Any]], *, in_thread: bool) -> rx.Component:
    return message_item(
        message_id=row["id"].to(int),
        author=row["author"].to(str),
        kind=row["kind"].to(str),
        user_id=row["user_id"].to(int),
        agent_id=row.get("agent_id", 0).to(int),
        avatar=ProfileState.avatars.get(row["user_id"].to_string(), "").to(str),
        content=row["content"].to(str),
        status=row["status"].to(str),
        created_at=row["created_at"].to(str),
        edited=row["edited"].to(bool),
        mark=row["mark"].to(str) if not in_thread else "",
        first_unread=(ChatState.first_unread_id == row["id"]) if not in_thread else False,
        mine=(row["user_id"] == ChatState.user_id) & (row["kind"] == "user"),
        moderator=ChatState.can_moderate,
        editing=ChatState.editing_id == row["id"],
        step=step_of(row),
        sources=row["sources"].to(str),
        images=row["images"].to(str),
        media=row.get("media", "").to(str),
        replies=row["replies"].to(int),
        reactions=row["reactions"].to(str),
        in_thread=in_thread,
        focused=ChatState.focus_id == row["id"],
        notes=row.get("notes", "").to(str),
        version=row.get("version", row.get("versions", 1)).to(int),
        versions=row.get("versions", 1).to(int),
        arena=row.get("arena", "").to(str),
        pinned=PinsState.pinned_ids.contains(row["id"]),
        saved=PinsState.saved_ids.contains(row["id"]),
        key=row["id"].to(str),
    )
