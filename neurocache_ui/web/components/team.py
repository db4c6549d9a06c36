"""A channel's agents on its page: the team in the header, the "Add agent"
picker, and "<agent> is replying…"."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.citations import CitationState
from neurocache_ui.web.state.team import PICKER, TeamState


def _agent_chip(agent: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.tooltip(
        rx.badge(
            rx.text(agent["emoji"], as_="span", aria_hidden="true"),
            agent["name"],
            variant="surface",
            color_scheme="violet",
            radius="full",
            size="2",
            role="listitem",
        ),
        content="@" + agent["slug"].to(str) + " · " + agent["mode"].to(str) + rx.cond(
            agent["description"].to(str) != "", " · " + agent["description"].to(str), ""
        ),
    )


def agents_bar() -> rx.Component:
    """The channel's agents, shown in the header."""
    return rx.cond(
        TeamState.channel_agents.length() > 0,
        rx.hstack(
            rx.icon("bot", size=14, color=rx.color("gray", 11), aria_hidden="true"),
            rx.foreach(TeamState.channel_agents, _agent_chip),
            spacing="1",
            align="center",
            wrap="wrap",
            role="list",
            aria_label="Agents in this channel",
        ),
    )


def _picker_row(agent: rx.Var[dict[str, Any]], action: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.text(agent["emoji"], size="4", aria_hidden="true"),
        rx.vstack(
            rx.text(agent["name"], weight="bold", size="2"),
            rx.text("@", agent["slug"], size="1", color=rx.color("gray", 11)),
            spacing="0",
        ),
        rx.spacer(),
        action,
        align="center",
        width="100%",
        padding_y="0.25em",
    )


def _in_channel_row(agent: rx.Var[dict[str, Any]]) -> rx.Component:
    return _picker_row(
        agent,
        rx.cond(
            agent["removable"].to(bool),
            rx.button(
                "Remove",
                size="1",
                variant="soft",
                color_scheme="red",
                aria_label="Remove " + agent["name"].to(str),
                on_click=TeamState.remove_agent(agent["id"].to(int)),
            ),
            rx.text(agent["mode"], size="1", color=rx.color("gray", 11)),
        ),
    )


def _mine_row(agent: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        agent["in_channel"].to(bool),
        rx.fragment(),
        _picker_row(
            agent,
            rx.button(
                rx.icon("plus", size=14),
                "Add",
                size="1",
                aria_label="Add " + agent["name"].to(str),
                on_click=TeamState.add_agent(agent["id"].to(int)),
            ),
        ),
    )


