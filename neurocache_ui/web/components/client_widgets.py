"""Small pieces that run in the page (their JavaScript sits beside this module):
the @mention popup of a chat text box, the reaction picker's searchable emoji
grid, the "is typing…" line that forgets an idle
typist by itself, Escape closing a panel, and `--app-height` (the visible
viewport's height, so a phone's on-screen keyboard shrinks the shell instead of
covering its composer), the tab's unread count and the notification permission
button (notifications.jsx), and a message row's toolbar drawn on first hover or focus."""

from __future__ import annotations

from typing import Any

import reflex as rx


class MentionPopup(rx.Component):
    library = "$/public" + rx.asset("mention_popup.jsx", shared=True)
    tag = "MentionPopup"

    input_id: rx.Var[str]
    candidates: rx.Var[list[dict[str, Any]]]
    label: rx.Var[str]


class TypingLine(rx.Component):
    library = "$/public" + rx.asset("typing_line.jsx", shared=True)
    tag = "TypingLine"

    entries: rx.Var[list[dict[str, Any]]]
    scope: rx.Var[int]


def mention_popup(input_id: str, candidates: rx.Var[list[dict[str, Any]]]) -> rx.Component:
    """The popup for the text box `input_id`: `candidates` are {label, insert, hint, icon, kind}."""
    return MentionPopup.create(input_id=input_id, candidates=candidates, label="Mention suggestions")


def typing_line(entries: rx.Var[list[dict[str, Any]]], scope: rx.Var[int] | int = 0) -> rx.Component:
    """Who is typing where `scope` is 0 (the channel) or a thread's root id; `entries` are {name, thread, at}."""
    return TypingLine.create(entries=entries, scope=scope, font_size="var(--font-size-1)", color=rx.color("gray", 11))


class EmojiGrid(rx.Component):
    library = "$/public" + rx.asset("emoji_grid.jsx", shared=True)
    tag = "EmojiGrid"

    emoji: rx.Var[list[list[str]]]
    on_pick: rx.EventHandler[rx.event.passthrough_event_spec(str)]


class EscapeKey(rx.Component):
    library = "$/public" + rx.asset("escape_key.jsx", shared=True)
    tag = "EscapeKey"

    on_escape: rx.EventHandler[rx.event.no_args_event_spec]


class RowActions(rx.Component):
    library = "$/public" + rx.asset("row_actions.jsx", shared=True)
    tag = "RowActions"


def row_actions(toolbar: rx.Component) -> rx.Component:
    """`toolbar` drawn once its row (the parent element) is hovered, tapped or focused:
    rows nobody pointed at carry no buttons (row_actions.jsx says why)."""
    return RowActions.create(toolbar)


class ViewportHeight(rx.Component):
    library = "$/public" + rx.asset("viewport.jsx", shared=True)
    tag = "ViewportHeight"


def escape_closes(handler: Any) -> rx.Component:
    """Escape anywhere on the page runs `handler`, unless a dialog, menu or popup is open."""
    return EscapeKey.create(on_escape=handler)


def viewport_height() -> rx.Component:
    return ViewportHeight.create()


class TabBadge(rx.Component):
    library = "$/public" + rx.asset("notifications.jsx", shared=True)
    tag = "TabBadge"

    count: rx.Var[int]


class NotifyButton(rx.Component):
    library = "$/public" + rx.asset("notifications.jsx", shared=True)
    tag = "NotifyButton"


def tab_badge(count: rx.Var[int]) -> rx.Component:
    """"(3) " before the tab's title and a dot on its icon; also defines window.__ncNotify."""
    return TabBadge.create(count=count)


def notify_button() -> rx.Component:
    """Asks for the browser's permission to notify, on click only."""
    return NotifyButton.create()
