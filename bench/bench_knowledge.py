"""Knowledge retrieval: quality, ingestion and latency, on Postgres and SQLite.

Quality: Python's standard-library docstrings as one agent's knowledge (~3,100 short
documents, PSF licence, bench/knowledge_corpus.py) and 65 questions in a user's words
(bench/knowledge_questions.py); a second set, the language reference's 79 help topics
(long documents) and 25 questions (bench/knowledge_topics.py), checks that a change
helps in general. hit@4 (the answer's document among the 4 passages a reply reads) and
MRR@10 for full text alone, vectors alone (built-in embeddings) and hybrid
(`retrieval.search`, what replies use). Goal: hybrid hit@4 >= 1.3x full text.
Ingestion: 5,000 small files through `knowledge.add_document` (the one add path:
extract, chunk, store, embed), documents/s. Latency: `retrieval.search` p95 over an
agent with 50,000 passages (goal <= 50 ms), and the first search's cold matrix load.
Exits 1 when a goal is missed.
Usage: .venv/bin/python bench/bench_knowledge.py [--no-sqlite] [--no-postgres] [--quick]"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sqlalchemy as sa
from sqlmodel import Session
import knowledge_topics
from knowledge_corpus import documents
from knowledge_questions import QUESTIONS

from neurocache_ui.domain.chunking import chunk_text, embedding_text, title_of
from neurocache_ui.infra import embeddings
from neurocache_ui.services import knowledge
from neurocache_ui.services.knowledge import retrieval, vectors
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument, User, utcnow
from neurocache_ui.store.repositories.knowledge import bump_stamp
from testkit.database import fresh_database, migrate
from testkit.stats import percentile

QUICK = "--quick" in sys.argv
logging.getLogger("neurocache_ui").setLevel(logging.WARNING)  # one line per added document otherwise
INGEST_FILES = 1_000 if QUICK else 5_000
LATENCY_PASSAGES = 10_000 if QUICK else 50_000
HIT_K = 4
MRR_DEPTH = 10
GOAL_RATIO = 1.3
GOAL_P95_MS = 50.0


def make_agent(name: str) -> tuple[int, int]:
    with session_scope() as session:
        user = User(name=name, email=f"{name.lower()}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        agent = Agent(owner_id=user.id, slug=name.lower(), name=name, model="fake-model")
        session.add(agent)
        session.flush()
        assert user.id is not None and agent.id is not None
        return user.id, agent.id


def first_rank(found: list[int], expected: int, depth: int) -> int | None:
    return next((rank for rank, document in enumerate(found[:depth], 1) if document == expected), None)


def quality(agent: int, ids: dict[str, int], questions: list[tuple[str, str]] = QUESTIONS) -> dict[str, tuple[int, float]]:
    """{method: (hits@4, MRR@10)}."""
    ranks: dict[str, list[int | None]] = {"full text": [], "vectors": [], "hybrid": []}
    misses: list[str] = []
    for question, expected_name in questions:
        expected = ids[expected_name + ".txt"]
        found = retrieval.rankings(agent, question, MRR_DEPTH)
        with session_scope() as session:
            rows = knowledge_rows(session, found.text + found.vector)
        ranks["full text"].append(first_rank([rows[p] for p in found.text], expected, MRR_DEPTH))
        ranks["vectors"].append(first_rank([rows[p] for p in found.vector], expected, MRR_DEPTH))
        hybrid = [hit.document_id for hit in retrieval.search(agent, question, MRR_DEPTH)]
        ranks["hybrid"].append(first_rank(hybrid, expected, MRR_DEPTH))
        if ranks["hybrid"][-1] is None or ranks["hybrid"][-1] > HIT_K:
            misses.append(question)
    if "--misses" in sys.argv:
        print("  hybrid misses:", *misses, sep="\n    ")
    return {
        method: (sum(1 for r in found if r is not None and r <= HIT_K), statistics.fmean(1 / r if r else 0 for r in found))
        for method, found in ranks.items()
    }


def knowledge_rows(session: Session, passage_ids: list[int]) -> dict[int, int]:
    """{passage id: its document id}."""
    if not passage_ids:
        return {}
    rows = session.execute(sa.select(KnowledgeChunk.id, KnowledgeChunk.document_id).where(KnowledgeChunk.id.in_(passage_ids)))
    return dict(rows.all())


def ingest(owner: int, agent: int, files: dict[str, str]) -> tuple[dict[str, int], float]:
    """Each file through the one add path; ({filename: document id}, documents/s)."""
    ids: dict[str, int] = {}
    began = time.perf_counter()
    for name, text in files.items():
        ids[name] = knowledge.add_document(owner, agent, name, text.encode()).id
    return ids, len(files) / (time.perf_counter() - began)


def seed_passages(owner: int, agent: int, corpus: dict[str, str], target: int) -> int:
    """`target` passages (the corpus' passages again and again), vectors included, in bulk."""
    pieces = [(name, chunk) for name, text in corpus.items() for chunk in chunk_text(text)]
    vectors_of = embeddings.BuiltinEmbedder().embed([embedding_text(title_of(n), "", c) for n, c in pieces]).vectors
    blobs = [embeddings.to_bytes(v) for v in vectors_of]
    made = 0
    copy = 0
    while made < target:
        with get_engine().begin() as conn:
            docs = conn.execute(
                sa.insert(KnowledgeDocument).returning(KnowledgeDocument.id),
                [{"agent_id": agent, "owner_id": owner, "filename": f"copy{copy}-{name}", "content_type": "text/plain",
                  "size_bytes": len(corpus[name]), "chunk_count": 1, "embedding_model": embeddings.BUILTIN_MODEL,
                  "created_at": utcnow()}
                 for name in dict.fromkeys(n for n, _ in pieces)],
            ).scalars().all()
            by_name = dict(zip(dict.fromkeys(n for n, _ in pieces), docs, strict=True))
            rows = [{"document_id": by_name[name], "agent_id": agent, "ordinal": 0, "content": chunk,
                     "embedding": blob, "embedding_model": embeddings.BUILTIN_MODEL}
                    for (name, chunk), blob in zip(pieces, blobs, strict=True)][: target - made]
            conn.execute(sa.insert(KnowledgeChunk), rows)
            made += len(rows)
        copy += 1
    with session_scope() as session:
        bump_stamp(session, agent)
        if session.connection().dialect.name == "postgresql":
            session.execute(sa.text("ANALYZE knowledge_chunk"))
    return made


def latency(agent: int) -> tuple[float, float, float]:
    """(cold first search ms, warm p50 ms, warm p95 ms) over the questions, three rounds."""
    vectors.forget()
    began = time.perf_counter()
    retrieval.search(agent, QUESTIONS[0][0], HIT_K)
    cold = (time.perf_counter() - began) * 1000
    samples = []
    for _ in range(3):
        for question, _ in QUESTIONS:
            began = time.perf_counter()
            retrieval.search(agent, question, HIT_K)
            samples.append((time.perf_counter() - began) * 1000)
    return cold, percentile(samples, 50), percentile(samples, 95)


def measure(label: str, url: str) -> bool:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)
    os.environ.pop("NEUROCACHE_EMBEDDING_MODEL", None)
    get_settings.cache_clear()
    vectors.forget()
    corpus = documents()
    owner, agent = make_agent("Librarian")
    ids, rate = ingest(owner, agent, corpus)
    print(f"{label}: corpus of {len(corpus):,} documents ingested at {rate:.0f} documents/s")
    scores = quality(agent, ids)
    for method, (hits, mrr) in scores.items():
        print(f"  {method:<10} hit@{HIT_K} {hits:>2}/{len(QUESTIONS)}  MRR@{MRR_DEPTH} {mrr:.3f}")
    ratio = scores["hybrid"][0] / max(1, scores["full text"][0])
    print(f"  hybrid / full text: {ratio:.2f}x (goal >= {GOAL_RATIO}x)")
    owner_t, agent_t = make_agent("Reference")
    topic_ids, _ = ingest(owner_t, agent_t, knowledge_topics.documents())
    print(f"  second set (language reference, {len(topic_ids)} long documents, {len(knowledge_topics.QUESTIONS)} questions; no goal):")
    for method, (hits, mrr) in quality(agent_t, topic_ids, knowledge_topics.QUESTIONS).items():
        print(f"  {method:<10} hit@{HIT_K} {hits:>2}/{len(knowledge_topics.QUESTIONS)}  MRR@{MRR_DEPTH} {mrr:.3f}")

    owner2, agent2 = make_agent("Ingester")
    small = {f"file{i:05d}-{name}": text for i, (name, text) in
             zip(range(INGEST_FILES), (item for _ in range(3) for item in corpus.items()), strict=False)}
    _, rate = ingest(owner2, agent2, small)
    print(f"  ingestion: {len(small):,} small files at {rate:.0f} documents/s (add_document: extract, chunk, store, embed)")

    owner3, agent3 = make_agent("Archivist")
    made = seed_passages(owner3, agent3, corpus, LATENCY_PASSAGES)
    cold, p50, p95 = latency(agent3)
    print(f"  search at {made:,} passages: first (loads the matrix) {cold:.0f} ms, then p50 {p50:.1f} ms, "
          f"p95 {p95:.1f} ms (goal p95 <= {GOAL_P95_MS:.0f} ms)")
    return ratio >= GOAL_RATIO and p95 <= GOAL_P95_MS


def main() -> int:
    ok = True
    if "--no-postgres" not in sys.argv:
        with fresh_database("nc_bench") as url:
            ok &= measure("postgres", url)
    if "--no-sqlite" not in sys.argv:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrate(url)
            ok &= measure("sqlite", url)
            get_engine().dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
