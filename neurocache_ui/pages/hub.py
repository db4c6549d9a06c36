"""The hub's sections not yet built (none left: keys and usage have their own pages). Each starts as an empty state that says what will be there;
the features fill them in."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.components.layout import empty_state, hub_page
from neurocache_ui.state.auth import AuthState
from neurocache_ui.state.chat import ChatState

SECTIONS: list[tuple[str, str, str, str, str]] = [
    # (route, title, icon, heading, text): a section not built yet shows an empty state.
    # /keys and /usage are built now: pages/keys.py and pages/usage.py.
]


def _section(title: str, icon: str, heading: str, text: str):
    def page() -> rx.Component:
        return hub_page(title, empty_state(icon, heading, text))

    page.__name__ = f"{title.lower().replace(' ', '_')}_page"
    return page


def add_pages(app: rx.App) -> None:
    for route, title, icon, heading, text in SECTIONS:
        app.add_page(_section(title, icon, heading, text), route=route, title=f"{title} · Neurocache", on_load=[AuthState.check_session, ChatState.load_channels])
