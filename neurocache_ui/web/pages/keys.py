"""/keys: create, list and revoke API keys."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.limits import KEY_NAME_MAX
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.keys import EXPIRY_CHOICES, KeysState
from neurocache_ui.web.state.mentions import MentionsState


def _create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "Create key")),
        rx.dialog.content(
            rx.dialog.title("Create an API key"),
            rx.dialog.description("The key is shown once, right after you create it. Store it somewhere safe."),
            rx.form(
                rx.vstack(
                    rx.el.label("Name", html_for="key-name", class_name="text-sm font-medium"),
                    rx.input(id="key-name", name="name", placeholder="e.g. billing service", max_length=KEY_NAME_MAX,
                             required=True, auto_focus=True, width="100%"),
                    rx.el.label("Expires", html_for="key-expiry", class_name="text-sm font-medium"),
                    rx.select(list(EXPIRY_CHOICES), value=KeysState.expiry, on_change=KeysState.set_expiry,
                              id="key-expiry", aria_label="Expires", width="100%"),
                    rx.cond(KeysState.create_error != "", rx.callout(KeysState.create_error, icon="triangle-alert", color_scheme="red", width="100%")),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                        rx.button("Create", type="submit"),
                        justify="end",
                        width="100%",
                        spacing="3",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=KeysState.create_key,
                reset_on_submit=False,
            ),
        ),
        open=KeysState.create_open,
        on_open_change=KeysState.set_create_open,
    )


def _new_key_panel() -> rx.Component:
    return rx.cond(
        KeysState.new_key != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("Your new key “", KeysState.new_key_name, "”. Copy it now: it will not be shown again.", weight="medium"),
                rx.hstack(
                    rx.input(value=KeysState.new_key, read_only=True, aria_label="New API key",
                             font_family="monospace", width="100%", on_focus=rx.run_script("document.activeElement.select()")),
                    rx.button(rx.icon("copy", size=16), "Copy", on_click=KeysState.copy_new_key, aria_label="Copy key"),
                    rx.button("Done", variant="soft", color_scheme="gray", on_click=KeysState.dismiss_new_key),
                    width="100%",
                    spacing="2",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="green",
            width="100%",
        ),
    )


def _status(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("active", rx.badge("Active", color_scheme="green")),
        ("expired", rx.badge("Expired", color_scheme="orange")),
        rx.badge("Revoked", color_scheme="gray"),
    )


def _revoke(key: rx.Var[dict[str, Any]]) -> rx.Component:
    name = key["name"].to(str)
    return confirm_dialog(
        rx.button("Revoke", size="1", variant="soft", color_scheme="red", aria_label="Revoke " + name),
        "Revoke “" + name + "”?",
        "Every request with this key is refused from now on, on every server. This cannot be undone.",
        "Revoke key",
        KeysState.revoke(key["id"].to(int)),
    )


def _row(key: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(key["name"]),
        rx.table.cell(rx.code(key["prefix"])),
        rx.table.cell(key["created"]),
        rx.table.cell(key["last_used"]),
        rx.table.cell(key["expires"]),
        rx.table.cell(_status(key["status"].to(str))),
        rx.table.cell(rx.cond(key["status"].to(str) == "revoked", rx.fragment(), _revoke(key))),
        align="center",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Name", "Prefix", "Created", "Last used", "Expires", "Status", "")]
            )
        ),
        rx.table.body(rx.foreach(KeysState.keys, _row)),
        width="100%",
        variant="surface",
        aria_label="API keys",
    )


def keys_page() -> rx.Component:
    return hub_page(
        "API keys",
        rx.vstack(
            rx.hstack(
                rx.text(
                    "Keys let your code call your agents and channels through the OpenAI-compatible API at ",
                    rx.code("/api/v1"), " (", rx.link("docs", href="/api/v1/docs", is_external=True), ").",
                    color=rx.color("gray", 11),
                ),
                rx.spacer(),
                _create_dialog(),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            _new_key_panel(),
            rx.cond(KeysState.keys_error != "", rx.callout(KeysState.keys_error, icon="triangle-alert", color_scheme="red")),
            rx.cond(
                KeysState.keys.length() > 0,
                rx.box(_table(), width="100%", overflow_x="auto"),
                rx.cond(
                    KeysState.loading,
                    rx.spinner(),
                    empty_state("key-round", "No API keys yet", "Create a key to call your agents and channels from code."),
                ),
            ),
            spacing="4",
            width="100%",
            align="start",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        keys_page,
        route="/keys",
        title="API keys · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, KeysState.load],
    )
