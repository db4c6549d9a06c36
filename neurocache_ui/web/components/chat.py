"""The channel page's message log and composer (a row is web/components/message_row.py)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.client_widgets import mention_popup, typing_line
from neurocache_ui.web.components.follow_log import follow_log
from neurocache_ui.web.components.forms import form_alert, labelled_upload, message_box
from neurocache_ui.web.components.media import media_buttons, moment_links, pending_media
from neurocache_ui.web.components.message_row import message_row
from neurocache_ui.web.components.team import replying_indicator
from neurocache_ui.web.state.attachments import ACCEPT, UPLOAD_ID, AttachmentsState
from neurocache_ui.web.state.chat import COMPOSER_ID, ChatState
from neurocache_ui.web.state.team import TeamState


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
    return labelled_upload(rx.upload.root(
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
    ), "Choose images to attach")


def message_log() -> rx.Component:
    return follow_log(
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
                    rx.text("No messages yet. Say hello, or @mention an agent to put it to work.", color=rx.color("gray", 11),
                            text_align="center"),
                    padding="3em",
                ),
            ),
        ),
        rx.foreach(ChatState.older, message_row),
        rx.foreach(ChatState.recent, message_row),
        rx.foreach(ChatState.latest, message_row),
        moment_links(),  # the replies' "[01:23]" links, here and in the thread panel
        rx.cond(
            ChatState.has_newer,
            rx.center(
                rx.button(rx.icon("arrow-down", size=14), "Jump to newest messages", on_click=ChatState.jump_to_newest,
                          variant="soft", size="1"),
                padding="0.5em",
            ),
        ),
        label="Messages",
        reset_key=ChatState.channel_id.to_string(),
        focus_id=ChatState.focus_id,
        composer_id=COMPOSER_ID,
        flex="1",
        width="100%",
        padding_y="0.5em",
    )


def composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_alert(ChatState.send_error, size="1"),
            form_alert(AttachmentsState.attach_error, size="1"),
            rx.cond(
                ChatState.pending_images.length() > 0,
                rx.hstack(rx.foreach(ChatState.pending_images, _preview), wrap="wrap", spacing="3", padding_top="6px",
                          role="group", aria_label="Images to send"),
            ),
            pending_media(),
            rx.box(
                mention_popup(COMPOSER_ID, TeamState.mention_candidates),
                rx.hstack(
                    _attach_button(),
                    media_buttons(),
                    rx.box(  # on phones the box takes a line of its own, above the buttons
                        message_box(
                            COMPOSER_ID,
                            "content",
                            placeholder="Write a message… (@ to mention, Enter sends)",
                            label="Message",
                            on_change=ChatState.typing.throttle(2500),
                            resize="vertical",
                            auto_focus=True,
                        ),
                        class_name="order-first basis-full sm:order-none sm:basis-auto sm:flex-1 min-w-0",
                    ),
                    rx.button(
                        rx.cond(ChatState.sending, rx.spinner(size="2"), rx.icon("send-horizontal", size=16)),
                        rx.text("Send", class_name="hidden sm:inline"),
                        type="submit",
                        disabled=ChatState.sending,
                        size="3",
                        aria_label="Send",
                        class_name="ml-auto sm:ml-0",
                    ),
                    width="100%",
                    align="end",
                    spacing="2",
                    class_name="flex-wrap sm:flex-nowrap",
                ),
                position="relative",
                width="100%",
            ),
            rx.hstack(
                typing_line(ChatState.typists, 0),
                replying_indicator(),
                spacing="3",
                align="center",
                min_height="1.2em",
                wrap="wrap",
            ),
            width="100%",
            spacing="1",
        ),
        on_submit=ChatState.send,
        reset_on_submit=True,  # empty at once, so typing the next message never races the send (refused: restored)
        width="100%",
        flex_shrink="0",
    )
