"""Builds the Reflex app: theme, pages and background tasks."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.pages import auth, hub, landing

app = rx.App(
    theme=rx.theme(accent_color="violet", gray_color="slate", radius="medium", has_background=True),
)
for module in (landing, auth, hub):
    module.add_pages(app)
