"""The Knowledge tab's "Test retrieval" section (web/state/knowledge_tests.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.knowledge import KnowledgeState
from neurocache_ui.web.state.knowledge_tests import KnowledgeTestState


def _hit(hit: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(
                rx.badge("#", hit["position"], variant="soft"),
                rx.text(hit["filename"], weight="medium", size="2", class_name="truncate"),
                rx.spacer(),
                rx.text("full text ", hit["full_text"], " · vectors ", hit["vector"], " · fused ", hit["score"],
                        size="1", color=rx.color("gray", 11), white_space="nowrap"),
                align="center", width="100%", spacing="2", wrap="wrap",
            ),
            rx.text(hit["content"], size="2", white_space="pre-wrap", class_name="line-clamp-4 break-words"),
            spacing="1", width="100%",
        ),
        data_hit_document=hit["document_id"],
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        list_style="none",
    )


def _document_choice(doc: rx.Var[dict[str, Any]]) -> rx.Component:
    box_id = "expect-" + doc["id"].to_string()
    return rx.el.label(
        rx.el.input(type="checkbox", id=box_id, name="doc-" + doc["id"].to_string(),
                    style={"accentColor": "var(--accent-9)"}),
        doc["filename"],
        html_for=box_id,
        class_name="text-sm",
        style={"display": "flex", "alignItems": "center", "gap": "0.5em"},
    )


def _save_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.fieldset(
                rx.el.legend("Where is the answer? Tick the document(s) a good search finds.",
                             class_name="text-sm font-medium", style={"marginBottom": "0.25em"}),
                rx.flex(rx.foreach(KnowledgeState.documents, _document_choice), wrap="wrap", spacing="3"),
                style={"border": "none", "padding": "0", "margin": "0", "minWidth": "0"},
            ),
            rx.button(rx.icon("list-plus", size=14), "Add to test set", type="submit", variant="soft", size="2"),
            spacing="2", width="100%", align="start",
        ),
        on_submit=KnowledgeTestState.save_question,
        reset_on_submit=True,
        width="100%",
    )


def _question(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.text(item["question"], size="2", flex="1", class_name="break-words"),
            rx.text(item["expected"].to(list).length(), " document(s)", size="1", color=rx.color("gray", 11),
                    white_space="nowrap"),
            rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", size="1",
                           aria_label="Delete question: " + item["question"].to(str),
                           on_click=KnowledgeTestState.delete_question(item["id"].to(int))),
            align="center", width="100%", spacing="2",
        ),
        list_style="none", padding_y="0.25em",
    )


def _run(run: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.moment(run["created_at"], from_now=True)),
        rx.table.cell(run["hits"], " (", run["hit_rate"], ")"),
        rx.table.cell(run["mrr"]),
        rx.table.cell(run["setup"], class_name="hidden sm:table-cell"),
    )


def retrieval_tests() -> rx.Component:
    """Try a question, keep it as a test, and score the whole set."""
    return rx.vstack(
        rx.heading("Test retrieval", size="4", as_="h2"),
        rx.text("See which passages the agent would read for a question, and why. Keep questions with the "
                "document that answers them, then Run the set after a change: hits among the 4 passages "
                "and MRR show whether it finds better or worse.", size="2", color=rx.color("gray", 11)),
        rx.cond(
            KnowledgeTestState.index_line != "",
            rx.text(KnowledgeTestState.index_line, size="2", role="status", data_testid="index-progress",
                    color=rx.color("gray", 11)),
        ),
        form_alert(KnowledgeTestState.test_error),
        rx.form(
            rx.hstack(
                rx.input(name="question", placeholder="A question a person would ask…", aria_label="Question to try",
                         max_length=500, width="100%"),
                rx.button(rx.cond(KnowledgeTestState.probing, rx.spinner(size="2"), rx.icon("search", size=14)),
                          "Search", type="submit", disabled=KnowledgeTestState.probing),
                width="100%", spacing="2",
            ),
            on_submit=KnowledgeTestState.try_question,
            reset_on_submit=False,
            width="100%",
        ),
        rx.cond(
            KnowledgeTestState.probe != "",
            rx.vstack(
                rx.cond(
                    KnowledgeTestState.probe_hits.length() > 0,
                    rx.el.ol(rx.foreach(KnowledgeTestState.probe_hits, _hit), aria_label="Passages found",
                             class_name="w-full p-0 m-0"),
                    rx.text("Nothing found for this question.", size="2", color=rx.color("gray", 11)),
                ),
                rx.cond(KnowledgeState.documents.length() > 0, _save_form()),
                width="100%", spacing="3",
            ),
        ),
        rx.separator(size="4"),
        rx.hstack(
            rx.heading("Test set", size="3", as_="h3"),
            rx.spacer(),
            rx.button(rx.cond(KnowledgeTestState.running, rx.spinner(size="2"), rx.icon("play", size=14)), "Run",
                      on_click=KnowledgeTestState.run_tests, disabled=KnowledgeTestState.running | (KnowledgeTestState.questions.length() == 0)),
            width="100%", align="center",
        ),
        rx.cond(
            KnowledgeTestState.questions.length() > 0,
            rx.el.ul(rx.foreach(KnowledgeTestState.questions, _question), aria_label="Test questions",
                     class_name="w-full p-0 m-0"),
            rx.text("No test questions yet: try a question above and add it with the document that answers it.",
                    size="2", color=rx.color("gray", 11)),
        ),
        rx.cond(
            KnowledgeTestState.runs.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(
                    rx.table.column_header_cell("Run"), rx.table.column_header_cell("Hits in the top 4"),
                    rx.table.column_header_cell("MRR"), rx.table.column_header_cell("Setup", class_name="hidden sm:table-cell"),
                )),
                rx.table.body(rx.foreach(KnowledgeTestState.runs, _run)),
                width="100%", size="1",
            ), role="region", aria_label="Runs", width="100%"),
        ),
        spacing="3",
        width="100%",
        align="start",
        padding_top="1em",
    )
