"""Webhooks in the hub: the channel's "Incoming webhooks" dialog (owner and moderators:
the webhooks with Revoke, a form to make one, the new URL shown once with a copy
button) and the API keys page's "Outgoing webhooks" panel (status, newest attempt, Delete)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain.limits import WEBHOOK_NAME_MAX
from neurocache_ui.web.components.forms import field, form_alert
from neurocache_ui.web.components.shown_once import shown_once
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.webhooks import IncomingHooksState, OutgoingHooksState


def _row(hook: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.hstack(rx.text(hook["name"], weight="medium", size="2", class_name="truncate"),
                      rx.cond(hook["agents"] != "", rx.badge("wakes agents", size="1", color_scheme="violet")),
                      spacing="2", align="center", min_width="0"),
            rx.code(hook["prefix"] + "…", size="1"),
            spacing="1", min_width="0",
        ),
        rx.button("Revoke", size="1", variant="soft", color_scheme="red", type="button",
                  aria_label="Revoke " + hook["name"], on_click=IncomingHooksState.revoke_hook(hook["id"].to(int))),
        justify="between", align="center", width="100%",
    )


def _new_url() -> rx.Component:
    return shown_once(
        IncomingHooksState.new_hook_url,
        rx.callout.text("Copy this URL now: it is shown only once. Anyone who has it can post here."),
        label="New webhook URL", copy_label="Copy webhook URL",
    )


def hooks_dialog() -> rx.Component:
    """Drawn once on the channel page; opened from the channel's "More actions" menu."""
    form = rx.form(
        rx.vstack(
            field("Name", "name", form_id="new-hook", max_length=WEBHOOK_NAME_MAX, placeholder="CI, Alerts, …"),
            rx.el.label(
                rx.checkbox(name="trigger_agents", id="new-hook-agents", aria_label="Wake the channel's agents"),
                rx.text("Its posts wake the channel's agents, like a person's message", size="2"),
                class_name="flex items-center gap-2 cursor-pointer",
            ),
            rx.hstack(rx.button("Create webhook", type="submit"), justify="end", width="100%"),
            spacing="3", width="100%",
        ),
        on_submit=IncomingHooksState.create_hook,
        reset_on_submit=True,
        width="100%",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Incoming webhooks for #", ChatState.channel_name),
            rx.dialog.description(
                "Other services post here through a secret URL: JSON {\"text\": \"…\"}, or Slack's format.",
                size="2", color=rx.color("gray", 11),
            ),
            rx.vstack(
                form_alert(IncomingHooksState.hooks_error),
                _new_url(),
                rx.foreach(IncomingHooksState.hooks, _row),
                rx.cond(IncomingHooksState.hooks.length() == 0, rx.text("None yet.", size="2", color=rx.color("gray", 11))),
                rx.separator(size="4"),
                form,
                rx.hstack(rx.dialog.close(rx.button("Done", type="button", variant="soft", color_scheme="gray")),
                          justify="end", width="100%"),
                spacing="3", width="100%", margin_top="0.75em",
            ),
            max_width="32em",
        ),
        open=IncomingHooksState.hooks_open,
        on_open_change=IncomingHooksState.set_hooks_open,
    )


def _outgoing_row(hook: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.code(hook["url"], size="2", class_name="truncate", max_width="100%"),
                rx.text(hook["events"], " · ", hook["channel"], size="2", color=rx.color("gray", 11)),
                rx.cond(
                    hook["active"] != "",
                    rx.badge("Active", color_scheme="green", size="1"),
                    rx.hstack(rx.badge("Turned off", color_scheme="red", size="1"),
                              rx.text(hook["reason"], size="1", color=rx.color("gray", 11)), spacing="2", align="center",
                              wrap="wrap"),
                ),
                rx.text(hook["last"], size="1", color=rx.color("gray", 11)),
                spacing="1", min_width="0", flex="1",
            ),
            rx.button("Delete", size="1", variant="soft", color_scheme="red", type="button",
                      aria_label="Delete webhook to " + hook["url"],
                      on_click=OutgoingHooksState.delete_out_hook(hook["id"].to(int))),
            justify="between", align="start", width="100%", spacing="3",
        ),
        width="100%",
    )


def outgoing_panel() -> rx.Component:
    """The API keys page's "Outgoing webhooks": made over the API (where the secret is shown)."""
    return rx.vstack(
        rx.heading("Outgoing webhooks", size="4", as_="h2"),
        rx.text("Events of your channels POSTed to your URL, signed: create them with ", rx.code("POST /api/v1/webhooks"),
                " (", rx.link("docs", href="/api/v1/docs#/webhooks", is_external=True, underline="always"), ").",
                size="2", color=rx.color("gray", 11)),
        form_alert(OutgoingHooksState.out_error),
        rx.foreach(OutgoingHooksState.out_hooks, _outgoing_row),
        rx.cond(OutgoingHooksState.out_hooks.length() == 0, rx.text("None yet.", size="2", color=rx.color("gray", 11))),
        spacing="2", width="100%", align="start",
    )
