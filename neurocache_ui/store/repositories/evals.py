"""Evaluation sets, cases, runs and results (store/eval_models.py). Every read that
starts from an id also names the agent (or set) it must belong to, so a service that
checked the agent's owner cannot be handed another agent's set."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.eval_models import EvalCase, EvalResult, EvalRun, EvalSet
from neurocache_ui.store.models import utcnow

ACTIVE = ("queued", "running")


def sets(session: Session, agent_id: int) -> Sequence[tuple[EvalSet, int]]:
    """The agent's sets by name, each with its number of cases."""
    count = sa.select(sa.func.count()).select_from(EvalCase).where(EvalCase.set_id == EvalSet.id).scalar_subquery()
    query = sa.select(EvalSet, count).where(EvalSet.agent_id == agent_id).order_by(EvalSet.name, EvalSet.id)  # type: ignore[arg-type]
    return [(row, int(n or 0)) for row, n in session.execute(query).all()]


def one_set(session: Session, agent_id: int, set_id: int) -> EvalSet | None:
    return session.scalars(sa.select(EvalSet).where(EvalSet.id == set_id, EvalSet.agent_id == agent_id)).first()


def cases(session: Session, set_id: int) -> Sequence[EvalCase]:
    """Oldest first: the order they were written in."""
    return session.scalars(sa.select(EvalCase).where(EvalCase.set_id == set_id).order_by(EvalCase.id)).all()  # type: ignore[arg-type]


def one_case(session: Session, set_id: int, case_id: int) -> EvalCase | None:
    return session.scalars(sa.select(EvalCase).where(EvalCase.id == case_id, EvalCase.set_id == set_id)).first()


def count_cases(session: Session, set_id: int) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(EvalCase).where(EvalCase.set_id == set_id)) or 0


def runs(session: Session, set_id: int, limit: int) -> Sequence[EvalRun]:
    """Newest first."""
    return session.scalars(
        sa.select(EvalRun).where(EvalRun.set_id == set_id).order_by(EvalRun.id.desc()).limit(limit)  # type: ignore[union-attr]
    ).all()


def one_run(session: Session, set_id: int, run_id: int) -> EvalRun | None:
    return session.scalars(sa.select(EvalRun).where(EvalRun.id == run_id, EvalRun.set_id == set_id)).first()


def active_run(session: Session, set_id: int) -> EvalRun | None:
    return session.scalars(sa.select(EvalRun).where(EvalRun.set_id == set_id, EvalRun.status.in_(ACTIVE))).first()  # type: ignore[attr-defined]


def results(session: Session, run_id: int) -> Sequence[EvalResult]:
    return session.scalars(sa.select(EvalResult).where(EvalResult.run_id == run_id).order_by(EvalResult.case_id)).all()  # type: ignore[arg-type]


def update_run(session: Session, run_id: int, *, only_active: bool = True, **values: Any) -> bool:
    """Change a run's row (status, counts, heartbeat); with `only_active`, only while it is
    queued or running, so a run that ended (stopped, swept) is never brought back."""
    query = sa.update(EvalRun).where(EvalRun.id == run_id)  # type: ignore[arg-type]
    if only_active:
        query = query.where(EvalRun.status.in_(ACTIVE))  # type: ignore[attr-defined]
    return session.execute(query.values(**values)).rowcount > 0  # type: ignore[attr-defined]


def count_result(session: Session, run_id: int, passed: bool) -> bool:
    """One more case done (and passed) on a running run, atomically; False when it is not running."""
    query = sa.update(EvalRun).where(EvalRun.id == run_id, EvalRun.status == "running").values(  # type: ignore[arg-type]
        done=EvalRun.done + 1, passed=EvalRun.passed + int(passed), heartbeat_at=utcnow())
    return session.execute(query).rowcount > 0  # type: ignore[attr-defined]


def stop_requested(session: Session, run_id: int) -> bool:
    return bool(session.scalar(sa.select(EvalRun.stop_requested).where(EvalRun.id == run_id)))


def stale_runs(session: Session, before: datetime) -> list[int]:
    """Active runs whose worker has not been heard from since `before`."""
    query = sa.select(EvalRun.id).where(EvalRun.status.in_(ACTIVE), EvalRun.heartbeat_at < before)  # type: ignore[attr-defined]
    return list(session.scalars(query).all())
