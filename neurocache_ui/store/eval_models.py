"""Evaluations: an agent's named test sets of cases, and runs that answer every case
with one version of the agent and keep, per case, the reply and each check's outcome,
so an owner sees whether a change made the agent better (domain/eval_checks.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import eval_cases, limits
from neurocache_ui.store.models import BigId, fk, json_list, timestamp

EVAL_SET_NAME_MAX = 100
RUN_STATUS_MAX = 16
ERROR_MAX = 500


class EvalSet(SQLModel, table=True):
    __tablename__ = "eval_set"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE")
    name: str = Field(max_length=EVAL_SET_NAME_MAX)
    judge_model: str = Field(default="", max_length=limits.MODEL_NAME_MAX)
    """The model that grades `rubric` checks; empty: the hub's default model."""
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class EvalCase(SQLModel, table=True):
    __tablename__ = "eval_case"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    set_id: int = fk("eval_set.id", ondelete="CASCADE", big=True)
    input: str = Field(max_length=eval_cases.INPUT_MAX)
    turns: list[dict[str, Any]] = json_list()
    """Earlier turns of the conversation: [{"role", "content"}]."""
    image: str | None = Field(default=None, sa_type=sa.Text(), nullable=True)
    """A data: URL sent with the message."""
    expected: str = Field(default="", max_length=eval_cases.EXPECTED_MAX)
    note: str = Field(default="", max_length=eval_cases.NOTE_MAX)
    checks: list[dict[str, Any]] = json_list()
    """[{"type", "value", "ignore_case"?}] (domain/eval_checks.Check.as_dict)."""
    created_at: datetime = timestamp()


class EvalRun(SQLModel, table=True):
    __tablename__ = "eval_run"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    set_id: int = fk("eval_set.id", ondelete="CASCADE", big=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE", index=False)
    version: int
    """The agent version evaluated (its settings snapshot answered)."""
    user_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    """Who started it: whose spending limits it counts against."""
    status: str = Field(default="queued", max_length=RUN_STATUS_MAX)
    """queued, running, completed, failed or stopped."""
    total: int = 0
    done: int = 0
    passed: int = 0
    stop_requested: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    error: str = Field(default="", max_length=ERROR_MAX)
    created_at: datetime = timestamp()
    finished_at: datetime | None = timestamp(nullable=True)
    heartbeat_at: datetime = timestamp()
    """Refreshed while the run's worker works on it; a stale one means the worker is gone."""


class EvalResult(SQLModel, table=True):
    __tablename__ = "eval_result"
    __table_args__ = (sa.UniqueConstraint("run_id", "case_id", name="uq_eval_result_case"),)

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    run_id: int = fk("eval_run.id", ondelete="CASCADE", big=True, index=False)
    case_id: int = Field(sa_type=BigId)
    """The case answered (kept when the case is deleted later: runs are history)."""
    input: str = Field(max_length=eval_cases.INPUT_MAX)
    passed: bool
    checks: list[dict[str, Any]] = json_list()
    """[{"type", "passed", "reason"}, …], rubric outcomes with the judge's reasoning."""
    reply: str = Field(default="", sa_type=sa.Text())
    error: str = Field(default="", max_length=ERROR_MAX)
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = Field(default=None, nullable=True)
    created_at: datetime = timestamp()
