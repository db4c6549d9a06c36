"""The page for every address the hub does not have (Reflex's "404" route): says so
and offers the way back, to the hub when signed in, else to the home page."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.layout import public_frame
from neurocache_ui.web.state.auth import AuthState


def not_found_page() -> rx.Component:
    return public_frame(
        rx.center(
            rx.vstack(
                rx.icon("map-pin-off", size=48, color=rx.color("gray", 9), aria_hidden="true"),
                rx.heading("Page not found", as_="h1", size="7"),
                rx.text(
                    "There is nothing at this address. It may have moved, or the link may have a typo.",
                    color=rx.color("gray", 11),
                    text_align="center",
                ),
                rx.cond(
                    AuthState.is_logged_in,
                    rx.button(rx.link(rx.icon("arrow-left", size=16), "Back to the hub", href="/channels", underline="none"),
                              as_child=True, size="3"),
                    rx.button(rx.link(rx.icon("arrow-left", size=16), "Back to the home page", href="/", underline="none"),
                              as_child=True, size="3"),
                ),
                align="center",
                spacing="4",
                max_width="32em",
            ),
            padding="1.5em",
            padding_top="4em",
        )
    )


def add_pages(app: rx.App) -> None:
    app.add_page(not_found_page, route="404", title="Page not found · Neurocache", on_load=AuthState.load_user)
