"""The public landing page: what Neurocache is, and the way in."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.services.auth import HOME
from neurocache_ui.web.components.layout import public_frame
from neurocache_ui.web.state.auth import AuthState

FEATURES = [
    ("bot", "Build agents", "Give each agent instructions, a model and knowledge documents it draws on."),
    ("messages-square", "Work together in channels", "People and teams of agents in one real-time chat; replies stream to everyone."),
    ("code", "Call them from code", "An OpenAI-compatible API: your agents and channels are models any client can use."),
]


def _feature(icon: str, title: str, text: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon(icon, size=28, color=rx.color("accent", 10)),
            rx.heading(title, size="4"),
            rx.text(text, color=rx.color("gray", 11)),
            spacing="2",
        ),
        size="3",
    )


def landing() -> rx.Component:
    return public_frame(
        rx.vstack(
            rx.heading("Create agents trained your way.", size=rx.breakpoints(initial="8", sm="9"), text_align="center"),
            rx.text(
                "Neurocache Hub is where you build AI agents, put them to work alongside people "
                "in real-time channels, and call them from any codebase.",
                size="5",
                color=rx.color("gray", 11),
                text_align="center",
                max_width="40em",
            ),
            rx.cond(
                AuthState.is_logged_in,
                rx.link(rx.button("Open the hub", size="4"), href=HOME),
                rx.hstack(
                    rx.link(rx.button("Sign up", size="4"), href="/signup"),
                    rx.link(rx.button("Log in", size="4", variant="outline"), href="/login"),
                    spacing="3",
                ),
            ),
            rx.grid(*[_feature(*f) for f in FEATURES], columns=rx.breakpoints(initial="1", md="3"), spacing="4", width="100%"),
            spacing="6",
            align="center",
            padding_x="1.5em",
            padding_y="4em",
            max_width="68em",
            margin_x="auto",
        )
    )


def add_pages(app: rx.App) -> None:
    app.add_page(landing, route="/", title="Neurocache Hub", on_load=AuthState.load_user)
