"""The Knowledge tab's retrieval tester: try a question and see the passages the
agent would read (and why: their full-text, vector and fused ranks), save it as a
test question with the documents it should find, and Run the set (hit@k, MRR),
with the history of runs. Every event re-resolves the user; services check ownership."""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import knowledge
from neurocache_ui.services.knowledge import evaluation, indexing
from neurocache_ui.web.state.agents import SESSION_ENDED
from neurocache_ui.web.state.knowledge import KnowledgeState

PASSAGE_SHOWN = 600


def _rank(value: Any) -> str:
    return "—" if value is None else str(value)


def hit_row(position: int, hit: knowledge.SearchHit) -> dict[str, Any]:
    """What the panel shows of a passage: where it came from and why it ranked."""
    return {
        "position": position,
        "document_id": hit.document_id,
        "filename": hit.filename,
        "content": hit.content[:PASSAGE_SHOWN] + ("…" if len(hit.content) > PASSAGE_SHOWN else ""),
        "score": f"{hit.score:.4f}",
        "full_text": _rank(hit.text_rank),
        "vector": _rank(hit.vector_rank),
    }


def index_line(progress: indexing.IndexProgress) -> str:
    """The indexer's progress on this agent in a line ("" when it is done)."""
    if progress.done or not progress.total:
        return ""
    if progress.rechunking:
        return f"Cutting {progress.rechunking:,} document(s) into passages again with the new settings…"
    share = progress.embedded / progress.total
    return (f"Embedding passages with {progress.model}: {progress.embedded:,} of {progress.total:,} ({share:.0%}). "
            "Until then, the rest are found by their words only.")


def run_row(run: evaluation.RunView) -> dict[str, Any]:
    setup = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in run.setup.items())
    return {
        "id": run.id, "created_at": run.created_at.isoformat(), "k": run.k,
        "hits": f"{run.hits}/{run.questions}", "hit_rate": f"{run.hit_rate:.0%}", "mrr": f"{run.mrr:.3f}", "setup": setup,
        "misses": [d["question"] for d in run.details if d.get("rank") is None],
    }


class KnowledgeTestState(KnowledgeState):
    probe: str = ""
    probe_hits: list[dict[str, Any]] = []
    probing: bool = False
    questions: list[dict[str, Any]] = []
    runs: list[dict[str, Any]] = []
    running: bool = False
    test_error: str = ""
    index_line: str = ""

    async def _owner(self) -> int | None:
        user = await self._user()
        if user is None:
            self.test_error = SESSION_ENDED
            return None
        return user.id if self.agent_id else None

    @rx.event
    async def load_tests(self):
        """on_load of /agents/[slug] (after open_agent): the test set and its runs."""
        self.probe, self.probe_hits, self.test_error = "", [], ""
        owner = await self._owner()
        if owner is None:
            return
        try:
            found = await asyncio.to_thread(evaluation.list_questions, owner, self.agent_id)
            runs = await asyncio.to_thread(evaluation.list_runs, owner, self.agent_id)
            self.index_line = index_line(await asyncio.to_thread(indexing.progress, owner, self.agent_id))
        except NeurocacheError as error:
            self.test_error = str(error)
            return
        self.questions = [{"id": q.id, "question": q.question, "expected": list(q.expected)} for q in found]
        self.runs = [run_row(run) for run in runs]

    @rx.event
    async def try_question(self, form: dict[str, Any]):
        """"Search": the passages a reply to this question would be given."""
        owner = await self._owner()
        if owner is None:
            return
        self.probe = " ".join(str(form.get("question") or "").split())[:500]
        if not self.probe:
            self.probe_hits, self.test_error = [], "Write a question to try."
            return
        self.probing, self.test_error = True, ""
        yield
        try:
            hits = await asyncio.to_thread(knowledge.search, self.agent_id, self.probe, 4, owner_id=owner)
        except NeurocacheError as error:
            self.test_error, self.probing = str(error), False
            return
        self.probe_hits = [hit_row(position, hit) for position, hit in enumerate(hits, 1)]
        self.probing = False
        try:
            self.index_line = index_line(await asyncio.to_thread(indexing.progress, owner, self.agent_id))
        except NeurocacheError:
            pass  # the passages are shown; the progress line waits for the next search

    @rx.event
    async def save_question(self, form: dict[str, Any]):
        """Keep the tried question with the documents ticked as where its answer is."""
        owner = await self._owner()
        if owner is None:
            return
        expected = [int(key.removeprefix("doc-")) for key, value in form.items()
                    if str(key).startswith("doc-") and str(key)[4:].isdigit() and value]
        try:
            await asyncio.to_thread(evaluation.add_question, owner, self.agent_id, self.probe, expected)
        except NeurocacheError as error:
            self.test_error = str(error)
            return
        self.test_error = ""
        yield KnowledgeTestState.load_tests
        yield rx.toast.success("Added to the test set")

    @rx.event
    async def delete_question(self, question_id: int):
        owner = await self._owner()
        if owner is None or not isinstance(question_id, int):
            return
        try:
            await asyncio.to_thread(evaluation.delete_question, owner, self.agent_id, question_id)
        except NeurocacheError as error:
            self.test_error = str(error)
            return
        self.questions = [q for q in self.questions if q["id"] != question_id]

    @rx.event(background=True)
    async def run_tests(self):
        """"Run": every question searched as a reply would; the score joins the history."""
        async with self:
            if self.running:
                return
            owner = await self._owner()
            agent_id = self.agent_id
            if owner is None:
                return
            self.running, self.test_error = True, ""
        try:
            run = await evaluation.run(owner, agent_id)
        except NeurocacheError as error:
            async with self:
                self.running, self.test_error = False, str(error)
            return
        async with self:
            self.running = False
            if self.agent_id == agent_id:
                self.runs = [run_row(run), *self.runs][: evaluation.RUNS_SHOWN]
