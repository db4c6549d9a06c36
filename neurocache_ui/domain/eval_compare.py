"""Two evaluation runs side by side: which cases a change fixed and which it broke,
changed cases first, and the one-line headline ("v7 vs v6: 18/20 vs 15/20, 3 fixed,
0 broken"). Pure, so the page, the API and a deployment gate read the same thing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

FIXED, BROKEN, SAME_PASS, SAME_FAIL, ONLY_ONE = "fixed", "broken", "still passes", "still fails", "in one run only"
ORDER = {FIXED: 0, BROKEN: 0, ONLY_ONE: 1, SAME_FAIL: 2, SAME_PASS: 3}


@dataclass(frozen=True)
class RunScore:
    version: int
    passed: int
    total: int
    cases: Mapping[int, bool]
    """case id -> passed."""
    inputs: Mapping[int, str]
    """case id -> the message asked (for naming cases)."""


@dataclass(frozen=True)
class CaseChange:
    case_id: int
    input: str
    change: str
    after: bool | None
    before: bool | None


@dataclass(frozen=True)
class Comparison:
    headline: str
    fixed: int
    broken: int
    cases: list[CaseChange]


def _score(run: RunScore) -> str:
    return f"{run.passed}/{run.total}"


def compare(after: RunScore, before: RunScore) -> Comparison:
    """`after` (usually the newer version) against `before`; changed cases first, in case order."""
    ids = sorted(set(after.cases) | set(before.cases))
    rows = []
    for case_id in ids:
        new, old = after.cases.get(case_id), before.cases.get(case_id)
        if new is None or old is None:
            change = ONLY_ONE
        elif new and not old:
            change = FIXED
        elif old and not new:
            change = BROKEN
        else:
            change = SAME_PASS if new else SAME_FAIL
        text = after.inputs.get(case_id) or before.inputs.get(case_id) or f"case {case_id}"
        rows.append(CaseChange(case_id, text, change, new, old))
    rows.sort(key=lambda row: ORDER[row.change])
    fixed = sum(row.change == FIXED for row in rows)
    broken = sum(row.change == BROKEN for row in rows)
    headline = (f"v{after.version} vs v{before.version}: {_score(after)} vs {_score(before)}, "
                f"{fixed} fixed, {broken} broken")
    return Comparison(headline, fixed, broken, rows)


@dataclass(frozen=True)
class ChartPoint:
    run_id: int
    version: int
    score: float
    label: str
    x: float
    y: float


def chart(runs: Sequence[tuple[int, int, int, int]], width: float = 600, height: float = 160, pad: float = 24) -> list[ChartPoint]:
    """Points of a score-over-time chart (oldest left) for finished runs given as
    (run id, version, passed, total); x and y are SVG coordinates in a width×height box."""
    scored = [(run_id, version, passed / total if total else 0.0, f"v{version}: {passed}/{total}")
              for run_id, version, passed, total in runs]
    if not scored:
        return []
    step = (width - 2 * pad) / max(1, len(scored) - 1)
    return [
        ChartPoint(run_id, version, score, label, round(pad + index * step, 1), round(height - pad - score * (height - 2 * pad), 1))
        for index, (run_id, version, score, label) in enumerate(scored)
    ]
