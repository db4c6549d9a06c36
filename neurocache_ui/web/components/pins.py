"""Pins and saved messages in the channel page: the row actions (Pin, Save), the
row's "Pinned" mark, and the header's "Pinned" panel listing the channel's pins with
links that open the channel at each one."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.state.pins import PinsState


def pin_actions(message_id: rx.Var[int], pinned: rx.Var[bool], saved: rx.Var[bool]) -> rx.Component:
    """A row's Pin/Unpin and Save/Unsave buttons (the wanted state is sent)."""
    return rx.fragment(
        rx.icon_button(
            rx.icon(rx.cond(pinned, "pin-off", "pin"), size=14), size="1", variant="ghost",
            aria_label=rx.cond(pinned, "Unpin message", "Pin message"), title=rx.cond(pinned, "Unpin message", "Pin message"),
            aria_pressed=rx.cond(pinned, "true", "false"), on_click=PinsState.set_pin(message_id, ~pinned),
        ),
        rx.icon_button(
            rx.icon(rx.cond(saved, "bookmark-check", "bookmark"), size=14), size="1", variant="ghost",
            aria_label=rx.cond(saved, "Remove from saved", "Save message"),
            title=rx.cond(saved, "Remove from saved", "Save message"),
            aria_pressed=rx.cond(saved, "true", "false"), on_click=PinsState.set_saved(message_id, ~saved),
        ),
    )


def pin_marks(pinned: rx.Var[bool], saved: rx.Var[bool]) -> rx.Component:
    """"Pinned" and "Saved" under the author line of a row that is."""
    return rx.cond(
        pinned | saved,
        rx.hstack(
            rx.cond(pinned, rx.badge(rx.icon("pin", size=12), "Pinned", color_scheme="amber", size="1", variant="soft",
                                     class_name="pinned-mark")),
            rx.cond(saved, rx.badge(rx.icon("bookmark", size=12), "Saved", color_scheme="blue", size="1", variant="soft")),
            spacing="1",
        ),
    )


def _pinned_entry(pin: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.link(
            rx.vstack(
                rx.hstack(
                    rx.text(pin["author"], weight="bold", size="2", class_name="truncate"),
                    rx.spacer(),
                    rx.moment(pin["created_at"], format="MMM D, HH:mm", local=True, size="1", color=rx.color("gray", 11),
                              white_space="nowrap"),
                    width="100%", align="center", spacing="2",
                ),
                rx.text(pin["text"], size="2", class_name="line-clamp-3 break-words", white_space="pre-wrap"),
                rx.text("Pinned by ", pin["pinned_by"], size="1", color=rx.color("gray", 11)),
                spacing="1", width="100%", align="start",
            ),
            href=pin["href"].to(str),
            on_click=PinsState.set_pins_open(False),
            underline="none", color="inherit", display="block", padding="0.5em",
            border_radius="var(--radius-2)", _hover={"background": rx.color("accent", 3)},
            aria_label="Jump to message by " + pin["author"].to(str),
        ),
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_pin_id=pin["id"],
    )


def pinned_panel() -> rx.Component:
    """The header's "Pinned" button and its popover with the channel's pins, newest first."""
    count = PinsState.pinned_ids.length()
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("pin", size=14, aria_hidden="true"), rx.text(count, size="1"),
                rx.el.span(" pinned messages", class_name="sr-only"),  # the name says what the number counts
                variant="soft", color_scheme="gray", size="2", title="Pinned messages",
            ),
        ),
        rx.popover.content(
            rx.vstack(
                rx.heading("Pinned", size="3"),
                rx.cond(
                    count > 0,
                    rx.el.ul(rx.foreach(PinsState.pinned, _pinned_entry), aria_label="Pinned messages",
                             class_name="w-full list-none p-0 m-0"),
                    rx.text("Nothing is pinned yet. Pin a message from its row's toolbar so everyone can find it here.",
                            size="2", color=rx.color("gray", 11)),
                ),
                spacing="2", width="100%",
            ),
            width="min(26rem, 92vw)", max_height="60vh", overflow_y="auto", align="end", aria_label="Pinned",
        ),
        open=PinsState.pins_open,
        on_open_change=PinsState.set_pins_open,
    )
