"""/agents/{slug}/evals: the key owner's test sets of an agent and their evaluation
runs (services/evals). A run starts in the background and is polled; a deployment
script gates on `status == "completed"` and `passed == total` (docs/API.md).
Someone else's agent, set or run is 404 on every path."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.domain import eval_cases
from neurocache_ui.domain.eval_checks import CHECK_TYPES
from neurocache_ui.services.evals import history, runs, sets

router = APIRouter(prefix="/agents/{slug}/evals", tags=["evaluations"])

CheckType = Literal[
    "contains", "not_contains", "regex", "cites", "calls_tool", "json_schema", "max_latency_ms", "max_cost_usd", "rubric"
]
assert set(CheckType.__args__) == set(CHECK_TYPES)  # type: ignore[attr-defined]


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: CheckType
    value: Any = Field(description="Text, a pattern, a document id or filename, a tool name, a JSON Schema, or a number.")
    ignore_case: bool = Field(default=True, description="contains, not_contains, regex: ignore letter case.")


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=eval_cases.INPUT_MAX)


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: str = Field(max_length=eval_cases.INPUT_MAX, description="The message the agent is asked.")
    checks: list[CheckIn] = Field(default_factory=list, max_length=20)
    turns: list[TurnIn] = Field(default_factory=list, max_length=eval_cases.TURNS_MAX, description="Earlier turns.")
    image: str | None = Field(default=None, max_length=eval_cases.IMAGE_MAX_CHARS, description="A data: URL of an image.")
    expected: str = Field(default="", max_length=eval_cases.EXPECTED_MAX, description="An expected answer, for rubrics.")
    note: str = Field(default="", max_length=eval_cases.NOTE_MAX)


class EvalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    cases: list[CaseIn] = Field(default_factory=list, max_length=eval_cases.CASES_PER_SET_MAX)
    judge_model: str = Field(default="", max_length=100, description="Grades rubric checks; empty: the hub's default model.")


class EvalUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, max_length=100)
    cases: list[CaseIn] | None = Field(default=None, max_length=eval_cases.CASES_PER_SET_MAX, description="Replaces every case.")
    judge_model: str | None = Field(default=None, max_length=100)


class Created(BaseModel):
    id: int


class CaseOut(BaseModel):
    id: int
    input: str
    turns: list[dict[str, Any]]
    image: str | None
    expected: str
    note: str
    checks: list[dict[str, Any]]


class EvalSummary(BaseModel):
    id: int
    name: str
    judge_model: str
    cases: int
    created_at: datetime
    updated_at: datetime


class EvalOut(BaseModel):
    id: int
    name: str
    judge_model: str
    created_at: datetime
    updated_at: datetime
    cases: list[CaseOut]


class EvalList(BaseModel):
    data: list[EvalSummary]


class RunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, ge=1, description="The agent version to evaluate; default: the current one.")


class RunOut(BaseModel):
    id: int
    version: int
    status: Literal["queued", "running", "completed", "failed", "stopped"]
    progress: float = Field(description="0 to 1.")
    passed: int
    done: int
    total: int
    error: str
    created_at: datetime
    finished_at: datetime | None


class ResultOut(BaseModel):
    case_id: int
    input: str
    passed: bool
    checks: list[dict[str, Any]] = Field(description='Each check\'s outcome: {"type", "passed", "reason"} (rubric: and "judge").')
    reply: str
    error: str
    latency_ms: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None


class RunDetail(RunOut):
    results: list[ResultOut]


class RunList(BaseModel):
    data: list[RunOut]


class CaseChangeOut(BaseModel):
    case_id: int
    input: str
    change: str
    after: bool | None
    before: bool | None


class ComparisonOut(BaseModel):
    headline: str
    fixed: int
    broken: int
    cases: list[CaseChangeOut]


def _cases(body: list[CaseIn]) -> list[dict[str, Any]]:
    return [case.model_dump(exclude_none=True) for case in body]


def _set(view: sets.SetView, cases: list[sets.CaseView]) -> EvalOut:
    return EvalOut(id=view.id, name=view.name, judge_model=view.judge_model, created_at=view.created_at,
                   updated_at=view.updated_at, cases=[CaseOut(**vars(case)) for case in cases])


def _run(view: runs.RunView) -> RunOut:
    return RunOut(id=view.id, version=view.version, status=view.status, progress=view.progress,  # type: ignore[arg-type]
                  passed=view.passed, done=view.done, total=view.total, error=view.error, created_at=view.created_at,
                  finished_at=view.finished_at)


@router.post("", response_model=Created, status_code=201, summary="Create a test set")
def create_eval(slug: str, body: EvalCreate, key: WriteKey) -> Created:
    return Created(id=sets.create_set(key.user_id, slug, body.name, _cases(body.cases), body.judge_model).id)


@router.get("", response_model=EvalList, summary="List an agent's test sets")
def list_evals(slug: str, key: ReadKey) -> EvalList:
    return EvalList(data=[EvalSummary(**{name: getattr(s, name) for name in EvalSummary.model_fields})
                          for s in sets.list_sets(key.user_id, slug)])


@router.get("/{set_id}", response_model=EvalOut, summary="A test set and its cases")
def get_eval(slug: str, set_id: int, key: ReadKey) -> EvalOut:
    return _set(*sets.get_set(key.user_id, slug, set_id))


@router.patch("/{set_id}", response_model=EvalOut, summary="Rename a test set, change its judge or replace its cases")
def update_eval(slug: str, set_id: int, body: EvalUpdate, key: WriteKey) -> EvalOut:
    changes = body.model_dump(exclude_unset=True)
    if "cases" in changes:
        changes["cases"] = _cases(body.cases or [])
    sets.update_set(key.user_id, slug, set_id, changes)
    return _set(*sets.get_set(key.user_id, slug, set_id))


@router.delete("/{set_id}", status_code=204, response_class=Response, summary="Delete a test set and its runs")
def delete_eval(slug: str, set_id: int, key: WriteKey) -> Response:
    sets.delete_set(key.user_id, slug, set_id)
    return Response(status_code=204)


@router.post("/{set_id}/runs", response_model=RunOut, status_code=201, summary="Evaluate a version on the set (background)")
async def start_run(slug: str, set_id: int, key: WriteKey, body: RunCreate | None = None) -> RunOut:
    return _run(await runs.start(key.user_id, slug, set_id, body.version if body is not None else None))


@router.get("/{set_id}/runs", response_model=RunList, summary="The set's runs, newest first")
def list_runs(slug: str, set_id: int, key: ReadKey) -> RunList:
    return RunList(data=[_run(run) for run in runs.list_runs(key.user_id, slug, set_id)])


@router.get("/{set_id}/runs/{run_id}", response_model=RunDetail, summary="A run: status, progress, score and results")
def get_run(slug: str, set_id: int, run_id: int, key: ReadKey) -> RunDetail:
    run, results = runs.get_run(key.user_id, slug, set_id, run_id)
    return RunDetail(**_run(run).model_dump(), results=[ResultOut(**vars(result)) for result in results])


@router.post("/{set_id}/runs/{run_id}/stop", response_model=RunOut, summary="Stop a run")
def stop_run(slug: str, set_id: int, run_id: int, key: WriteKey) -> RunOut:
    return _run(runs.request_stop(key.user_id, slug, set_id, run_id))


@router.get("/{set_id}/runs/{run_id}/compare/{other_id}", response_model=ComparisonOut, summary="A run against another")
def compare_runs(slug: str, set_id: int, run_id: int, other_id: int, key: ReadKey) -> ComparisonOut:
    found = history.compare_runs(key.user_id, slug, set_id, run_id, other_id)
    return ComparisonOut(headline=found.headline, fixed=found.fixed, broken=found.broken,
                         cases=[CaseChangeOut(**vars(case)) for case in found.cases])
