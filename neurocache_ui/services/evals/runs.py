"""Evaluation runs: "Run" answers every case of a set with one version of the agent
(default: its current one; an earlier one from its settings snapshot) in the
background, NEUROCACHE_EVAL_CONCURRENCY cases at once, and keeps each case's result.

A run lives in the worker that started it, as an asyncio task: the row says how far
it got (`done`/`total`), and the task refreshes its heartbeat every HEARTBEAT seconds.
Stop sets `stop_requested` on the row, which the task polls (so Stop works from any
worker) and the worker's own Stop is told at once. Runs do not resume: one whose
worker went away (a restart, a crash) is failed by `sweep_forever` on any worker once
its heartbeat is STALE seconds old, saying the hub restarted."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from neurocache_ui.domain.errors import Invalid, NeurocacheError, NotFound
from neurocache_ui.domain.agent_settings import McpServer, keep_tokens
from neurocache_ui.services import agent_versions, agents
from neurocache_ui.services.agent_runs import pipeline
from neurocache_ui.services.agents import AgentPublic
from neurocache_ui.services.evals import grading
from neurocache_ui.services.evals.sets import case_view, owned_agent, owned_set
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.eval_models import EvalResult, EvalRun
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import evals as repo

log = logging.getLogger(__name__)

QUEUED, RUNNING, COMPLETED, FAILED, STOPPED = "queued", "running", "completed", "failed", "stopped"
HEARTBEAT = 1.0
"""Seconds between a running run's looks at its row (stop requested?) and heartbeats."""
STALE = 30
"""Seconds without a heartbeat after which a run's worker is taken to be gone."""
SWEEP_EVERY = 10.0
RUNS_SHOWN = 50
RESTARTED = "The hub restarted (or lost the worker running it) before the run finished."
RUN_NOT_FOUND = "That evaluation run does not exist."

_tasks: dict[int, asyncio.Task[None]] = {}
_stops: dict[int, asyncio.Event] = {}


@dataclass(frozen=True)
class RunView:
    id: int
    set_id: int
    version: int
    status: str
    total: int
    done: int
    passed: int
    error: str
    created_at: datetime
    finished_at: datetime | None

    @property
    def progress(self) -> float:
        if self.status == COMPLETED:
            return 1.0
        return round(self.done / self.total, 4) if self.total else 0.0


@dataclass(frozen=True)
class ResultView:
    case_id: int
    input: str
    passed: bool
    checks: list[dict[str, Any]]
    reply: str
    error: str
    latency_ms: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


def run_view(row: EvalRun) -> RunView:
    assert row.id is not None
    return RunView(row.id, row.set_id, row.version, row.status, row.total, row.done, row.passed, row.error,
                   row.created_at, row.finished_at)


def _result_view(row: EvalResult) -> ResultView:
    return ResultView(row.case_id, row.input, row.passed, list(row.checks), row.reply, row.error, row.latency_ms,
                      row.prompt_tokens, row.completion_tokens, row.cost_usd)


# ---------------------------------------------------------------- reads


def list_runs(owner_id: int, agent: int | str, set_id: int) -> list[RunView]:
    """The newest RUNS_SHOWN runs of the set, newest first."""
    with session_scope() as session:
        found = owned_set(session, owner_id, agent, set_id)
        return [run_view(row) for row in repo.runs(session, found.id or 0, RUNS_SHOWN)]


def get_run(owner_id: int, agent: int | str, set_id: int, run_id: int) -> tuple[RunView, list[ResultView]]:
    with session_scope() as session:
        found = owned_set(session, owner_id, agent, set_id)
        row = repo.one_run(session, found.id or 0, int(run_id))
        if row is None:
            raise NotFound(RUN_NOT_FOUND)
        return run_view(row), [_result_view(result) for result in repo.results(session, int(run_id))]


# ---------------------------------------------------------------- start and stop