def add_agent_dialog() -> rx.Component:
    """The "Add agent" picker (opened by the header's "Add agent"): the user's agents
    to add, and the channel's agents (removable by their owner or the channel's owner)."""
    body = rx.vstack(
        form_alert(TeamState.picker_error),
        rx.text("In this channel", weight="bold", size="2"),
        rx.cond(
            TeamState.channel_agents.length() > 0,
            rx.vstack(rx.foreach(TeamState.channel_agents, _in_channel_row), width="100%", spacing="1"),
            rx.text("No agents yet.", size="2", color=rx.color("gray", 11)),
        ),
        rx.separator(size="4"),
        rx.text("Your agents", weight="bold", size="2"),
        rx.cond(
            TeamState.picker_loading,
            rx.spinner(size="2"),
            rx.cond(
                TeamState.my_agents.length() > 0,
                rx.vstack(rx.foreach(TeamState.my_agents, _mine_row), width="100%", spacing="1",
                          max_height="40vh", overflow_y="auto"),
                rx.text(
                    "You have no agents yet. ",
                    rx.link("Create one", href="/agents/new"),
                    ", then add it here.",
                    size="2",
                    color=rx.color("gray", 11),
                ),
            ),
        ),
        rx.text(
            "Agents answer when @mentioned, or on every message if set so. They can hand work to each other.",
            size="1",
            color=rx.color("gray", 11),
        ),
        rx.hstack(
            rx.dialog.close(rx.button("Done", type="button", variant="soft", color_scheme="gray")),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )
    return rx.dialog.root(
        rx.dialog.content(rx.dialog.title("Agents in this channel"), body, max_width="30em"),
        open=TeamState.dialog_open == PICKER,
        on_open_change=TeamState.toggle_picker,
    )


def replying_indicator() -> rx.Component:
    return rx.cond(
        TeamState.replying_text != "",
        rx.hstack(
            rx.spinner(size="1"),
            rx.text(TeamState.replying_text, size="1", color=rx.color("violet", 11)),
            spacing="1",
            align="center",
            aria_live="polite",
        ),
    )


def stop_button(message_id: rx.Var[int]) -> rx.Component:
    return rx.button(
        rx.icon("square", size=12),
        "Stop",
        size="1",
        variant="soft",
        color_scheme="red",
        on_click=TeamState.stop_reply(message_id),
    )


def step_of(row: rx.Var[dict[str, Any]]) -> rx.Var[str]:
    """What a streaming reply is doing right now ("Searching the web for …"), else ""."""
    return rx.cond(row["status"].to(str) == "streaming", TeamState.steps.get(row["id"].to(str), "").to(str), "")


def step_line(status: rx.Var[str], step: rx.Var[str]) -> rx.Component:
    """A streaming reply's current step, announced politely as it changes; the
    status region is there for the whole reply so screen readers hear each step."""
    return rx.cond(
        status == "streaming",
        rx.box(
            rx.cond(
                step != "",
                rx.hstack(
                    rx.icon("wrench", size=14, aria_hidden="true"),
                    rx.text(step, size="1"),
                    spacing="1",
                    align="center",
                    color=rx.color("violet", 11),
                    class_name="agent-step",
                ),
            ),
            role="status",
            aria_live="polite",
            width="100%",
        ),
    )


def _web_source(source: rx.Var[dict[str, str]]) -> rx.Component:
    return rx.fragment(
        rx.el.a(
            source["title"], href=source["url"], target="_blank", rel="noopener noreferrer nofollow",
            title=source["url"], style={"color": "var(--accent-11)", "textDecoration": "underline"},
        ),
        rx.text(" · ", source["url"], as_="span", size="1", color=rx.color("gray", 11),
                style={"overflowWrap": "anywhere"}),
    )


def _knowledge_source(source: rx.Var[dict[str, str]], message_id: rx.Var[int] | None) -> rx.Component:
    """A knowledge document the reply was given: its name; under a channel message, a
    button that opens the passage (for whoever may read it)."""
    name = rx.hstack(rx.icon("file-text", size=12, aria_hidden="true"), rx.text(source["title"], as_="span"),
                     align="center", spacing="1", display="inline-flex")
    if message_id is None:
        return name
    return rx.button(
        name, variant="ghost", size="1", type="button", title="Show the passage",
        on_click=CitationState.open_citation(message_id, source["chunk_id"].to(int)),
    )


def _source_item(source: rx.Var[dict[str, str]], message_id: rx.Var[int] | None) -> rx.Component:
    return rx.el.li(
        rx.cond(source.contains("document_id"), _knowledge_source(source, message_id), _web_source(source)),
        class_name="text-sm",
    )


def sources_list(sources: rx.Var[list[dict[str, str]]], message_id: rx.Var[int] | None = None) -> rx.Component:
    """What a finished reply drew on, under its text: knowledge documents (under a
    channel message, `message_id`'s, each opens its passage) and web pages as links
    (opened in a new tab)."""
    return rx.cond(
        sources.length() > 0,
        rx.box(
            rx.text("Sources", size="1", weight="bold", color=rx.color("gray", 11)),
            rx.el.ul(
                rx.foreach(sources, lambda source: _source_item(source, message_id)),
                style={"listStyle": "decimal", "paddingLeft": "1.5em", "margin": "0"},
            ),
            role="group",
            aria_label="Sources",
            class_name="message-sources",
            margin_top="0.25em",
            width="100%",
        ),
    )
