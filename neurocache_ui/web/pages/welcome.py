"""/welcome: where a new account lands after sign-up. Three steps, each ticked off
from what the person has really set up (services/onboarding.py), each with the
way to do it: build an agent, start a channel (the channels page's own "New
channel" dialog), invite a teammate from a channel's header."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.channel_dialogs import new_channel_dialog
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.components.layout import hub_page
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.onboarding import OnboardingState

ROUTE = "/welcome"
TITLE = "Welcome to Neurocache"
FIRST_CHANNEL = "/channels/" + OnboardingState.first_channel_slug


def _link_button(label: str, href: rx.Var[str] | str, icon: str, *, primary: bool) -> rx.Component:
    return rx.button(
        rx.link(rx.icon(icon, size=16), label, href=href, underline="none"),
        as_child=True,
        variant="solid" if primary else "soft",
        size="2",
    )


def _step(number: int, title: str, done: rx.Var[bool], text: str, action: rx.Component) -> rx.Component:
    marker = rx.center(
        rx.cond(done, rx.icon("check", size=18), rx.text(str(number), weight="bold")),
        width="2em",
        height="2em",
        flex_shrink="0",
        border_radius="9999px",
        background=rx.cond(done, rx.color("green", 9), rx.color("accent", 3)),
        color=rx.cond(done, "white", rx.color("accent", 11)),
        aria_hidden="true",
    )
    return rx.el.li(
        rx.hstack(
            marker,
            rx.vstack(
                rx.hstack(
                    rx.heading(title, as_="h2", size="4"),
                    rx.cond(done, rx.badge(rx.icon("circle-check", size=12), "Done", color_scheme="green", size="2", high_contrast=True)),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
                rx.text(text, color=rx.color("gray", 11), size="2"),
                action,
                spacing="2",
                align="start",
                min_width="0",
                width="100%",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        data_step=title,
        data_done=rx.cond(done, "true", "false"),
        style={
            "padding": "1em",
            "border": f"1px solid {rx.color('gray', 5)}",
            "borderRadius": "var(--radius-4)",
            "listStyle": "none",
        },
    )


def _agent_step() -> rx.Component:
    return _step(
        1,
        "Create your first agent",
        OnboardingState.agent_done,
        "Give it instructions, a model and, if you like, tools and knowledge documents. "
        "Start from a template (Researcher, Analyst, Writer) and try it privately before it joins a channel.",
        rx.cond(
            OnboardingState.agent_done,
            _link_button("Your agents", "/agents", "bot", primary=False),
            _link_button("Create an agent", "/agents/new", "plus", primary=True),
        ),
    )


def _channel_step() -> rx.Component:
    return _step(
        2,
        "Start a channel",
        OnboardingState.channel_done,
        "A channel is a real-time room with a goal, where people and agents work together. "
        "Add your agents with “Add agent” in its header and @mention them to get answers.",
        rx.hstack(
            new_channel_dialog(),
            rx.cond(OnboardingState.channel_done, _link_button("Open your channel", FIRST_CHANNEL, "messages-square", primary=False)),
            spacing="2",
            wrap="wrap",
        ),
    )


def _invite_step() -> rx.Component:
    return _step(
        3,
        "Invite a teammate",
        OnboardingState.invite_done,
        "Invites happen in a channel: open it and use “Invite” in its header with your teammate's email. "
        "They need an account first, so ask them to sign up.",
        rx.cond(
            OnboardingState.channel_done,
            _link_button("Invite from your channel", FIRST_CHANNEL, "user-plus", primary=False),
            rx.text("Start a channel first.", size="2", color=rx.color("gray", 11)),
        ),
    )


def _all_set() -> rx.Component:
    return rx.cond(
        OnboardingState.progress_loaded & (OnboardingState.open_steps == 0),
        rx.callout(
            rx.text("You are all set. Your channels are in the sidebar; ", rx.link("open Channels", href="/channels", underline="always"), "."),
            icon="party-popper",
            color_scheme="green",
            high_contrast=True,
            width="100%",
        ),
    )


def welcome_page() -> rx.Component:
    return hub_page(
        TITLE,
        rx.vstack(
            rx.text(
                "Build AI agents, put them to work with your team in real-time channels, and call them from code. "
                "Three steps get you there; each ticks off as soon as it is done.",
                color=rx.color("gray", 11),
            ),
            form_alert(OnboardingState.progress_error),
            _all_set(),
            rx.el.ol(
                _agent_step(),
                _channel_step(),
                _invite_step(),
                aria_label="Getting started",
                style={"display": "flex", "flexDirection": "column", "gap": "0.75em", "padding": "0", "margin": "0", "width": "100%"},
            ),
            rx.text(
                "Later: create an API key to call your agents from code with any OpenAI client (",
                rx.link("API keys", href="/keys", underline="always"),
                ").",
                size="2",
                color=rx.color("gray", 11),
            ),
            spacing="4",
            width="100%",
            max_width="44em",
            align="start",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        welcome_page,
        route=ROUTE,
        title="Welcome · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, OnboardingState.load_progress],
    )
