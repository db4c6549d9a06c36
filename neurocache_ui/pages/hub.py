"""The hub's sections not yet built (keys, usage). Each starts as an empty state that says what will be there;
the features fill them in."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.components.layout import empty_state, hub_page
from neurocache_ui.state.auth import AuthState
from neurocache_ui.state.chat import ChatState

SECTIONS = [
    (
        "/keys",
        "API keys",
        "key-round",
        "No API keys yet",
        "API keys let your code call your agents and channels through the OpenAI-compatible API under /api/v1.",
    ),
    (
        "/usage",
        "Usage",
        "chart-line",
        "No usage yet",
        "Requests, tokens, latency and errors per key and agent appear here live as your agents work.",
    ),
]


def _section(title: str, icon: str, heading: str, text: str):
    def page() -> rx.Component:
        return hub_page(title, empty_state(icon, heading, text))

    page.__name__ = f"{title.lower().replace(' ', '_')}_page"
    return page


def add_pages(app: rx.App) -> None:
    for route, title, icon, heading, text in SECTIONS:
        app.add_page(_section(title, icon, heading, text), route=route, title=f"{title} · Neurocache", on_load=[AuthState.check_session, ChatState.load_channels])
