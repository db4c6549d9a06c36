"""An agent's test sets and their cases: the owner's only (anyone else's set is
NotFound, exactly like one that does not exist). Cases come from the form, the API,
a CSV/JSONL file or a channel message (capture.py), all checked by one
`domain.eval_cases.parse_case`, so every way in accepts the same cases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from neurocache_ui.domain import eval_cases
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.eval_cases import CaseSpec
from neurocache_ui.services import spend
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.eval_models import EVAL_SET_NAME_MAX, EvalCase, EvalSet
from neurocache_ui.store.models import Agent, utcnow
from neurocache_ui.store.repositories import agents as agent_rows
from neurocache_ui.store.repositories import evals as repo

AGENT_NOT_FOUND = "Agent not found."
SET_NOT_FOUND = "That test set does not exist."
CASE_NOT_FOUND = "That test case does not exist."
SETS_PER_AGENT_MAX = 50


@dataclass(frozen=True)
class SetView:
    id: int
    agent_id: int
    name: str
    judge_model: str
    """As set; empty means the hub's default model (`judge`)."""
    cases: int
    created_at: datetime
    updated_at: datetime

    @property
    def judge(self) -> str:
        return self.judge_model or get_settings().default_model


@dataclass(frozen=True)
class CaseView:
    id: int
    input: str
    turns: list[dict[str, Any]]
    image: str | None
    expected: str
    note: str
    checks: list[dict[str, Any]]

    def spec(self) -> CaseSpec:
        return eval_cases.parse_case({"input": self.input, "turns": self.turns, "image": self.image,
                                      "expected": self.expected, "note": self.note, "checks": self.checks})


def owned_agent(session: Session, owner_id: int, agent: int | str) -> Agent:
    found = agent_rows.owned(session, owner_id, agent)
    if found is None or found.id is None:
        raise NotFound(AGENT_NOT_FOUND)
    return found


def owned_set(session: Session, owner_id: int, agent: int | str, set_id: int) -> EvalSet:
    found = repo.one_set(session, owned_agent(session, owner_id, agent).id or 0, int(set_id))
    if found is None:
        raise NotFound(SET_NOT_FOUND)
    return found


def _set_view(row: EvalSet, cases: int) -> SetView:
    assert row.id is not None
    return SetView(row.id, row.agent_id, row.name, row.judge_model, cases, row.created_at, row.updated_at)


def case_view(row: EvalCase) -> CaseView:
    assert row.id is not None
    return CaseView(row.id, row.input, list(row.turns), row.image, row.expected, row.note, list(row.checks))


def _name(raw: Any) -> str:
    name = " ".join(str(raw or "").split())
    if not name:
        raise Invalid("Give the test set a name.", "name")
    if len(name) > EVAL_SET_NAME_MAX:
        raise Invalid(f"A test set's name has at most {EVAL_SET_NAME_MAX} characters.", "name")
    return name


def _judge(raw: Any) -> str:
    model = str(raw or "").strip()
    if model and not spend.model_allowed(model):
        raise Invalid(spend.model_refused_message(model), "judge_model")
    if len(model) > 100:
        raise Invalid("The judge model's name has at most 100 characters.", "judge_model")
    return model


def _case_row(set_id: int, spec: CaseSpec) -> EvalCase:
    return EvalCase(set_id=set_id, input=spec.input, turns=list(spec.turns), image=spec.image, expected=spec.expected,
                    note=spec.note, checks=[check.as_dict() for check in spec.checks])


def _add(session: Session, row: EvalSet, specs: Sequence[CaseSpec]) -> list[CaseView]:
    assert row.id is not None
    if repo.count_cases(session, row.id) + len(specs) > eval_cases.CASES_PER_SET_MAX:
        raise Invalid(f"A test set holds at most {eval_cases.CASES_PER_SET_MAX} cases.", "cases")
    added = [_case_row(row.id, spec) for spec in specs]
    session.add_all(added)
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return [case_view(case) for case in added]


def parse_cases(raw: Any) -> list[CaseSpec]:
    """Cases as written (a list of case objects), each checked; Invalid names the case at fault."""
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise Invalid("cases must be a list.", "cases")
    specs = []
    for number, item in enumerate(raw, 1):
        try:
            specs.append(eval_cases.parse_case(item))
        except Invalid as error:
            raise Invalid(f"Case {number}: {error}", "cases") from None
    return specs


# ---------------------------------------------------------------- sets


