"""An agent's retrieval test set: questions with the documents a good search finds,
and "Run", which asks `retrieval.search` each question exactly as a reply would
and scores hit@k and MRR. Every run is kept with what it measured (documents,
passages, settings), so an owner sees whether a change made the agent better."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from neurocache_ui.domain import limits
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.retrieval_scores import first_rank, scores
from neurocache_ui.services.knowledge import indexing, retrieval
from neurocache_ui.services.knowledge.access import UNAVAILABLE, owned_agent
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import agents as agent_rows
from neurocache_ui.store.repositories import retrieval_tests as repo
from neurocache_ui.store.retrieval_models import RetrievalQuestion, RetrievalRun

DEFAULT_K = 4
RUNS_SHOWN = 20
QUESTION_NOT_FOUND = "That test question does not exist."
SETUP_FIELDS = ("chunk_size", "chunk_overlap")
"""Agent settings a run records, with the embedding model (what a change to compare against would be)."""


@dataclass(frozen=True)
class QuestionView:
    id: int
    question: str
    expected: tuple[int, ...]


@dataclass(frozen=True)
class RunView:
    id: int
    k: int
    questions: int
    hits: int
    mrr: float
    details: tuple[dict[str, Any], ...]
    setup: dict[str, Any]
    created_at: datetime

    @property
    def hit_rate(self) -> float:
        return self.hits / self.questions if self.questions else 0.0


def _question_view(row: RetrievalQuestion) -> QuestionView:
    assert row.id is not None
    return QuestionView(row.id, row.question, tuple(row.expected))


def _run_view(row: RetrievalRun) -> RunView:
    assert row.id is not None
    return RunView(row.id, row.k, row.questions, row.hits, row.mrr, tuple(row.details), dict(row.setup), row.created_at)


def list_questions(owner_id: int, agent_id: int) -> list[QuestionView]:
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        return [_question_view(row) for row in repo.questions(session, agent_id)]


def add_question(owner_id: int, agent_id: int, question: str, expected: list[int]) -> QuestionView:
    """A question and the documents it should find (at least one, all the agent's)."""
    text = " ".join((question or "").split())
    if not text:
        raise Invalid("Write the question a person would ask.", "question")
    if len(text) > limits.RETRIEVAL_QUESTION_MAX:
        raise Invalid(f"A test question has at most {limits.RETRIEVAL_QUESTION_MAX} characters.", "question")
    wanted = list(dict.fromkeys(int(document_id) for document_id in expected))
    if not wanted:
        raise Invalid("Choose the document (or documents) a good answer comes from.", "expected")
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        if set(wanted) - repo.document_ids(session, agent_id, wanted):
            raise Invalid("Choose documents of this agent's knowledge.", "expected")
        if repo.count_questions(session, agent_id) >= limits.RETRIEVAL_QUESTIONS_MAX:
            raise Invalid(f"A test set holds at most {limits.RETRIEVAL_QUESTIONS_MAX} questions; delete some first.", "question")
        row = RetrievalQuestion(agent_id=agent_id, question=text, expected=wanted)
        session.add(row)
        session.flush()
        return _question_view(row)


def delete_question(owner_id: int, agent_id: int, question_id: int) -> None:
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        row = repo.question(session, agent_id, question_id)
        if row is None:
            raise NotFound(QUESTION_NOT_FOUND)
        session.delete(row)


def list_runs(owner_id: int, agent_id: int) -> list[RunView]:
    """The newest RUNS_SHOWN runs, newest first."""
    with database_guard(UNAVAILABLE), session_scope() as session:
        owned_agent(session, owner_id, agent_id)
        return [_run_view(row) for row in repo.runs(session, agent_id, RUNS_SHOWN)]


def _setup(owner_id: int, agent_id: int) -> dict[str, Any]:
    with database_guard(UNAVAILABLE), session_scope() as session:
        documents, passages = repo.size(session, agent_id)
        agent = agent_rows.owned(session, owner_id, agent_id)
    found = {name: getattr(agent, name) for name in SETUP_FIELDS if agent is not None}
    return {"documents": documents, "passages": passages, **found, **indexing.embedding_setup()}


async def run(owner_id: int, agent_id: int, k: int = DEFAULT_K) -> RunView:
    """Ask every question as a reply would (the same `search`, `k` passages) and keep the score."""
    k = max(1, min(k, retrieval.SEARCH_LIMIT_MAX))
    asked = await asyncio.to_thread(list_questions, owner_id, agent_id)
    if not asked:
        raise Invalid("Add a question to the test set first: what a person would ask, and where the answer is.")
    ranks: list[int | None] = []
    details: list[dict[str, Any]] = []
    for item in asked:
        hits = await asyncio.to_thread(retrieval.search, agent_id, item.question, k)
        found = [hit.document_id for hit in hits]
        rank = first_rank(found, item.expected)
        ranks.append(rank)
        details.append({"question_id": item.id, "question": item.question, "rank": rank, "found": found})
    hits_count, mrr = scores(ranks)
    setup = await asyncio.to_thread(_setup, owner_id, agent_id)

    def store() -> RunView:
        with database_guard(UNAVAILABLE), session_scope() as session:
            owned_agent(session, owner_id, agent_id)
            row = RetrievalRun(agent_id=agent_id, k=k, questions=len(asked), hits=hits_count, mrr=round(mrr, 4),
                               details=details, setup=setup)
            session.add(row)
            session.flush()
            return _run_view(row)

    return await asyncio.to_thread(store)
