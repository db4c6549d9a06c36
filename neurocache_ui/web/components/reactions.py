"""Reactions under a message and the picker that adds one. Both live inside the
message row's memo (components/message_row.py), so they take plain props; the only
state they read is the viewer's id, from AuthState, whose few vars change rarely
(signing in or out, a notice), so channel traffic does not re-render the rows."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain.emoji_names import EMOJI
from neurocache_ui.web.components.client_widgets import EmojiGrid
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.reactions import ReactionsState

_CHOICES = [[emoji, name] for emoji, name in EMOJI]


def add_reaction_button(message_id: rx.Var[int]) -> rx.Component:
    """"Add reaction": a picker with a search box over the hub's emoji, the quick
    ones first; choosing one adds it and closes the picker (Radix returns focus
    to the button, so the keyboard stays where it was)."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(rx.icon("smile-plus", size=14), size="1", variant="ghost", aria_label="Add reaction",
                           title="Add reaction", type="button"),
        ),
        rx.popover.content(
            EmojiGrid.create(emoji=_CHOICES, on_pick=lambda emoji: ReactionsState.react(message_id, emoji, True)),
            size="1",
            side="top",
            align="end",
            aria_label="Pick a reaction",
        ),
    )


def reaction_bar(message_id: rx.Var[int], reactions: rx.Var[str]) -> rx.Component:
    """One toggle per emoji ("👍 2"), pressed when the viewer is among those who
    reacted; its tooltip names them. `reactions` is the row's JSON text
    (web/realtime/rows.py), parsed in the browser."""
    return rx.cond(
        reactions != "",
        rx.hstack(
            rx.foreach(parsed(reactions), lambda reaction: _toggle(message_id, reaction)),
            spacing="1",
            wrap="wrap",
            padding_top="4px",
            role="group",
            aria_label="Reactions",
        ),
    )


def _toggle(message_id: rx.Var[int], reaction: rx.Var[dict[str, str]]) -> rx.Component:
    emoji, count = reaction["emoji"].to(str), reaction["count"].to(int)
    pressed = reaction["users"].to(list[int]).contains(AuthState.user_id)
    return rx.tooltip(
        rx.button(
            rx.text(emoji, as_="span"),
            rx.text(count, as_="span", weight="medium"),
            size="1",
            radius="full",
            type="button",
            variant=rx.cond(pressed, "soft", "outline"),
            color_scheme=rx.cond(pressed, "blue", "gray"),
            aria_label=emoji + " " + count.to_string(),
            aria_pressed=pressed,
            on_click=ReactionsState.react(message_id, emoji, ~pressed),
        ),
        content=reaction["names"].to(str),
    )


def parsed(text: rx.Var[str]) -> rx.Var[list[dict[str, str]]]:
    """A row's list, which travels as JSON text (web/realtime/rows.py): one string
    compares equal when nothing changed, so the memo'd row is skipped. Here, with
    the reactions, because the message row (components/chat.py) imports this module."""
    return rx.Var(_js_expr=f"JSON.parse({text} || '[]')", _var_data=text._get_all_var_data()).to(list[dict[str, str]])
