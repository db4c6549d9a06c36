"""Finding an agent's passages for a question: the one function every caller uses
(channel replies, Try it, the API, the collective). A question's words are OR-ed
(common English words dropped), so a passage ranks higher the more (and rarer)
words it shares; user text reaches the query language only as quoted \\w+ terms."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from neurocache_ui.services.knowledge.documents import UNAVAILABLE, owned_agent
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import knowledge as repo

SEARCH_LIMIT_MAX = 20
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
    """A passage found for a query; higher `rank` is better (comparable within one search only)."""

    filename: str
    content: str
    rank: float
    document_id: int
    chunk_id: int
    ordinal: int


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


def search(agent_id: int, query: str, limit: int = 4, *, owner_id: int | None = None) -> list[SearchHit]:
    """The agent's passages that best match `query`, best first ([] when
    nothing matches or the query has no meaningful words). With `owner_id`,
    an agent that is not that user's is NotFound."""
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    terms = query_terms(query)
    with database_guard(UNAVAILABLE), session_scope() as session:
        if owner_id is not None:
            owned_agent(session, owner_id, agent_id)
        rows = repo.search(session, agent_id, terms, limit) if terms else []
    return [
        SearchHit(
            filename=row.filename,
            content=row.content,
            rank=float(row.score),
            document_id=row.document_id,
            chunk_id=row.id,
            ordinal=row.ordinal,
        )
        for row in rows
    ]
