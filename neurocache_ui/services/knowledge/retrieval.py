"""Finding an agent's passages for a question: the one function every caller uses
(channel replies, Try it, the API, the collective). Two rankings, fused:
- full text: a question's words are OR-ed (common English words dropped; the engine
  stems), ranked by BM25, so a passage ranks higher the more (and rarer) words it
  shares; user text reaches the query language only as quoted \\w+ terms; in a large
  knowledge base the words in thousands of passages are left out when rarer ones
  exist (domain/fusion.bounded_terms), which bounds the time;
- vectors: the passages nearest the question in meaning (services/knowledge/vectors.py),
  embedded with their document's title and heading (services/knowledge/indexing.py)."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from neurocache_ui.domain import fusion
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.infra import embeddings
from neurocache_ui.services.knowledge import vectors
from neurocache_ui.services.knowledge.access import UNAVAILABLE, owned_agent
from neurocache_ui.services.usage.recorder import UsageRecord, enqueue
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import knowledge as repo

log = logging.getLogger(__name__)

SEARCH_LIMIT_MAX = 20
CANDIDATES = 50
"""How deep each ranking goes before fusion."""
READ_FACTOR = 5
"""The passages read for a search of `limit`: the first READ_FACTOR x limit fused, enough
for duplicates and passages of one document to be skipped (domain/fusion.py)."""
VECTOR_FLOOR = 0.2
"""A passage found by its vector alone must be at least this similar (cosine) to the
question: below it, it is about something else, and a reply is better off without it."""
QUERY_WORDS_MAX = 32
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not now of off on once only or other our ours ourselves out over own same she should
    so some such than that the their theirs them themselves then there these they this those through to
    too under until up very was we were what when where which while who whom why will with would you
    your yours yourself yourselves please tell know""".split()
)


@dataclass(frozen=True)
class SearchHit:
    """A passage found for a query, and why: its places in the full-text and vector
    rankings (1 = first; None = not among their first CANDIDATES) and the fused score
    (higher is better; comparable within one search only)."""

    filename: str
    content: str
    score: float
    document_id: int
    chunk_id: int
    ordinal: int
    text_rank: int | None = None
    vector_rank: int | None = None


@dataclass(frozen=True)
class Rankings:
    """Passage ids of full text alone and of vectors alone, best first (bench, evaluation)."""

    text: list[int]
    vector: list[int]
    text_scores: list[float]
    """BM25 of each of `text`."""
    vector_scores: list[float]
    """Cosine of each of `vector`."""
    model: str
    """The embedding model of `vector` (its list is empty while no passage has a vector of it)."""


_WORD = re.compile(r"\w+")


def query_terms(query: str) -> list[str]:
    """Distinct meaningful words of a question, lower-cased, in order (at most QUERY_WORDS_MAX)."""
    terms: list[str] = []
    for word in _WORD.findall(unicodedata.normalize("NFC", query or "").lower()):
        word = word.strip("_")
        if len(word) < 2 or word in STOP_WORDS or word in terms:
            continue
        terms.append(word)
        if len(terms) == QUERY_WORDS_MAX:
            break
    return terms


def _query_vector(index: vectors.AgentIndex, agent_id: int, query: str) -> np.ndarray | None:
    """The question's vector, or None (full text alone) when the provider's embeddings fail."""
    try:
        done = embeddings.embedder().embed([query])
    except NeurocacheError as error:
        log.warning("query embedding for agent %s failed, full text only: %s", agent_id, error)
        return None
    if done.calls:
        enqueue(UsageRecord(index.owner_id, "hub", model=done.model, prompt_tokens=done.prompt_tokens,
                            latency_ms=done.latency_ms, agent_id=agent_id))
    return done.vectors[0]


def rankings(agent_id: int, query: str, depth: int = CANDIDATES, *, owner_id: int | None = None) -> Rankings:
    """The first `depth` passages by full text alone and by vectors alone. With
    `owner_id`, an agent that is not that user's is NotFound."""
    terms = query_terms(query)
    model = embeddings.current_model()
    with database_guard(UNAVAILABLE), session_scope() as session:
        if owner_id is not None:
            owned_agent(session, owner_id, agent_id)
        index = vectors.agent_index(session, agent_id, model) if terms else None
        if index is None:
            return Rankings([], [], [], [], model)
        searched = fusion.bounded_terms(repo.term_counts(session, terms, index.text_stats))
        matched = repo.search(session, agent_id, searched, depth, index.text_stats)
    text = [passage for passage, _ in matched]
    query_vector = _query_vector(index, agent_id, query) if len(index.ids) else None
    nearest = index.nearest(query_vector, depth) if query_vector is not None else []
    nearest = [(passage, score) for passage, score in nearest if score >= VECTOR_FLOOR or passage in text]
    return Rankings(text, [passage for passage, _ in nearest], [score for _, score in matched],
                    [score for _, score in nearest], model)


def search(agent_id: int, query: str, limit: int = 4, *, owner_id: int | None = None) -> list[SearchHit]:
    """The agent's passages that best match `query`, best first: full text and
    vectors fused (domain/fusion.py), no text twice, at most PER_DOCUMENT passages of
    a document among them while others match. [] when nothing matches or the query has no
    meaningful words. With `owner_id`, an agent that is not that user's is NotFound.
    Every caller uses this one function (replies, Try it, the API, the collective)."""
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    found = rankings(agent_id, query, max(CANDIDATES, limit), owner_id=owner_id)
    fused = fusion.fuse(list(zip(found.text, found.text_scores, strict=True)),
                        list(zip(found.vector, found.vector_scores, strict=True)), floor=VECTOR_FLOOR)
    if not fused:
        return []
    with database_guard(UNAVAILABLE), session_scope() as session:
        rows = repo.passages(session, agent_id, [item.passage_id for item in fused[: READ_FACTOR * limit]])
    fused = fusion.distinct(fused, {passage: row.content for passage, row in rows.items()})
    chosen = fusion.spread(fused, {passage: row.document_id for passage, row in rows.items()}, limit)
    return [
        SearchHit(
            filename=rows[item.passage_id].filename,
            content=rows[item.passage_id].content,
            score=round(item.score, 6),
            document_id=rows[item.passage_id].document_id,
            chunk_id=item.passage_id,
            ordinal=rows[item.passage_id].ordinal,
            text_rank=item.text_rank,
            vector_rank=item.vector_rank,
        )
        for item in chosen
    ]
