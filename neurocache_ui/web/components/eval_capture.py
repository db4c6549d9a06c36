"""The "Add to test set" button on an agent's reply and its dialog (web/state/eval_capture.py).
The dialog is drawn once per page; each reply's button only opens it with its id."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.eval_capture import NEW_SET, EvalCaptureState

MUTED = rx.color("gray", 11)


def capture_button(message_id: rx.Var[int]) -> rx.Component:
    return rx.icon_button(rx.icon("flask-conical", size=14), size="1", variant="ghost", aria_label="Add to test set",
                          title="Add to test set", on_click=EvalCaptureState.open_capture(message_id))


def _quote(label: str, text: rx.Var[str]) -> rx.Component:
    return rx.vstack(rx.text(label, size="1", weight="bold"),
                     rx.text(text, size="2", white_space="pre-wrap", class_name="line-clamp-4 break-words"),
                     spacing="0", width="100%")


def capture_dialog() -> rx.Component:
    state = EvalCaptureState
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Add to test set"),
            rx.dialog.description("The message this reply answered becomes a test case of ", state.capture_agent, ".",
                                  size="2", color=MUTED),
            form_alert(state.capture_error),
            rx.cond(state.capture_input != "", rx.form(
                rx.vstack(
                    _quote("Input", state.capture_input),
                    _quote("Reply", state.capture_reply),
                    rx.radio_group.root(
                        rx.radio_group.item("Good: keep it as the expected answer", value="good"),
                        rx.radio_group.item("Bad: keep a note, the agent should do better", value="bad"),
                        name="verdict", default_value=state.capture_verdict, key=state.capture_message.to_string(),
                        aria_label="Was the reply good or bad?", direction="column", spacing="1",
                    ),
                    rx.el.label("Test set", html_for="capture-set", class_name="text-sm font-medium"),
                    rx.el.select(
                        rx.foreach(state.capture_sets, lambda s: rx.el.option(s["name"], value=s["id"])),
                        rx.el.option("A new set…", value=NEW_SET),
                        id="capture-set", name="set", class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface",
                    ),
                    rx.input(name="new_set", placeholder="New set name (when “A new set…”)", aria_label="New set name",
                             max_length=100, width="100%"),
                    rx.input(name="note", placeholder="Note: what was good or wrong (optional)", aria_label="Note", width="100%"),
                    rx.hstack(
                        rx.button("Cancel", type="button", variant="soft", color_scheme="gray", on_click=EvalCaptureState.close_capture),
                        rx.button("Add", type="submit"),
                        justify="end", spacing="2", width="100%",
                    ),
                    spacing="3", width="100%",
                ),
                on_submit=EvalCaptureState.save_capture,
            )),
            rx.cond(state.capture_input == "", rx.hstack(
                rx.button("Close", variant="soft", on_click=EvalCaptureState.close_capture), justify="end", width="100%")),
            max_width="32em",
        ),
        open=state.capture_open,
        on_open_change=lambda _: EvalCaptureState.close_capture(),
    )
