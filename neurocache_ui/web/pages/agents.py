"""/agents (the roster), /agents/new and /agents/[slug] (an agent's settings, its
knowledge, its MCP servers, and the "Try it" panel where its owner chats with it privately)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.agent_templates import TEMPLATES, AgentTemplate
from neurocache_ui.services.agents import AgentSettings
from neurocache_ui.web.components.agent_history import history_panel
from neurocache_ui.web.components.evals import evaluate_panel
from neurocache_ui.web.components.knowledge import knowledge_panel
from neurocache_ui.web.components.knowledge_tests import retrieval_tests
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.components.mcp import mcp_panel
from neurocache_ui.web.components.model_form import model_form
from neurocache_ui.web.components.try_it import try_it_chat
from neurocache_ui.web.state.agent_history import HistoryState
from neurocache_ui.web.state.agents import EDIT_FORM, NEW_AGENT, NEW_FORM, AgentsState
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.evals import EvalState
from neurocache_ui.web.state.knowledge import KnowledgeState
from neurocache_ui.web.state.knowledge_tests import KnowledgeTestState
from neurocache_ui.web.state.mcp import McpState
from neurocache_ui.web.state.mentions import MentionsState

ROSTER = "/agents"


# ---------------------------------------------------------------- shared pieces


def _confirm_delete(agent_id: rx.Var[int] | int, name: rx.Var[str] | str) -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(rx.icon("trash-2", size=14), "Delete", variant="soft", color_scheme="red", size="2")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete ", name, "?"),
            rx.alert_dialog.description(
                "The agent leaves every channel it is in and its settings are gone. "
                "Messages it already wrote stay. This cannot be undone."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Delete", color_scheme="red", on_click=AgentsState.delete_agent(agent_id))
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
    )


def _duplicate_button(agent_id: rx.Var[int] | int) -> rx.Component:
    return rx.button(
        rx.icon("copy", size=14), "Duplicate", variant="soft", color_scheme="gray", size="2",
        on_click=AgentsState.duplicate_agent(agent_id),
    )


# ---------------------------------------------------------------- roster


def _agent_card(agent: rx.Var[dict[str, Any]]) -> rx.Component:
    href = ROSTER + "/" + agent["slug"].to(str)
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.center(rx.text(agent["emoji"], size="6"), width="2.5em", height="2.5em", flex_shrink="0",
                          background=rx.color("accent", 3), border_radius="var(--radius-3)", aria_hidden="true"),
                rx.vstack(
                    rx.link(rx.heading(agent["name"], as_="h2", size="4", class_name="truncate"), href=href, color="inherit"),
                    rx.text("@", agent["slug"], size="2", color=rx.color("gray", 11)),
                    spacing="0",
                    min_width="0",
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                rx.badge(rx.icon("cpu", size=12), agent["model"], variant="soft", title="Model"),
                rx.badge(agent["reply_mode"], variant="outline", color_scheme="gray", title="Reply mode"),
                rx.cond(agent["rating"].to(str) != "", rx.badge(
                    rx.icon("swords", size=12), "Arena ", agent["rating"], color_scheme="amber", variant="soft",
                    title="Arena rating (Elo) after " + agent["games"].to(str) + " match(es)",
                )),
                spacing="2",
                wrap="wrap",
            ),
            rx.text(
                rx.cond(agent["description"].to(str) != "", agent["description"], "No description."),
                size="2",
                color=rx.color("gray", 11),
                class_name="line-clamp-3",
            ),
            rx.spacer(),
            rx.hstack(
                rx.button(rx.link(rx.icon("pencil", size=14), "Edit", href=href), variant="soft", size="2", as_child=True),
                _duplicate_button(agent["id"]),
                _confirm_delete(agent["id"], agent["name"]),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            height="100%",
        ),
        role="listitem",
        aria_label=agent["name"],
        data_agent_slug=agent["slug"],
    )


def _roster_body() -> rx.Component:
    return rx.cond(
        AgentsState.agents.length() > 0,
        rx.vstack(
            rx.grid(
                rx.foreach(AgentsState.agents, _agent_card),
                columns=rx.breakpoints(initial="1", sm="2", xl="3"),
                spacing="4",
                width="100%",
                role="list",
                aria_label="Agents",
            ),
            rx.cond(
                AgentsState.has_more,
                rx.center(rx.button("Load more", on_click=AgentsState.load_more, variant="soft"), width="100%"),
            ),
            spacing="4",
            width="100%",
        ),
        rx.cond(
            AgentsState.loading,
            rx.center(rx.spinner(size="3"), padding="3em", width="100%"),
            rx.cond(
                AgentsState.search != "",
                rx.text("No agents match “", AgentsState.search, "”.", color=rx.color("gray", 11)),
                empty_state(
                    "bot",
                    "No agents yet",
                    "Agents have instructions, a model, tools and knowledge documents. Press “New agent” to build "
                    "one (templates help you start), try it privately, then add it to a channel.",
                ),
            ),
        ),
    )


def roster_page() -> rx.Component:
    return hub_page(
        "Agents",
        rx.vstack(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=16)),
                    value=AgentsState.search, on_change=AgentsState.set_search, debounce_timeout=300,
                    placeholder="Search agents…", aria_label="Search agents", type="search", width="100%", max_width="24em",
                ),
                rx.spacer(),
                rx.button(rx.icon("plus", size=16), "New agent", on_click=rx.redirect(f"{ROSTER}/new")),
                width="100%",
                align="center",
                spacing="3",
                wrap="wrap",
            ),
            _roster_body(),
            spacing="4",
            width="100%",
            align="start",
        ),
    )


# ---------------------------------------------------------------- forms


def _form_is_for_this_page() -> rx.Var[bool]:
    return AgentsState.form_path == rx.State.router.url.path


def agent_form(form_id: str, on_submit: Any) -> rx.Component:
    """The agent settings form, generated from `AgentSettings`."""
    return rx.cond(
        _form_is_for_this_page(),
        model_form(
            AgentSettings,
            values_var=AgentsState.form_values,
            errors_var=AgentsState.form_errors,
            on_submit=on_submit,
            form_id=form_id,
            submit_label="Save",
            on_change=AgentsState.set_field,
            key=AgentsState.form_key,
            form_error=AgentsState.agent_form_error,
            submitting=AgentsState.saving,
            actions=(rx.button(rx.link("Cancel", href=ROSTER), variant="soft", color_scheme="gray", size="3", as_child=True),),
            suggestions={"model": AgentsState.model_choices},
        ),
        rx.center(rx.spinner(size="3"), padding="3em"),
    )


def _back() -> rx.Component:
    return rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("All agents", size="2"), align="center", spacing="1"), href=ROSTER)


def _template_button(template: AgentTemplate) -> rx.Component:
    """The template's name as the button (its accessible name), what it is for under it."""
    emoji = template.settings.get("emoji", "")
    summary_id = f"template-{template.name.lower()}-summary"
    return rx.vstack(
        rx.button(
            rx.text(emoji, as_="span", aria_hidden="true"),
            template.name,
            type="button",
            variant="soft",
            size="2",
            aria_describedby=summary_id,
            on_click=AgentsState.apply_template(template.name),
            justify_content="start",
            width="100%",
        ),
        rx.text(template.summary, id=summary_id, size="1", color=rx.color("gray", 11)),
        spacing="1",
        padding="0.5em",
        border=f"1px solid {rx.color('gray', 5)}",
        border_radius="var(--radius-3)",
        width="100%",
    )


