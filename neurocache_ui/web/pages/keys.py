"""/keys: create, list and revoke API keys."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.api_examples import API_PATH
from neurocache_ui.domain.limits import KEY_NAME_MAX
from neurocache_ui.domain.scopes import SCOPE_MEANINGS, SCOPES
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.components.shown_once import shown_once
from neurocache_ui.web.components.webhooks import outgoing_panel
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.keys import EXPIRY_CHOICES, KeysState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.webhooks import OutgoingHooksState


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(text, html_for=for_id, class_name="text-sm font-medium")


def _scopes() -> rx.Component:
    """A checkbox per scope, all ticked: a new key can do everything unless narrowed."""
    return rx.el.fieldset(
        rx.el.legend("Scopes", class_name="text-sm font-medium"),
        rx.vstack(
            *[
                rx.checkbox(rx.text(rx.text.strong(scope), " — ", SCOPE_MEANINGS[scope], size="2"),
                            name=f"scope_{scope}", default_checked=True, id=f"key-scope-{scope}", spacing="2")
                for scope in SCOPES
            ],
            spacing="1",
        ),
        style={"border": "none", "padding": "0", "margin": "0"},
    )


def _limits() -> rx.Component:
    return rx.vstack(
        _label("Only these agents (optional)", "key-agents"),
        rx.input(id="key-agents", name="agents", placeholder="agent slugs, comma-separated; empty: all", width="100%"),
        _label("Only these channels (optional)", "key-channels"),
        rx.input(id="key-channels", name="channels", placeholder="channel slugs, comma-separated; empty: all", width="100%"),
        _label("Monthly budget (optional)", "key-budget"),
        rx.input(id="key-budget", name="budget", type="number", min=1, placeholder="model calls a month; empty: no budget",
                 width="100%"),
        spacing="2",
        width="100%",
    )


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
                    _scopes(),
                    _limits(),
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
    return shown_once(
        KeysState.new_key,
        rx.text("Your new key “", KeysState.new_key_name, "”. Copy it now: it will not be shown again.", weight="medium"),
        label="New API key", copy_label="Copy key", on_copy=KeysState.copy_new_key, on_done=KeysState.dismiss_new_key,
    )


def _status(status: rx.Var[str]) -> rx.Component:
    return rx.match(
        status,
        ("active", rx.badge("Active", color_scheme="green", high_contrast=True)),
        ("expired", rx.badge("Expired", color_scheme="orange", high_contrast=True)),
        rx.badge("Revoked", color_scheme="gray", high_contrast=True),
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
        rx.table.cell(key["scopes"]),
        rx.table.cell(key["reach"]),
        rx.table.cell(key["budget"]),
        rx.table.cell(_status(key["status"].to(str))),
        rx.table.cell(rx.cond(key["status"].to(str) == "revoked", rx.fragment(), _revoke(key))),
        align="center",
    )


def _table() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                *[rx.table.column_header_cell(h) for h in ("Name", "Prefix", "Created", "Last used", "Expires", "Scopes", "Limited to", "This month", "Status", "")]
            )
        ),
        rx.table.body(rx.foreach(KeysState.keys, _row)),
        width="100%",
        variant="surface",
        aria_label="API keys",
    )


LANGUAGES = ("curl", "Python", "JavaScript")
"""The order of `KeysState.examples` (domain/api_examples.py)."""


def _example(index: int, language: str) -> rx.Component:
    code = KeysState.examples[index]["code"].to(str)
    return rx.tabs.content(
        rx.vstack(
            rx.el.pre(
                rx.el.code(code),
                tab_index=0,  # scrollable sideways on a phone, so reachable by keyboard
                aria_label=f"{language} example",
                style={
                    "margin": "0", "padding": "0.75em", "width": "100%", "overflowX": "auto", "fontSize": "0.8rem",
                    "lineHeight": "1.5", "background": rx.color("gray", 3), "borderRadius": "var(--radius-3)",
                    "whiteSpace": "pre",
                },
            ),
            rx.button(
                rx.icon("copy", size=14), "Copy",
                on_click=[rx.set_clipboard(code), rx.toast.success(f"{language} example copied.")],
                aria_label=f"Copy {language} example", variant="soft", size="1",
            ),
            spacing="2",
            width="100%",
            align="start",
        ),
        value=language,
        padding_top="0.75em",
    )


def _use_your_key() -> rx.Component:
    """How to call the hub from code, against this hub's own address and the person's agent."""
    return rx.el.section(
        rx.heading("Use your key", as_="h2", size="5", id="use-your-key"),
        rx.text(
            "Any OpenAI client works: point it at ", rx.code(KeysState.hub_origin + API_PATH),
            " with your key, and ask one of your agents (", rx.code("agent:<slug>"), ") or channels (",
            rx.code("channel:<slug>"), ") as the model.",
            color=rx.color("gray", 11), size="2",
        ),
        rx.cond(
            KeysState.new_key != "",
            rx.text("Your new key is filled in below until you press Done.", size="2", color=rx.color("green", 12)),
        ),
        rx.cond(
            KeysState.example_agent == "",
            rx.text("You have no agents yet: ", rx.link("create one", href="/agents/new", underline="always"),
                    " and the examples will ask it.", size="2", color=rx.color("gray", 11)),
        ),
        rx.tabs.root(
            rx.tabs.list(*[rx.tabs.trigger(language, value=language) for language in LANGUAGES], aria_label="Language"),
            *[_example(index, language) for index, language in enumerate(LANGUAGES)],
            default_value=LANGUAGES[0],
            width="100%",
        ),
        aria_labelledby="use-your-key",
        style={"width": "100%", "display": "flex", "flexDirection": "column", "gap": "0.5em", "minWidth": "0"},
    )


def keys_page() -> rx.Component:
    return hub_page(
        "API keys",
        rx.vstack(
            rx.hstack(
                rx.text(
                    "Keys let your code call your agents and channels through the OpenAI-compatible API at ",
                    rx.code("/api/v1"), " (", rx.link("docs", href="/api/v1/docs", is_external=True, underline="always"), ").",
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
                    empty_state(
                        "key-round",
                        "No API keys yet",
                        "Create a key with “Create key” above, then call your agents and channels from code "
                        "with the examples below.",
                    ),
                ),
            ),
            _use_your_key(),
            outgoing_panel(),
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
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, KeysState.load,
                 OutgoingHooksState.load_out_hooks],
    )
