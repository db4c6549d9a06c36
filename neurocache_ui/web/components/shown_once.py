"""A secret the hub shows once (a new API key, an invite link, an incoming webhook's URL):
the value in a read-only box that selects itself, Copy, and Done. One panel, so every
secret is offered, labelled and copied the same way."""

from __future__ import annotations

from typing import Any

import reflex as rx


def shown_once(
    value: rx.Var[str],
    message: rx.Component,
    *,
    label: str,
    copy_label: str,
    icon: str = "key-round",
    on_copy: Any = None,
    on_done: Any = None,
) -> rx.Component:
    """Nothing while `value` is empty. `label` names the box ("New API key"), `copy_label`
    its Copy button; `on_copy` defaults to copying in the page with a toast, `on_done`
    (the state's event that empties `value`) adds a Done button."""
    copy = on_copy if on_copy is not None else [rx.set_clipboard(value), rx.toast.success("Copied to the clipboard.")]
    return rx.cond(
        value != "",
        rx.callout.root(
            rx.callout.icon(rx.icon(icon)),
            rx.vstack(
                message,
                rx.hstack(
                    rx.input(value=value, read_only=True, aria_label=label, font_family="monospace", width="100%",
                             on_focus=rx.run_script("document.activeElement.select()")),
                    rx.button(rx.icon("copy", size=16), "Copy", type="button", aria_label=copy_label, high_contrast=True,
                              on_click=copy),
                    *([rx.button("Done", type="button", variant="soft", color_scheme="gray", on_click=on_done)] if on_done is not None else []),
                    width="100%",
                    spacing="2",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="green",
            high_contrast=True,
            width="100%",
        ),
    )
