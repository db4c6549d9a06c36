"""The one confirmation dialog for destructive actions (revoke, delete, leave):
a trigger, a question, Cancel, and a red button that does it."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventHandler, EventSpec


def confirm_dialog(
    trigger: rx.Component | None,
    title: str | rx.Var[str],
    description: str,
    action: str,
    on_confirm: EventHandler | EventSpec,
    **control: Any,
) -> rx.Component:
    """`on_confirm`: the event the red `action` button fires. Without a `trigger`,
    `control` (`open`, `on_open_change`) opens it from elsewhere (a menu item)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger) if trigger is not None else rx.fragment(),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(action, color_scheme="red", on_click=on_confirm)),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        **control,
    )
