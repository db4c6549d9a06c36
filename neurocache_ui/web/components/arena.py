"""An arena's card under its question: answers "A" and "B" side by side (stacked on a
phone), the vote buttons, who has voted, and once revealed the names, the tally and
the rating changes. Inside the message row's memo: it takes plain props (the card
travels as the row's JSON text, parsed in the browser)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.markdown import message_body
from neurocache_ui.web.state.arena import ArenaState
from neurocache_ui.web.state.auth import AuthState


def parsed_card(text: rx.Var[str]) -> rx.Var[dict[str, Any]]:
    return rx.Var(_js_expr=f"JSON.parse({text} || '{{}}')", _var_data=text._get_all_var_data()).to(dict[str, Any])


def _answer(card: rx.Var[dict[str, Any]], side: str) -> rx.Component:
    answer = card[side].to(dict[str, str])
    result = card["result"].to(dict[str, str])
    revealed = card["state"].to(str) == "revealed"
    label = side.upper()
    return rx.box(
        rx.hstack(
            rx.badge("Answer " + label, variant="solid" if side == "a" else "soft", size="2"),
            rx.cond(
                revealed,
                rx.hstack(
                    rx.text(result[side], weight="bold", size="2"),
                    rx.cond(result[side + "_rating"] != "",
                            rx.text(result[side + "_rating"], " (", result[side + "_delta"], ")", size="1",
                                    color=rx.color("gray", 11), title="Arena rating after this match")),
                    rx.cond(result["winner"].to(str) == side, rx.badge("Winner", color_scheme="grass", size="1")),
                    spacing="2",
                    align="center",
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            answer["status"].to(str) == "streaming",
            rx.hstack(rx.spinner(size="1"), rx.text("Writing…", size="2", color=rx.color("gray", 11)), padding_top="0.5em"),
            rx.box(message_body(answer["text"].to(str)), padding_top="0.25em",
                   color=rx.cond(answer["status"].to(str) == "error", rx.color("red", 11), "inherit")),
        ),
        role="group",
        aria_label="Answer " + label,
        padding="0.75em",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        min_width="0",
        background=rx.color("gray", 1),
    )


def _voting(message_id: rx.Var[int], card: rx.Var[dict[str, Any]]) -> rx.Component:
    voted = card["voters"].to(list[int]).contains(AuthState.user_id)
    may_reveal = voted | (card["started_by"].to(int) == AuthState.user_id)
    return rx.hstack(
        rx.cond(
            voted,
            rx.text("You voted. ", card["votes"].to(int), " vote(s) so far.", size="2", color=rx.color("gray", 11)),
            rx.hstack(
                rx.button("A is better", size="2", variant="soft", on_click=ArenaState.vote(message_id, "a")),
                rx.button("B is better", size="2", variant="soft", on_click=ArenaState.vote(message_id, "b")),
                rx.button("Tie", size="2", variant="soft", color_scheme="gray", on_click=ArenaState.vote(message_id, "tie")),
                spacing="2",
                wrap="wrap",
                role="group",
                aria_label="Vote",
            ),
        ),
        rx.spacer(),
        rx.cond(may_reveal, rx.button("Reveal", size="2", variant="outline", on_click=ArenaState.reveal(message_id))),
        width="100%",
        align="center",
        wrap="wrap",
        spacing="2",
    )


def _outcome(card: rx.Var[dict[str, Any]]) -> rx.Component:
    result = card["result"].to(dict[str, Any])
    tally = result["tally"].to(dict[str, int])
    return rx.text(
        rx.match(
            result["winner"].to(str),
            ("a", rx.fragment(result["a"], " won")),
            ("b", rx.fragment(result["b"], " won")),
            ("tie", rx.fragment("A tie")),
            rx.fragment("Revealed without votes"),
        ),
        " · A ", tally["a"], " · B ", tally["b"], " · Tie ", tally["tie"],
        size="2",
        weight="medium",
        role="status",
    )


def arena_card(message_id: rx.Var[int], card_text: rx.Var[str]) -> rx.Component:
    card = parsed_card(card_text)
    state = card["state"].to(str)
    return rx.vstack(
        rx.hstack(rx.icon("swords", size=14), rx.text("Arena: which answer is better?", size="2", weight="medium"),
                  rx.cond(state != "revealed", rx.text("Names are hidden until the votes are in.", size="1",
                                                        color=rx.color("gray", 11))),
                  spacing="2", align="center", wrap="wrap"),
        rx.grid(_answer(card, "a"), _answer(card, "b"), columns=rx.breakpoints(initial="1", md="2"), spacing="3", width="100%"),
        rx.match(
            state,
            ("voting", _voting(message_id, card)),
            ("revealed", _outcome(card)),
            rx.fragment(),
        ),
        spacing="2",
        width="100%",
        padding_top="0.4em",
        role="region",
        aria_label="Arena",
    )
