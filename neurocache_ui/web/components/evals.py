"""The agent page's Evaluate tab (web/state/evals.py): test sets, a set's cases with
the case form and file import, Run with a version picker, runs with progress bars,
a run's results, two runs compared and the score chart (with a table alternative)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.eval_cases import CSV_COLUMNS
from neurocache_ui.domain.eval_checks import CHECK_TYPES
from neurocache_ui.web.components.forms import form_alert, labelled_upload
from neurocache_ui.web.components.layout import empty_state
from neurocache_ui.web.state.evals import IMPORT_ID, EvalState

MUTED = rx.color("gray", 11)
CHART_W, CHART_H = 600, 160


def _set_item(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.button(item["name"], " (", item["cases"], ")", variant=rx.cond(EvalState.set_id == item["id"], "solid", "soft"),
                      size="2", on_click=EvalState.open_set(item["id"].to(int)), aria_label="Open test set " + item["name"].to(str)),
            rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", size="1",
                           aria_label="Delete test set " + item["name"].to(str),
                           on_click=EvalState.delete_set(item["id"].to(int))),
            align="center", spacing="1",
        ),
        list_style="none",
    )


def _new_set_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="name", placeholder="New test set name", aria_label="New test set name", max_length=100, required=True),
            rx.input(name="judge_model", placeholder="Judge model (default: the hub's)", aria_label="Judge model"),
            rx.button(rx.icon("plus", size=14), "Create set", type="submit", variant="soft"),
            spacing="2", wrap="wrap", align="center",
        ),
        on_submit=EvalState.create_set,
        reset_on_submit=True,
    )


def _case(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(item["input"], size="2", weight="medium", class_name="break-words"),
                rx.text(item["checks"], size="1", color=MUTED, white_space="pre-wrap", class_name="break-words"),
                rx.cond(item["note"].to(str) != "", rx.text("Note: ", item["note"], size="1", color=MUTED, class_name="line-clamp-2")),
                spacing="1", flex="1", min_width="0",
            ),
            rx.icon_button(rx.icon("pencil", size=14), variant="ghost", size="1", aria_label="Edit case: " + item["input"].to(str),
                           on_click=EvalState.edit_case(item["id"].to(int))),
            rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", size="1",
                           aria_label="Delete case: " + item["input"].to(str), on_click=EvalState.delete_case(item["id"].to(int))),
            align="start", width="100%", spacing="2",
        ),
        list_style="none", padding_y="0.4em", border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _case_form() -> rx.Component:
    field = EvalState.case_form
    return rx.form(
        rx.vstack(
            rx.text_area(name="input", default_value=field["input"], placeholder="The message the agent is asked",
                         aria_label="Case input", required=True, rows="2", width="100%"),
            rx.text_area(name="checks", default_value=field["checks"], rows="3", width="100%", aria_label="Checks",
                         placeholder="One check per line, e.g. contains: Paris · regex!: ^[A-Z] · rubric: answers politely"),
            rx.text("Check types: " + ", ".join(CHECK_TYPES) + ". “type!:” matches letter case.", size="1", color=MUTED),
            rx.hstack(
                rx.input(name="expected", default_value=field["expected"], placeholder="Expected answer (optional)",
                         aria_label="Expected answer", width="100%"),
                rx.input(name="note", default_value=field["note"], placeholder="Note (optional)", aria_label="Note", width="100%"),
                width="100%", spacing="2",
            ),
            rx.hstack(
                rx.button(rx.cond(EvalState.editing_case != 0, "Save case", "Add case"), type="submit", size="2"),
                rx.cond(EvalState.editing_case != 0,
                        rx.button("Cancel", type="button", variant="soft", color_scheme="gray", size="2", on_click=EvalState.edit_case(0))),
                spacing="2",
            ),
            spacing="2", width="100%",
        ),
        key=EvalState.case_form_key.to_string(),
        on_submit=EvalState.save_case,
        reset_on_submit=True,
        width="100%",
    )


def _import() -> rx.Component:
    return rx.hstack(
        labelled_upload(rx.upload(
            rx.button(rx.icon("file-up", size=14), "Choose CSV or JSONL", variant="soft", size="2", type="button"),
            id=IMPORT_ID, accept={"text/csv": [".csv"], "application/jsonl": [".jsonl"], "application/json": [".json"]},
            multiple=False, border="none", padding="0",
        ), "Choose a CSV or JSONL file of cases"),
        rx.foreach(rx.selected_files(IMPORT_ID), lambda name: rx.badge(name)),
        rx.button(rx.icon("upload", size=14), "Import", size="2", loading=EvalState.importing,
                  on_click=EvalState.import_cases(rx.upload_files_chunk(upload_id=IMPORT_ID))),
        rx.text("CSV columns: " + ", ".join(CSV_COLUMNS[:4]) + " and one per check type (they may repeat).",
                size="1", color=MUTED),
        spacing="2", align="center", wrap="wrap",
    )


def _run(run: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.button(run["label"], variant="ghost", size="1", on_click=EvalState.open_run(run["id"].to(int)))),
        rx.table.cell(rx.badge(run["status"], color_scheme=rx.match(run["status"], ("completed", "green"), ("failed", "red"),
                                                                    ("stopped", "orange"), "blue"))),
        rx.table.cell(rx.hstack(
            rx.progress(value=run["percent"].to(int), width="8em", aria_label="Progress of " + run["label"].to(str)),
            rx.text(run["done"], size="1", color=MUTED), align="center", spacing="2")),
        rx.table.cell(run["score"]),
        rx.table.cell(rx.cond(run["active"], rx.button("Stop", size="1", color_scheme="red", variant="soft",
                                                       on_click=EvalState.stop_run(run["id"].to(int))),
                              rx.text(run["error"], size="1", color=MUTED))),
        data_run_status=run["status"],
    )


def _runs() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.el.label("Version", html_for="eval-version", class_name="text-sm"),
                rx.el.select(rx.foreach(EvalState.versions, lambda v: rx.el.option("v" + v, value=v)),
                             id="eval-version", name="version", class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface"),
                rx.button(rx.icon("play", size=14), "Run", type="submit", disabled=EvalState.cases.length() == 0),
                spacing="2", align="center",
            ),
            on_submit=EvalState.start_run,
        ),
        rx.cond(
            EvalState.eval_runs.length() > 0,
            rx.box(rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Run", "Status", "Progress", "Passed", "")])),
                rx.table.body(rx.foreach(EvalState.eval_runs, _run)),
                size="1", width="100%",
            ), role="region", aria_label="Evaluation runs", width="100%", overflow_x="auto"),
            rx.text("No runs yet: press Run to evaluate the agent on this set.", size="2", color=MUTED),
        ),
        spacing="3", width="100%",
    )


def _check(check: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(rx.cond(check["passed"], "✅ ", "❌ "), check["label"], class_name="text-xs break-words")


def _result(result: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.el.li(
        rx.vstack(
            rx.hstack(rx.badge(rx.cond(result["passed"], "pass", "fail"), color_scheme=rx.cond(result["passed"], "green", "red")),
                      rx.text(result["input"], size="2", weight="medium", class_name="break-words"), spacing="2", align="center"),
            rx.text(result["reply"], size="2", white_space="pre-wrap", class_name="line-clamp-6 break-words"),
            rx.cond(result["error"].to(str) != "", rx.text(result["error"], size="1", color=rx.color("red", 11))),
            rx.el.ul(rx.foreach(result["checks"].to(list[dict[str, Any]]), _check), class_name="p-0 m-0 list-none"),
            rx.text(result["latency"], " · tokens ", result["tokens"], " · cost ", result["cost"], size="1", color=MUTED),
            spacing="1", width="100%",
        ),
        list_style="none", padding_y="0.5em", border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _compare() -> rx.Component:
    def picker(name: str, label: str) -> rx.Component:
        return rx.el.select(rx.foreach(EvalState.eval_runs, lambda r: rx.el.option(r["label"], value=r["id"].to_string())),
                            name=name, aria_label=label, class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface")

    change = lambda c: rx.table.row(rx.table.cell(c["input"]), rx.table.cell(c["change"]),  # noqa: E731
                                    rx.table.cell(c["after"]), rx.table.cell(c["before"]), data_change=c["change"])
    return rx.vstack(
        rx.form(rx.hstack(picker("after", "Compare run"), rx.text("vs", size="2"), picker("before", "Against run"),
                          rx.button("Compare", type="submit", variant="soft", size="2"), spacing="2", align="center", wrap="wrap"),
                on_submit=EvalState.compare),
        rx.cond(EvalState.headline != "", rx.vstack(
            rx.heading(EvalState.headline, size="3", as_="h4", id="eval-comparison"),
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in ("Case", "Change", "Now", "Before")])),
                rx.table.body(rx.foreach(EvalState.changes, change)), size="1", width="100%",
            ), width="100%")),
        spacing="2", width="100%",
    )


def _chart() -> rx.Component:
    """Score per run over time: an SVG line for the eye, the same points as a table for everyone."""
    dot = lambda p: rx.el.svg.circle(rx.el.svg.title(p["label"]), cx=p["x"], cy=p["y"], r="4", fill="var(--accent-9)")  # noqa: E731
    line = rx.el.svg.polyline(points=EvalState.chart_line, fill="none", stroke="var(--accent-9)", stroke_width="2")
    return rx.cond(EvalState.chart.length() > 0, rx.vstack(
        rx.heading("Score per version over time", size="3", as_="h4"),
        rx.el.svg(line, rx.foreach(EvalState.chart, dot), view_box=f"0 0 {CHART_W} {CHART_H}", width="100%", height=f"{CHART_H}",
                  role="img", aria_label="Score of each completed run, oldest first; the table below has the same figures",
                  style={"maxWidth": f"{CHART_W}px", "border": f"1px solid {rx.color('gray', 5)}", "borderRadius": "8px"}),
        rx.el.details(rx.el.summary("The chart as a table", class_name="text-sm"), rx.table.root(
            rx.table.header(rx.table.row(rx.table.column_header_cell("Run"), rx.table.column_header_cell("Score"))),
            rx.table.body(rx.foreach(EvalState.chart, lambda p: rx.table.row(rx.table.cell(p["label"]), rx.table.cell(p["percent"])))),
            size="1")),
        spacing="2", width="100%"))


def _open_set() -> rx.Component:
    return rx.vstack(
        rx.heading(EvalState.set_name, size="4", as_="h3"),
        rx.text("Rubric checks are graded by ", EvalState.set_judge, ".", size="1", color=MUTED),
        rx.cond(EvalState.cases.length() > 0,
                rx.el.ul(rx.foreach(EvalState.cases, _case), aria_label="Test cases", class_name="w-full p-0 m-0"),
                rx.text("No cases yet: add one below or import a file.", size="2", color=MUTED)),
        _case_form(),
        _import(),
        rx.separator(size="4"),
        rx.heading("Runs", size="3", as_="h4"),
        _runs(),
        rx.cond(EvalState.results.length() > 0, rx.vstack(
            rx.heading("Results of run ", EvalState.run_id, size="3", as_="h4"),
            rx.el.ul(rx.foreach(EvalState.results, _result), aria_label="Results", class_name="w-full p-0 m-0"), width="100%")),
        rx.cond(EvalState.eval_runs.length() > 1, _compare()),
        _chart(),
        spacing="3", width="100%", align="start",
    )


def evaluate_panel() -> rx.Component:
    return rx.vstack(
        rx.text("Test sets are cases (a message and checks its answer must pass). Run one on a version of this agent to see "
                "whether a change made it better; every run counts against your model-call limits.", size="2", color=MUTED),
        form_alert(EvalState.eval_error),
        _new_set_form(),
        rx.cond(
            EvalState.eval_sets.length() > 0,
            rx.el.ul(rx.foreach(EvalState.eval_sets, _set_item), aria_label="Test sets", class_name="flex flex-wrap gap-2 p-0 m-0"),
            empty_state("flask-conical", "No test sets yet",
                        "Create a set, add cases by hand, import a CSV or JSONL file, or use “Add to test set” on a reply in a channel."),
        ),
        rx.cond(EvalState.set_id != 0, _open_set()),
        spacing="4", width="100%", align="start",
    )
