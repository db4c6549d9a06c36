"""The "Try it" panel of an agent's page: a private chat with the agent.

Plug-in point: `pages/agents.py`'s `try_it_panel()` returns `try_it_chat()`.
The agent is the page's (`AgentsState.agent_id`); state lives in state/try_it.py.
The composer takes video, audio and voice messages like a channel's (components/media.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.follow_log import follow_log
from neurocache_ui.web.components.forms import form_alert, message_box
from neurocache_ui.web.components.markdown import safe_markdown
from neurocache_ui.web.components.media import MediaSlot, media_buttons, media_players, moment_links, pending_media
from neurocache_ui.web.components.team import sources_list, step_line
from neurocache_ui.web.state.agents import AgentsState
from neurocache_ui.web.state.try_it import TryItState

_BUBBLE: dict[str, Any] = {"padding_x": "0.75em", "padding_y": "0.5em", "border_radius": "var(--radius-3)", "max_width": "85%"}
COMPOSER_ID = "try-it-box"
MEDIA = MediaSlot(
    TryItState.try_media, TryItState.media_uploaded, TryItState.send_voice, TryItState.media_problem,
    TryItState.remove_media, agent_id=AgentsState.agent_id,
)


def _step_item(step: rx.Var[dict[str, Any]]) -> rx.Component:
    failed = step["failed"].to(bool)
    return rx.el.li(
        rx.hstack(
            rx.cond(failed, rx.icon("triangle-alert", size=14, aria_hidden="true"), rx.icon("wrench", size=14, aria_hidden="true")),
            rx.text(step["text"], size="1"),
            spacing="1",
            align="start",
        ),
        color=rx.cond(failed, rx.color("red", 11), rx.color("violet", 11)),
        data_failed=rx.cond(failed, "true", "false"),
    )


def _steps(steps: rx.Var[list[dict[str, Any]]]) -> rx.Component:
    """What the answer's tools did, failures included, kept under the finished answer."""
    return rx.cond(
        steps.length() > 0,
        rx.el.ul(
            rx.foreach(steps, _step_item),
            aria_label="Steps",
            style={"listStyle": "none", "padding": "0", "margin": "0.25em 0 0 0"},
            class_name="agent-steps",
        ),
    )


def _bubble(turn: rx.Var[dict[str, Any]]) -> rx.Component:
    mine = turn["role"].to(str) == "user"
    players = turn.get("players", "").to(str)
    return rx.hstack(
        rx.box(
            rx.text(rx.cond(mine, "You", AgentsState.agent_name), weight="bold", size="1", color=rx.color("gray", 11)),
            rx.cond(turn["content"].to(str) != "", rx.box(
                safe_markdown(rx.cond(mine, turn["content"].to(str), turn.get("shown", "").to(str))), class_name="message-body"
            )),
            rx.cond(mine & (players != ""), media_players(players)),
            rx.cond(~mine, _steps(turn.get("steps", []).to(list[dict[str, Any]]))),
            rx.cond(~mine, sources_list(turn.get("sources", []).to(list[dict[str, str]]))),
            rx.cond(
                (turn["status"].to(str) != "complete") & ~mine,
                rx.badge(turn["status"], color_scheme="orange", size="1"),
            ),
            background=rx.cond(mine, rx.color("accent", 3), rx.color("gray", 3)),
            width=rx.cond(players != "", "min(30rem, 85%)", "auto"),
            **_BUBBLE,
        ),
        justify=rx.cond(mine, "end", "start"),
        width="100%",
        data_turn_role=turn["role"],
    )


def _streaming_bubble() -> rx.Component:
    return rx.cond(
        TryItState.running,
        rx.hstack(
            rx.box(
                rx.hstack(
                    rx.text(AgentsState.agent_name, weight="bold", size="1", color=rx.color("gray", 11)),
                    rx.spinner(size="1"),
                    rx.spacer(),
                    rx.button(rx.icon("square", size=12), "Stop", size="1", variant="soft", color_scheme="red",
                              type="button", on_click=TryItState.stop),
                    align="center",
                    spacing="2",
                    width="100%",
                ),
                rx.box(
                    safe_markdown(rx.cond(TryItState.stream_text != "", TryItState.stream_text, "…")),
                    class_name="message-body",
                ),
                step_line(rx.Var.create("streaming"), TryItState.step_text),
                background=rx.color("gray", 3),
                min_width="12em",
                **_BUBBLE,
            ),
            width="100%",
            data_turn_role="streaming",
        ),
    )


def try_it_chat() -> rx.Component:
    same_agent = TryItState.try_agent_id == AgentsState.agent_id
    return rx.vstack(
        rx.callout(
            "Try it: a private chat with this agent, using its saved settings and knowledge. "
            "Nothing here is posted to a channel. Save changes in Settings before trying them.",
            icon="flask-conical",
            color_scheme="gray",
            size="1",
            width="100%",
        ),
        follow_log(
            rx.vstack(
                rx.cond(same_agent, rx.foreach(TryItState.turns, _bubble)),
                _streaming_bubble(),
                rx.cond(
                    ~same_agent | (TryItState.turns.length() == 0),
                    rx.cond(~TryItState.running, rx.text("Say something to start.", size="2", color=rx.color("gray", 11))),
                ),
                width="100%",
                spacing="2",
                padding="0.5em",
            ),
            label="Try it conversation",
            item_selector="[data-turn-role]",
            reset_key=AgentsState.agent_id.to_string(),
            composer_id=COMPOSER_ID,
            jump_label="Jump to the newest answer",
            width="100%",
            min_height="8em",
            max_height="55vh",
            border=f"1px solid {rx.color('gray', 5)}",
            border_radius="var(--radius-3)",
        ),
        form_alert(TryItState.try_error, size="1"),
        rx.cond(same_agent, pending_media(MEDIA)),
        moment_links(),
        rx.form(
            rx.hstack(
                media_buttons(MEDIA),
                message_box(
                    COMPOSER_ID, "prompt", placeholder="Ask the agent something… (Enter sends)", label="Message to the agent"
                ),
                rx.vstack(
                    rx.button(rx.icon("send-horizontal", size=16), "Send", type="submit", disabled=TryItState.running),
                    rx.button("Clear", type="button", variant="soft", color_scheme="gray", size="1",
                              on_click=TryItState.clear, disabled=TryItState.running),
                    spacing="1",
                ),
                width="100%",
                align="end",
                position="relative",
            ),
            on_submit=TryItState.ask,  # sending pins the log to the newest turn (follow_log's composer_id)
            reset_on_submit=True,
            width="100%",
        ),
        width="100%",
        spacing="3",
    )
