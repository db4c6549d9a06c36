"""Video, audio and voice messages on the page: the players under a message (with the
processing line and "Show transcript"), the page's handler for cited moments, and the
composer's buttons (attach, record) with the pending chips. The players and the
recorder run in the page (media_player.jsx, media_composer.jsx): the bytes go straight
between the browser and MEDIA_PATH (api/media.py), never through the websocket.

Three composers have them — the channel's, the thread panel's and Try it's — each
described by a `MediaSlot`: where its files go and which handlers hear of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx

from neurocache_ui.settings import get_settings
from neurocache_ui.web.state.attachments import AttachmentsState
from neurocache_ui.web.state.chat import ChatState


class MediaPlayers(rx.Component):
    library = "$/public" + rx.asset("media_player.jsx", shared=True)
    tag = "MediaPlayers"

    media: rx.Var[str]
    """The row's media as JSON text (web/realtime/rows.media_of), so an unchanged row compares equal."""


class MomentLinks(rx.Component):
    library = "$/public" + rx.asset("media_player.jsx", shared=True)
    tag = "MomentLinks"


class MediaComposer(rx.Component):
    library = "$/public" + rx.asset("media_composer.jsx", shared=True)
    tag = "MediaComposer"

    channel_id: rx.Var[int]
    agent_id: rx.Var[int]
    """Set (channel_id 0) for the owner's Try it chat with this agent."""
    max_seconds: rx.Var[int]
    on_uploaded: rx.EventHandler[rx.event.passthrough_event_spec(dict)]
    on_voice: rx.EventHandler[rx.event.passthrough_event_spec(dict)]
    on_error: rx.EventHandler[rx.event.passthrough_event_spec(str)]


def media_players(media: rx.Var[str]) -> rx.Component:
    return MediaPlayers.create(media=media, width="100%")


def moment_links() -> rx.Component:
    """Mount once on a page whose replies cite moments: "[01:23]" links play the player above."""
    return MomentLinks.create()


@dataclass(frozen=True)
class MediaSlot:
    """A composer's video and audio: its pending chips, where uploads go (a channel, or
    an agent's Try it chat) and the handlers of its state."""

    items: rx.Var[list[dict[str, Any]]]
    on_uploaded: Any
    on_voice: Any
    on_error: Any
    on_remove: Any
    channel_id: rx.Var[int] | int = 0
    agent_id: rx.Var[int] | int = 0


CHANNEL = MediaSlot(
    ChatState.pending_media, AttachmentsState.media_uploaded, AttachmentsState.send_voice, AttachmentsState.media_problem,
    AttachmentsState.remove_media, channel_id=ChatState.channel_id,
)


def media_buttons(slot: MediaSlot = CHANNEL) -> rx.Component:
    """"Attach video or audio" and "Record a voice message"."""
    return MediaComposer.create(
        channel_id=slot.channel_id,
        agent_id=slot.agent_id,
        max_seconds=get_settings().media_max_minutes * 60,
        on_uploaded=slot.on_uploaded,
        on_voice=slot.on_voice,
        on_error=slot.on_error,
    )


def _chip(media: rx.Var[dict[str, Any]], on_remove: Any) -> rx.Component:
    """A video, audio or other file chosen for the next message: its name, length, remove button."""
    name = media["filename"].to(str)
    kind = media["kind"]
    return rx.hstack(
        rx.icon(rx.cond(kind == "video", "film", rx.cond(kind == "file", "paperclip", "audio-lines")), size=14, flex_shrink="0",
                aria_hidden="true"),
        rx.text(name, size="1", class_name="truncate", max_width="14em"),
        rx.cond(media["duration"] != "", rx.text(media["duration"].to(str), size="1", color=rx.color("gray", 11))),
        rx.icon_button(rx.icon("x", size=12), size="1", variant="ghost", color_scheme="gray", radius="full", type="button",
                       aria_label="Remove " + name, on_click=on_remove(media["id"].to(int))),
        align="center",
        spacing="1",
        padding="2px 4px 2px 8px",
        border=f"1px solid {rx.color('gray', 6)}",
        border_radius="var(--radius-3)",
        background=rx.color("gray", 2),
        class_name="composer-media",
    )


def pending_media(slot: MediaSlot = CHANNEL) -> rx.Component:
    return rx.cond(
        slot.items.length() > 0,
        rx.hstack(rx.foreach(slot.items, lambda media: _chip(media, slot.on_remove)), wrap="wrap", spacing="2",
                  padding_top="4px", role="group", aria_label="Media to send"),
    )