def create_run(owner_id: int, agent: int | str, set_id: int, version: int | None = None) -> RunView:
    """A queued run of `version` (default: the current one) on the set; Invalid when the set
    is empty or already running, NotFound for a version the agent never had."""
    pipeline.ensure_provider()
    with session_scope() as session:
        found = owned_set(session, owner_id, agent, set_id)
        owner_agent = owned_agent(session, owner_id, agent)
        number = owner_agent.version if version is None else int(version)
        if number != owner_agent.version:
            agent_versions.get_version(owner_id, owner_agent.id or 0, number)  # NotFound for a version it never had
        total = repo.count_cases(session, found.id or 0)
        if total == 0:
            raise Invalid("Add a case to the test set first.", "cases")
        if repo.active_run(session, found.id or 0) is not None:
            raise Invalid("This test set is already being run; wait for it or stop it.", "version")
        row = EvalRun(set_id=found.id or 0, agent_id=owner_agent.id or 0, version=number, user_id=owner_id, total=total)
        session.add(row)
        session.flush()
        return run_view(row)


async def start(owner_id: int, agent: int | str, set_id: int, version: int | None = None) -> RunView:
    """Create the run and start it in this worker's event loop; returns at once (queued)."""
    run = await asyncio.to_thread(create_run, owner_id, agent, set_id, version)
    _stops[run.id] = asyncio.Event()
    _tasks[run.id] = asyncio.create_task(_execute(run.id), name=f"eval-run-{run.id}")
    _tasks[run.id].add_done_callback(lambda _: (_tasks.pop(run.id, None), _stops.pop(run.id, None)))
    return run


def request_stop(owner_id: int, agent: int | str, set_id: int, run_id: int) -> RunView:
    """Ask the run to stop (its worker notices within HEARTBEAT seconds); a finished run is left as it is."""
    with session_scope() as session:
        found = owned_set(session, owner_id, agent, set_id)
        row = repo.one_run(session, found.id or 0, int(run_id))
        if row is None:
            raise NotFound(RUN_NOT_FOUND)
        repo.update_run(session, int(run_id), stop_requested=True)
        session.refresh(row)
        view = run_view(row)
    if (event := _stops.get(view.id)) is not None:
        event.set()
    return view


# ---------------------------------------------------------------- the run itself


def agent_at(owner_id: int, agent_id: int, number: int) -> AgentPublic:
    """The agent as version `number` was saved: its settings snapshot over the current
    agent (MCP servers get the tokens stored now for their URLs; knowledge is today's)."""
    current = agents.get_agent(owner_id, agent_id)
    if number == current.version:
        return current
    old = agent_versions.get_version(owner_id, agent_id, number)
    values = {name: getattr(current, name) for name in AgentPublic.model_fields}
    values.update({name: value for name, value in old.settings.items() if name in agents.SETTING_NAMES})
    servers = [McpServer.model_construct(**{k: v for k, v in server.items() if k != "has_token"})
               for server in values.get("mcp_servers") or []]
    values["mcp_servers"] = keep_tokens(servers, list(current.mcp_servers))
    values["tools"] = list(values.get("tools") or [])
    values["version"] = number
    return AgentPublic.model_construct(**values)


def _setup(run_id: int) -> tuple[EvalRun, list[grading.CaseSpec], str, AgentPublic]:
    with session_scope() as session:
        row = session.get(EvalRun, run_id)
        if row is None:
            raise NotFound(RUN_NOT_FOUND)
        found = repo.one_set(session, row.agent_id, row.set_id)
        if found is None:
            raise NotFound(RUN_NOT_FOUND)
        cases = [(case.id, case_view(case).spec()) for case in repo.cases(session, row.set_id)]
        judge = found.judge_model or get_settings().default_model
        repo.update_run(session, run_id, status=RUNNING, total=len(cases), heartbeat_at=utcnow())
        session.expunge(row)
    return row, cases, judge, agent_at(row.user_id, row.agent_id, row.version)  # type: ignore[return-value]


