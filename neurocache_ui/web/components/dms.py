"""Direct messages in the page: the sidebar's "New message" button and the dialog
it opens (web/state/dms.py). The DMs' sidebar rows are the channels' own rows
(web/components/layout.py) with a presence dot in place of the "#"."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain.dm_rules import MAX_MEMBERS
from neurocache_ui.web.components.forms import field, form_alert
from neurocache_ui.web.state.dms import AGENT, PERSON, DmState


def new_message_button() -> rx.Component:
    return rx.icon_button(
        rx.icon("square-pen", size=16), variant="ghost", size="1", aria_label="New message", title="New message",
        on_click=DmState.open_picker(True),
    )


def _choice(prefix: str, item: rx.Var[dict], label: rx.Component, detail: rx.Var[str] | str = "") -> rx.Component:
    """One checkbox row; the whole row is its label, so a click or Space anywhere ticks it."""
    return rx.el.label(
        rx.el.input(type="checkbox", name=prefix + item["id"].to_string(), class_name="size-4 shrink-0"),
        label,
        rx.text(detail, size="1", color=rx.color("gray", 11), class_name="truncate min-w-0"),
        class_name="flex items-center gap-2 px-2 py-1.5 rounded cursor-pointer hover:bg-[var(--accent-3)] min-w-0",
    )


def _group(legend: str, items: rx.Var[list], row, empty: str) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(legend, class_name="text-sm font-medium mb-1"),
        rx.cond(
            items.length() > 0,
            rx.box(rx.foreach(items, row), max_height="11rem", overflow_y="auto"),
            rx.text(empty, size="2", color=rx.color("gray", 11)),
        ),
        class_name="w-full min-w-0",
    )


def new_message_dialog() -> rx.Component:
    """Pick people and agents, or type emails; "Open" starts the DM (or opens the one they already share)."""
    people = _group(
        "People", DmState.people,
        lambda p: _choice(PERSON, p, rx.text(p["name"], size="2", class_name="truncate min-w-0")),
        "Nobody shares a channel with you yet: type their email below.",
    )
    agents = _group(
        "Agents", DmState.dm_agents,
        lambda a: _choice(AGENT, a, rx.text(a["emoji"], " ", a["name"], size="2", class_name="truncate min-w-0 shrink-0 max-w-[60%]"),
                          a["detail"]),
        "No agents to message yet: build one under Agents.",
    )
    form = rx.form(
        rx.vstack(
            form_alert(DmState.picker_error),
            rx.cond(DmState.picker_loading, rx.center(rx.spinner(size="2"), width="100%"), rx.fragment()),
            people,
            agents,
            field("Or their emails (comma-separated)", "emails", form_id="new-message", required=False,
                  placeholder="teammate@example.com"),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                rx.button("Open conversation", type="submit"),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=DmState.start_dm,
        reset_on_submit=False,
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("New message"),
            rx.dialog.description(
                f"A private conversation with up to {MAX_MEMBERS - 1} people and agents. "
                "Agents in it answer every message.",
                size="2", color=rx.color("gray", 11), margin_bottom="0.75em",
            ),
            form,
            max_width="min(30em, calc(100vw - 2rem))",
        ),
        open=DmState.picker_open,
        on_open_change=DmState.open_picker,
    )