def list_sets(owner_id: int, agent: int | str) -> list[SetView]:
    with session_scope() as session:
        found = owned_agent(session, owner_id, agent)
        return [_set_view(row, count) for row, count in repo.sets(session, found.id or 0)]


def create_set(owner_id: int, agent: int | str, name: str, cases: Any = None, judge_model: str = "") -> SetView:
    """A new set (with its first cases, all checked before anything is stored)."""
    clean, judge, specs = _name(name), _judge(judge_model), parse_cases(cases)
    with session_scope() as session:
        found = owned_agent(session, owner_id, agent)
        if len(repo.sets(session, found.id or 0)) >= SETS_PER_AGENT_MAX:
            raise Invalid(f"An agent has at most {SETS_PER_AGENT_MAX} test sets; delete one first.", "name")
        row = EvalSet(agent_id=found.id or 0, name=clean, judge_model=judge)
        session.add(row)
        session.flush()
        _add(session, row, specs)
        return _set_view(row, len(specs))


def get_set(owner_id: int, agent: int | str, set_id: int) -> tuple[SetView, list[CaseView]]:
    with session_scope() as session:
        row = owned_set(session, owner_id, agent, set_id)
        found = [case_view(case) for case in repo.cases(session, row.id or 0)]
        return _set_view(row, len(found)), found


def update_set(owner_id: int, agent: int | str, set_id: int, changes: Mapping[str, Any]) -> SetView:
    """Rename, change the judge, or replace all cases (`cases`); fields not given stay."""
    unknown = set(changes) - {"name", "judge_model", "cases"}
    if unknown:
        raise Invalid(f"Unknown field(s) {', '.join(sorted(unknown))}; a set has name, judge_model and cases.", "body")
    specs = parse_cases(changes["cases"]) if "cases" in changes else None
    with session_scope() as session:
        row = owned_set(session, owner_id, agent, set_id)
        if "name" in changes:
            row.name = _name(changes["name"])
        if "judge_model" in changes:
            row.judge_model = _judge(changes["judge_model"])
        if specs is not None:
            for case in repo.cases(session, row.id or 0):
                session.delete(case)
            session.flush()
            _add(session, row, specs)
        row.updated_at = utcnow()
        session.add(row)
        session.flush()
        return _set_view(row, repo.count_cases(session, row.id or 0))


def delete_set(owner_id: int, agent: int | str, set_id: int) -> None:
    """The set, its cases and its runs' history go."""
    with session_scope() as session:
        session.delete(owned_set(session, owner_id, agent, set_id))


# ---------------------------------------------------------------- cases


def add_cases(owner_id: int, agent: int | str, set_id: int, specs: Sequence[CaseSpec]) -> list[CaseView]:
    with session_scope() as session:
        return _add(session, owned_set(session, owner_id, agent, set_id), specs)


def add_case(owner_id: int, agent: int | str, set_id: int, raw: Mapping[str, Any]) -> CaseView:
    return add_cases(owner_id, agent, set_id, [eval_cases.parse_case(raw)])[0]


def update_case(owner_id: int, agent: int | str, set_id: int, case_id: int, raw: Mapping[str, Any]) -> CaseView:
    spec = eval_cases.parse_case(raw)
    with session_scope() as session:
        row = owned_set(session, owner_id, agent, set_id)
        case = repo.one_case(session, row.id or 0, int(case_id))
        if case is None:
            raise NotFound(CASE_NOT_FOUND)
        fresh = _case_row(row.id or 0, spec)
        for name in ("input", "turns", "image", "expected", "note", "checks"):
            setattr(case, name, getattr(fresh, name))
        session.add(case)
        session.flush()
        return case_view(case)


def delete_case(owner_id: int, agent: int | str, set_id: int, case_id: int) -> None:
    with session_scope() as session:
        row = owned_set(session, owner_id, agent, set_id)
        case = repo.one_case(session, row.id or 0, int(case_id))
        if case is None:
            raise NotFound(CASE_NOT_FOUND)
        session.delete(case)


def import_file(owner_id: int, agent: int | str, set_id: int, filename: str, data: bytes) -> list[CaseView]:
    """Cases from a .csv or .jsonl file: all of them, or none with every wrong row named."""
    with session_scope() as session:
        owned_set(session, owner_id, agent, set_id)  # a stranger learns nothing from the file's errors
    return add_cases(owner_id, agent, set_id, eval_cases.parse_file(filename, data))
