"""The agent page's Evaluate tab: test sets, their cases (the form, CSV/JSONL import),
Run with a version picker, runs with live progress bars, a run's results, two runs
compared and the score chart. Every event re-resolves the user and passes the open
agent's id to services/evals, which check ownership; ids from the browser are
only ever looked up within that agent."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain import eval_cases
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import agents
from neurocache_ui.services.evals import history, runs, sets
from neurocache_ui.settings import get_settings
from neurocache_ui.web.state.agents import SESSION_ENDED, AgentsState
from neurocache_ui.web.state.knowledge import receive_files

IMPORT_ID = "eval-import"
POLL_SECONDS = 0.5
REPLY_SHOWN = 2000


def run_row(run: runs.RunView) -> dict[str, Any]:
    return {"id": run.id, "label": f"Run {run.id} · v{run.version}", "version": run.version, "status": run.status,
            "percent": round(run.progress * 100), "score": f"{run.passed}/{run.total}", "done": f"{run.done}/{run.total}",
            "error": run.error, "created_at": run.created_at.isoformat(), "active": run.status in (runs.QUEUED, runs.RUNNING)}


def result_row(result: runs.ResultView) -> dict[str, Any]:
    cost = "—" if result.cost_usd is None else f"${result.cost_usd:.6f}"
    return {"case_id": result.case_id, "input": result.input, "passed": result.passed,
            "reply": result.reply[:REPLY_SHOWN], "error": result.error, "latency": f"{result.latency_ms} ms",
            "tokens": f"{result.prompt_tokens} + {result.completion_tokens}", "cost": cost,
            "checks": [{"label": f"{c['type']}: {c['reason']}", "passed": bool(c["passed"])} for c in result.checks]}


class EvalState(AgentsState):
    eval_sets: list[dict[str, Any]] = []
    set_id: int = 0
    set_name: str = ""
    set_judge: str = ""
    cases: list[dict[str, Any]] = []
    editing_case: int = 0
    case_form: dict[str, str] = {}
    case_form_key: int = 0
    versions: list[str] = []
    eval_runs: list[dict[str, Any]] = []
    run_id: int = 0
    results: list[dict[str, Any]] = []
    headline: str = ""
    changes: list[dict[str, Any]] = []
    chart: list[dict[str, Any]] = []
    chart_line: str = ""
    eval_error: str = ""
    watching: bool = False
    importing: bool = False

    async def _owner(self) -> int | None:
        user = await self._user()
        if user is None:
            self.eval_error = SESSION_ENDED
            return None
        return user.id if self.agent_id else None

    async def _call(self, fn: Any, *args: Any) -> Any:
        """A service call off the event loop; a refusal shows above the tab and is None here."""
        try:
            return await asyncio.to_thread(fn, *args)
        except NeurocacheError as error:
            self.eval_error = str(error)
            return None

    async def _refresh(self, owner: int) -> None:
        found = await self._call(sets.list_sets, owner, self.agent_id)
        if found is None:
            return
        self.eval_sets = [{"id": s.id, "name": s.name, "cases": s.cases} for s in found]
        if self.set_id and all(s.id != self.set_id for s in found):
            self.set_id = 0
        if not self.set_id:
            return
        opened = await self._call(sets.get_set, owner, self.agent_id, self.set_id)
        if opened is None:
            return
        view, cases = opened
        self.set_name, self.set_judge = view.name, view.judge
        self.cases = [{"id": c.id, "input": c.input, "expected": c.expected, "note": c.note, "turns": len(c.turns),
                       "image": c.image is not None, "checks": eval_cases.lines_of(c.checks)} for c in cases]
        await self._load_runs(owner)

    async def _load_runs(self, owner: int) -> None:
        found = await self._call(runs.list_runs, owner, self.agent_id, self.set_id)
        if found is None:
            return
        self.eval_runs = [run_row(run) for run in found]
        points = await self._call(history.score_chart, owner, self.agent_id, self.set_id) or []
        self.chart = [{"x": p.x, "y": p.y, "label": p.label, "percent": f"{p.score:.0%}"} for p in points]
        self.chart_line = " ".join(f"{p.x},{p.y}" for p in points)

    @rx.event
    async def load_evals(self):
        """on_load of /agents/[slug] (after open_agent): the agent's sets and its versions for the picker."""
        self.eval_error, self.set_id, self.run_id, self.results, self.headline, self.changes = "", 0, 0, [], "", []
        owner = await self._owner()
        if owner is None:
            return
        agent = await self._call(agents.get_agent, owner, self.agent_id)
        if agent is not None:
            self.versions = [str(n) for n in range(agent.version, 0, -1)]
        await self._refresh(owner)

    @rx.event
    async def create_set(self, form: dict[str, Any]):
        owner = await self._owner()
        if owner is None:
            return
        made = await self._call(sets.create_set, owner, self.agent_id, str(form.get("name") or ""), None,
                                str(form.get("judge_model") or ""))
        if made is None:
            return
        self.eval_error, self.set_id = "", made.id
        await self._refresh(owner)

    @rx.event
    async def open_set(self, set_id: int):
        owner = await self._owner()
        if owner is None or not isinstance(set_id, int):
            return
        self.set_id, self.run_id, self.results, self.headline, self.changes, self.eval_error = set_id, 0, [], "", [], ""
        self.editing_case, self.case_form = 0, {}
        await self._refresh(owner)
        if any(run["active"] for run in self.eval_runs):
            return EvalState.watch_runs

    @rx.event
    async def delete_set(self, set_id: int):
        owner = await self._owner()
        if owner is None or not isinstance(set_id, int):
            return
        self.eval_error = ""
        await self._call(sets.delete_set, owner, self.agent_id, set_id)
        if self.eval_error:
            return
        if self.set_id == set_id:
            self.set_id = 0
        await self._refresh(owner)

    @rx.event
    async def edit_case(self, case_id: int):
        """Fill the case form with a case (0: an empty form for a new one)."""
        if await self._owner() is None or not isinstance(case_id, int):
            return
        found = next((c for c in self.cases if c["id"] == case_id), None)
        self.editing_case = case_id if found else 0
        keys = ("input", "expected", "note", "checks")
        self.case_form = {key: str(found[key]) for key in keys} if found else {}
        self.case_form_key += 1

    @rx.event
    async def save_case(self, form: dict[str, Any]):
        owner = await self._owner()
        if owner is None or not self.set_id:
            return
        try:
            case = {"input": str(form.get("input") or ""), "expected": str(form.get("expected") or ""),
                    "note": str(form.get("note") or ""), "checks": eval_cases.checks_from_lines(str(form.get("checks") or ""))}
        except NeurocacheError as error:
            self.eval_error = str(error)
            return
        if self.editing_case:
            done = await self._call(sets.update_case, owner, self.agent_id, self.set_id, self.editing_case, case)
        else:
            done = await self._call(sets.add_case, owner, self.agent_id, self.set_id, case)
        if done is None:
            return
        self.eval_error, self.editing_case, self.case_form = "", 0, {}
        self.case_form_key += 1
        await self._refresh(owner)

    @rx.event
    async def delete_case(self, case_id: int):
        owner = await self._owner()
        if owner is None or not isinstance(case_id, int) or not self.set_id:
            return
        await self._call(sets.delete_case, owner, self.agent_id, self.set_id, case_id)
        await self._refresh(owner)

    @rx.event(background=True)
    async def import_cases(self, chunks: rx.UploadChunkIterator):
        """A .csv or .jsonl file of cases: all of them, or none with each wrong row named."""
        files, too_large = await receive_files(chunks, lambda _name: get_settings().max_upload_bytes)
        async with self:
            owner, agent_id, set_id = await self._owner(), self.agent_id, self.set_id
            self.importing = True
        problems, added = [f"{name} is too large." for name in too_large], 0
        if owner is not None and set_id:
            for name, data in files.items():
                try:
                    added += len(await asyncio.to_thread(sets.import_file, owner, agent_id, set_id, name, data))
                except NeurocacheError as error:
                    problems.append(f"{name}: {error}")
        async with self:
            self.importing = False
            self.eval_error = " ".join(problems)
            if owner is not None:
                await self._refresh(owner)
        yield rx.clear_selected_files(IMPORT_ID)
        if added:
            yield rx.toast.success(f"Imported {added} case(s)")

    @rx.event
    async def start_run(self, form: dict[str, Any]):
        owner = await self._owner()
        if owner is None or not self.set_id:
            return
        picked = str(form.get("version") or "")
        try:
            run = await runs.start(owner, self.agent_id, self.set_id, int(picked) if picked.isdigit() else None)
        except NeurocacheError as error:
            self.eval_error = str(error)
            return
        self.eval_error = ""
        self.eval_runs = [run_row(run), *self.eval_runs]
        return EvalState.watch_runs

    @rx.event
    async def stop_run(self, run_id: int):
        owner = await self._owner()
        if owner is None or not isinstance(run_id, int) or not self.set_id:
            return
        await self._call(runs.request_stop, owner, self.agent_id, self.set_id, run_id)

    @rx.event(background=True)
    async def watch_runs(self):
        """Live progress: the set's runs reread every POLL_SECONDS while one is active on it."""
        async with self:
            if self.watching:
                return
            self.watching = True
            set_id = self.set_id
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    owner = await self._owner()
                    if owner is None or self.set_id != set_id:
                        return
                    await self._load_runs(owner)
                    if self.run_id and any(r["id"] == self.run_id for r in self.eval_runs):
                        await self._show_run(owner, self.run_id)
                    if not any(run["active"] for run in self.eval_runs):
                        return
        finally:
            async with self:
                self.watching = False

    async def _show_run(self, owner: int, run_id: int) -> None:
        found = await self._call(runs.get_run, owner, self.agent_id, self.set_id, run_id)
        if found is not None:
            self.run_id, self.results = run_id, [result_row(r) for r in found[1]]

    @rx.event
    async def open_run(self, run_id: int):
        owner = await self._owner()
        if owner is None or not isinstance(run_id, int) or not self.set_id:
            return
        await self._show_run(owner, run_id)

    @rx.event
    async def compare(self, form: dict[str, Any]):
        """Two runs side by side: the first named against the second."""
        owner = await self._owner()
        if owner is None or not self.set_id:
            return
        after, before = str(form.get("after") or ""), str(form.get("before") or "")
        if not (after.isdigit() and before.isdigit()) or after == before:
            self.eval_error = "Choose two different runs to compare."
            return
        found = await self._call(history.compare_runs, owner, self.agent_id, self.set_id, int(after), int(before))
        if found is None:
            return
        self.eval_error, self.headline = "", found.headline
        self.changes = [{"input": c.input, "change": c.change,
                         "after": {True: "pass", False: "fail", None: "—"}[c.after],
                         "before": {True: "pass", False: "fail", None: "—"}[c.before]} for c in found.cases]
