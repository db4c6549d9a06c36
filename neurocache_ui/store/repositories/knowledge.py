"""Knowledge documents, their passages, and full-text search over one agent's
passages with the database's own engine (objects made by migration 0002):
Postgres' `search_vector` tsvector (english stemming, GIN index, BM25 below),
SQLite's `knowledge_chunk_fts` FTS5 table (porter stemming, `bm25`). Vectors and
the background indexer's claims: knowledge_index.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument


def documents_of(session: Session, agent_id: int) -> Sequence[KnowledgeDocument]:
    """Newest first."""
    return session.scalars(
        sa.select(KnowledgeDocument)
        .where(KnowledgeDocument.agent_id == agent_id)
        .order_by(KnowledgeDocument.created_at.desc(), KnowledgeDocument.id.desc())  # type: ignore[union-attr,attr-defined]
    ).all()


def owned_document(session: Session, owner_id: int, document_id: int) -> KnowledgeDocument | None:
    """The document, if both it and its agent are the owner's."""
    return session.scalars(
        sa.select(KnowledgeDocument)
        .join(Agent, Agent.id == KnowledgeDocument.agent_id)  # type: ignore[arg-type]
        .where(KnowledgeDocument.id == document_id, KnowledgeDocument.owner_id == owner_id, Agent.owner_id == owner_id)
    ).first()


def delete_document(session: Session, document: KnowledgeDocument) -> None:
    # Explicit, not only ON DELETE CASCADE: the search index follows either way.
    session.execute(sa.delete(KnowledgeChunk).where(KnowledgeChunk.document_id == document.id))  # type: ignore[arg-type]
    session.delete(document)
    bump_stamp(session, document.agent_id)


def bump_stamp(session: Session, agent_id: int) -> None:
    """The agent's passages or vectors changed: every process's cached matrix reloads."""
    session.execute(sa.update(Agent).where(Agent.id == agent_id).values(knowledge_stamp=Agent.knowledge_stamp + 1))  # type: ignore[arg-type]


# BM25 (k1 1.2, b 0.75, as SQLite's FTS5) over the tsvector matches: the GIN index finds
# the candidates (any term), document frequencies are counted among them (every passage
# holding a term is a candidate), the length is the number of distinct lexemes. A term's
# count in a passage comes from ts_rank of that term alone, which for unweighted lexemes is
# 0.1 * sum(1/j^2, j=1..tf) / (pi^2/6): so tf ~ 1 / (pi^2/6 - rank * 10 * pi^2/6) - 1/2.
# Both CTEs are MATERIALIZED: inlined, each word's tsquery was parsed again for every
# passage it was tested against, and the candidates were read once per word (-25% time).
_POSTGRES_SEARCH = sa.text(
    """
    WITH terms AS (
        SELECT t.ord, to_tsquery('english', t.term) AS q
        FROM unnest(CAST(:terms AS text[])) WITH ORDINALITY AS t(term, ord)
    ), live AS MATERIALIZED (
        SELECT ord, q FROM terms WHERE numnode(q) > 0
    ), cand AS MATERIALIZED (
        SELECT c.id, c.search_vector AS v, length(c.search_vector) AS dl
        FROM knowledge_chunk AS c
        WHERE c.agent_id = :agent_id AND c.search_vector @@ to_tsquery('english', :expression)
    ), hits AS (
        SELECT cand.id, cand.dl, live.ord,
               least(50.0, 1.0 / greatest(0.001, 1.644934 - 16.449341 * ts_rank(cand.v, live.q, 0)) - 0.5) AS tf
        FROM cand JOIN live ON cand.v @@ live.q
    ), df AS (
        SELECT ord, count(*) AS n FROM hits GROUP BY ord
    )
    SELECT hits.id, sum(
        ln(1 + (:total - df.n + 0.5) / (df.n + 0.5))
        * hits.tf * 2.2 / (hits.tf + 1.2 * (0.25 + 0.75 * hits.dl / :avgdl))
    ) AS score
    FROM hits JOIN df USING (ord)
    GROUP BY hits.id
    ORDER BY score DESC, hits.id
    LIMIT :limit
    """
)

_SQLITE_SEARCH = sa.text(
    """
    SELECT c.id, -bm25(knowledge_chunk_fts) AS score
    FROM knowledge_chunk_fts
    JOIN knowledge_chunk AS c ON c.id = knowledge_chunk_fts.rowid
    WHERE knowledge_chunk_fts MATCH :terms AND c.agent_id = :agent_id
    ORDER BY bm25(knowledge_chunk_fts), c.id
    LIMIT :limit
    """
)