def _store(run_id: int, case_id: int, case: grading.CaseSpec, graded: grading.Graded) -> bool:
    """Keep one case's result and count it (one atomic UPDATE, so cases finishing at once
    never lose a count); False when the run ended meanwhile (stopped, swept)."""
    with session_scope() as session:
        if not repo.count_result(session, run_id, graded.passed):
            return False
        session.add(EvalResult(
            run_id=run_id, case_id=case_id, input=case.input, passed=graded.passed, checks=graded.checks,
            reply=graded.reply, error=graded.error[:500], latency_ms=graded.latency_ms, prompt_tokens=graded.prompt_tokens,
            completion_tokens=graded.completion_tokens, cost_usd=graded.cost_usd,
        ))
        return True


def _finish(run_id: int, status: str, error: str = "") -> None:
    with session_scope() as session:
        repo.update_run(session, run_id, status=status, error=error[:500], finished_at=utcnow())


async def _watch(run_id: int, stop: asyncio.Event) -> None:
    """Heartbeat, and Stop asked on another worker."""
    while not stop.is_set():
        def beat() -> bool:
            with session_scope() as session:
                repo.update_run(session, run_id, heartbeat_at=utcnow())
                return repo.stop_requested(session, run_id)

        try:
            if await asyncio.to_thread(beat):
                stop.set()
        except NeurocacheError as error:
            log.warning("evaluation run %s: heartbeat failed (%s)", run_id, error)
        try:
            await asyncio.wait_for(stop.wait(), HEARTBEAT)
        except TimeoutError:
            pass


async def _execute(run_id: int) -> None:
    stop = _stops.get(run_id) or asyncio.Event()
    try:
        row, cases, judge, agent = await asyncio.to_thread(_setup, run_id)
    except Exception as error:
        log.exception("evaluation run %s could not start", run_id)
        await asyncio.to_thread(_finish, run_id, FAILED, f"The run could not start: {error}")
        return
    caller = pipeline.Caller(row.user_id)
    gate = asyncio.Semaphore(get_settings().eval_concurrency)
    refused: list[str] = []
    stored: list[int] = []

    async def one(case_id: int, case: grading.CaseSpec) -> None:
        async with gate:
            if stop.is_set():
                return
            graded = await grading.grade(agent, case, caller, judge_model=judge, stop=stop, budget_key=f"eval:{run_id}:{case_id}")
            if graded.refusal is not None:  # the hourly quota (or the allow-list): later cases would be refused too
                refused.append(graded.refusal.message)
                stop.set()
                return
            if not graded.stopped and await asyncio.to_thread(_store, run_id, case_id, case, graded):
                stored.append(case_id)

    watcher = asyncio.create_task(_watch(run_id, stop))
    try:
        await asyncio.gather(*(one(case_id, case) for case_id, case in cases))
        if refused:
            status, error = FAILED, f"{refused[0]} ({len(stored)} of {len(cases)} cases were run.)"
        else:
            status, error = (COMPLETED if len(stored) == len(cases) else STOPPED), ""
    except asyncio.CancelledError:
        status, error = FAILED, RESTARTED
        raise
    except Exception as error_:
        log.exception("evaluation run %s failed", run_id)
        status, error = FAILED, f"The run failed: {type(error_).__name__}."
    finally:
        stop.set()
        await asyncio.gather(watcher, return_exceptions=True)
        await asyncio.shield(asyncio.to_thread(_finish, run_id, status, error))


async def sweep_forever() -> None:
    """Lifespan task: fail runs whose worker stopped heartbeating (restarted, crashed);
    at shutdown, this worker's own runs end as failed, saying the hub restarted."""
    try:
        while True:
            try:
                await asyncio.to_thread(sweep)
            except Exception as error:  # the database is down: next time
                log.warning("sweeping evaluation runs failed: %s", error)
            await asyncio.sleep(SWEEP_EVERY)
    finally:
        running = list(_tasks.values())
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


def sweep(stale_after: float = STALE) -> list[int]:
    """Fail every active run not heard from for `stale_after` seconds; their ids."""
    with session_scope() as session:
        stale = repo.stale_runs(session, utcnow() - timedelta(seconds=stale_after))
        for run_id in stale:
            if run_id not in _tasks:
                repo.update_run(session, run_id, status=FAILED, error=RESTARTED, finished_at=utcnow())
        return [run_id for run_id in stale if run_id not in _tasks]