def _templates() -> rx.Component:
    """Ready-made settings that fill the form below (nothing is saved until Save)."""
    return rx.el.section(
        rx.heading("Start from a template", as_="h2", size="3", id="agent-templates-heading"),
        rx.text("Fills the form below with a starting point; change anything, then save.", size="2",
                color=rx.color("gray", 11)),
        rx.grid(
            *[_template_button(template) for template in TEMPLATES],
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
            margin_top="0.5em",
        ),
        role="group",
        aria_labelledby="agent-templates-heading",
        style={"width": "100%", "maxWidth": "44em"},
    )


def new_agent_page() -> rx.Component:
    return hub_page(
        "New agent",
        rx.vstack(_back(), _templates(), agent_form(NEW_FORM, AgentsState.create_agent), spacing="4", width="100%"),
    )


def _agent_header() -> rx.Component:
    return rx.hstack(
        rx.center(rx.text(AgentsState.agent_emoji, size="7"), width="2.5em", height="2.5em",
                  background=rx.color("accent", 3), border_radius="var(--radius-3)", aria_hidden="true"),
        rx.vstack(
            rx.heading(AgentsState.agent_name, size="7"),
            rx.text("@", AgentsState.agent_slug, color=rx.color("gray", 11)),
            spacing="0",
        ),
        rx.spacer(),
        rx.hstack(_duplicate_button(AgentsState.agent_id), _confirm_delete(AgentsState.agent_id, AgentsState.agent_name), spacing="2"),
        width="100%",
        align="center",
        spacing="3",
        wrap="wrap",
    )


def agent_page() -> rx.Component:
    return hub_page(
        "",
        rx.cond(
            AgentsState.agent_not_found,
            rx.vstack(
                _back(),
                empty_state("search-x", "Agent not found", "It does not exist, or it is not one of your agents."),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                _form_is_for_this_page(),
                rx.vstack(
                    _back(),
                    _agent_header(),
                    rx.tabs.root(
                        rx.tabs.list(
                            rx.tabs.trigger("Settings", value="settings"),
                            rx.tabs.trigger("Knowledge", value="knowledge"),
                            rx.tabs.trigger("MCP servers", value="mcp"),
                            rx.tabs.trigger("Try it", value="try-it"),
                            rx.tabs.trigger("Evaluate", value="evaluate"),
                            rx.tabs.trigger("History", value="history", on_click=HistoryState.load_history),
                        ),
                        rx.tabs.content(rx.box(agent_form(EDIT_FORM, AgentsState.save_agent), padding_top="1em"), value="settings"),
                        rx.tabs.content(rx.box(knowledge_panel(), retrieval_tests(), padding_top="1em"), value="knowledge"),
                        rx.tabs.content(rx.box(mcp_panel(), padding_top="1em"), value="mcp"),
                        rx.tabs.content(rx.box(try_it_chat(), padding_top="1em"), value="try-it"),
                        rx.tabs.content(rx.box(evaluate_panel(), padding_top="1em"), value="evaluate"),
                        rx.tabs.content(rx.box(history_panel(), padding_top="1em"), value="history"),
                        default_value="settings",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                rx.center(rx.spinner(size="3"), padding="3em"),
            ),
        ),
    )


def add_pages(app: rx.App) -> None:
    on_load = [AuthState.check_session, ChatState.load_channels, MentionsState.load_count]
    app.add_page(roster_page, route=ROSTER, title="Agents · Neurocache", on_load=[*on_load, AgentsState.load])
    app.add_page(new_agent_page, route=NEW_AGENT, title="New agent · Neurocache",
                 on_load=[*on_load, AgentsState.start_new, AgentsState.load_model_choices])
    app.add_page(agent_page, route=f"{ROSTER}/[slug]", title="Agent · Neurocache",
                 on_load=[*on_load, AgentsState.open_agent, KnowledgeState.load_documents, McpState.load_mcp,
                          AgentsState.load_model_choices, EvalState.load_evals])
