"""The text of a reply while it streams, from web/components/stream_text.jsx: it
grows by the appended text the hub sends, outside the page state."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.markdown import BODY_STYLE


class StreamText(rx.Component):
    library = "$/public" + rx.asset("stream_text.jsx", shared=True)
    tag = "StreamText"

    message_id: rx.Var[int]


def stream_text(message_id: rx.Var[int]) -> rx.Component:
    return rx.box(
        StreamText.create(message_id=message_id),
        class_name="message-body",
        white_space="pre-wrap",
        width="100%",
        style=BODY_STYLE,
    )
