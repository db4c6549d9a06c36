"""A set's runs over time: two runs compared case by case (fixed and broken first,
domain/eval_compare.py) and the score of every finished run for the chart."""

from __future__ import annotations

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.eval_compare import ChartPoint, Comparison, RunScore, chart, compare
from neurocache_ui.services.evals.runs import COMPLETED, RUN_NOT_FOUND, RUNS_SHOWN
from neurocache_ui.services.evals.sets import owned_set
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.repositories import evals as repo


def compare_runs(owner_id: int, agent: int | str, set_id: int, after_id: int, before_id: int) -> Comparison:
    """Run `after_id` against run `before_id` of the same set: "v7 vs v6: 18/20 vs 15/20, 3 fixed, 0 broken"."""
    with session_scope() as session:
        found = owned_set(session, owner_id, agent, set_id)
        scores = []
        for run_id in (after_id, before_id):
            row = repo.one_run(session, found.id or 0, int(run_id))
            if row is None:
                raise NotFound(RUN_NOT_FOUND)
            results = repo.results(session, int(run_id))
            scores.append(RunScore(row.version, row.passed, row.total, {r.case_id: r.passed for r in results},
                                   {r.case_id: r.input for r in results}))
    return compare(scores[0], scores[1])


def score_chart(owner_id: int, agent: int | str, set_id: int) -> list[ChartPoint]:
    """Completed runs of the set, oldest first, as chart points (score = passed / total)."""
    with session_scope() as session:
        found = owned_set(session, owner_id, agent, set_id)
        rows = [row for row in repo.runs(session, found.id or 0, RUNS_SHOWN) if row.status == COMPLETED]
    return chart([(row.id or 0, row.version, row.passed, row.total) for row in reversed(rows)])