@dataclass(frozen=True)
class TextStats:
    """What full text needs of one agent's passages beyond the index, read once per
    knowledge stamp (services/knowledge/vectors.py keeps it beside the matrix)."""

    passages: int = 0
    mean_length: float = 1.0
    """Postgres' BM25 needs both (SQLite's FTS5 keeps its own)."""
    lexeme_counts: Mapping[str, int] = field(default_factory=dict)
    """Postgres: how many of the agent's passages hold each stemmed word (ts_stat),
    so a question's words can be weighed before any of them is searched."""


def text_stats(session: Session, agent_id: int) -> TextStats:
    """The agent's TextStats: one pass over its tsvectors on Postgres (~0.3 s at 50,000
    passages), nothing on SQLite (FTS5 counts a word's passages itself, see term_counts)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return TextStats()
    total, mean = conn.execute(
        sa.text("SELECT count(*), avg(length(search_vector)) FROM knowledge_chunk WHERE agent_id = :agent_id"),
        {"agent_id": agent_id},
    ).one()
    # ts_stat takes a query as text: the agent id is an int, formatted, not user input.
    counts = conn.execute(sa.text(
        f"SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM knowledge_chunk WHERE agent_id = {int(agent_id)}')"
    )).all()
    return TextStats(int(total), float(mean or 1.0), {str(word): int(n) for word, n in counts})


def term_counts(session: Session, terms: Sequence[str], stats: TextStats) -> dict[str, int]:
    """{term: passages the engine reads to match it} for `terms` (\\w words). Postgres:
    the agent's passages holding the term's stem (from `stats`; a word new since they
    were read counts 0). SQLite: the word's passages in the whole FTS5 table, every
    agent's (one posting-list count each, ~0.2 ms): that is what FTS5 scans for the
    word before keeping the agent's rows, and what its bm25 takes the IDF from."""
    if not terms:
        return {}
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            sa.text("SELECT t, tsvector_to_array(to_tsvector('english', t)) FROM unnest(CAST(:terms AS text[])) AS t"),
            {"terms": list(terms)},
        ).all()
        return {str(term): max((stats.lexeme_counts.get(lexeme, 0) for lexeme in lexemes), default=0)
                for term, lexemes in rows}
    count = sa.text("SELECT count(*) FROM knowledge_chunk_fts WHERE knowledge_chunk_fts MATCH :term")
    return {term: int(conn.execute(count, {"term": f'"{term}"'}).scalar_one()) for term in terms}


def search(
    session: Session, agent_id: int, terms: Sequence[str], limit: int, stats: TextStats = TextStats()
) -> list[tuple[int, float]]:
    """(passage id, BM25 score) of the agent's passages sharing any of `terms`
    (words made of \\w characters only), best first; `stats` from `text_stats`."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        expression = " | ".join(f"'{term}'" for term in terms)  # \w+ words: no quotes or operators inside
        # A generic plan (psycopg prepares a statement run 5 times) cannot see how rare
        # the words are and reads every passage of the agent: plan for these words.
        conn.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))
        params = {"terms": list(terms), "expression": expression, "agent_id": agent_id, "limit": limit,
                  "total": max(stats.passages, 1), "avgdl": max(stats.mean_length, 1.0)}
        rows = conn.execute(_POSTGRES_SEARCH, params).all()
    else:
        expression = " OR ".join(f'"{term}"' for term in terms)  # FTS5 strings; \w+ has no '"'
        rows = conn.execute(_SQLITE_SEARCH, {"terms": expression, "agent_id": agent_id, "limit": limit}).all()
    return [(int(row.id), float(row.score)) for row in rows]


def passages(session: Session, agent_id: int, ids: Sequence[int]) -> dict[int, sa.Row[Any]]:
    """(id, document_id, ordinal, content, filename) of those of `ids` that are still the agent's."""
    if not ids:
        return {}
    rows = session.execute(
        sa.select(KnowledgeChunk.id, KnowledgeChunk.document_id, KnowledgeChunk.ordinal, KnowledgeChunk.content,
                  KnowledgeDocument.filename)
        .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)  # type: ignore[arg-type]
        .where(KnowledgeChunk.agent_id == agent_id, KnowledgeChunk.id.in_(list(ids)))  # type: ignore[union-attr]
    ).all()
    return {int(row.id): row for row in rows}


def cited(session: Session, chunk_id: int) -> sa.Row[Any] | None:
    """(content, filename, owner_id, slug, share_cited_passages) of a passage and its agent."""
    return session.execute(
        sa.select(KnowledgeChunk.content, KnowledgeDocument.filename, Agent.owner_id, Agent.slug, Agent.share_cited_passages)
        .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeChunk.document_id)  # type: ignore[arg-type]
        .join(Agent, Agent.id == KnowledgeDocument.agent_id)  # type: ignore[arg-type]
        .where(KnowledgeChunk.id == chunk_id)
    ).first()
