"""Hybrid knowledge retrieval on Postgres and on SQLite: BM25 full text fused with
vectors (built-in and the provider's), re-embedding when the model changes,
re-chunking when the agent's chunk settings change."""

from __future__ import annotations

import sqlalchemy as sa

from neurocache_ui.domain import fusion
from neurocache_ui.infra import embeddings
from neurocache_ui.services import agents, knowledge
from neurocache_ui.services.knowledge import indexing, retrieval, vectors
from neurocache_ui.services.usage import recorder
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import KnowledgeChunk, KnowledgeDocument, UsageEvent
from neurocache_ui.store.repositories import knowledge as repo
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import make_agent, make_user

DOCUMENTS = {
    "refunds.txt": "Customers can request a refund within 14 days of purchase. Refunds are paid back to the "
                   "original payment method within five working days.",
    "espresso.txt": "Descale the espresso machine every two months with citric acid. Rinse the water tank afterwards.",
    "onboarding.txt": "Onboarding checklist: create your first agent, invite teammates, connect a model provider.",
    "battery.txt": "Batteries are covered by a warranty of two years. Replacement cells ship within a week.",
    "vacation.txt": "Employees receive twenty-five paid holidays annually; unused days expire in March.",
}
PARAPHRASE = "how much time off do workers get each year"
"""Shares no word with vacation.txt."""


def learn(user: int, agent: int, documents: dict[str, str] = DOCUMENTS) -> dict[str, int]:
    return {name: knowledge.add_document(user, agent, name, text.encode()).id for name, text in documents.items()}


def chunk_models(agent: int) -> list[str | None]:
    with get_engine().connect() as conn:
        return list(conn.execute(sa.select(KnowledgeChunk.embedding_model).where(KnowledgeChunk.agent_id == agent)).scalars())


def test_hybrid_finds_a_paraphrase_full_text_misses(unshared_database: str) -> None:
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    ids = learn(user, agent)
    assert set(chunk_models(agent)) == {embeddings.BUILTIN_MODEL}  # embedded as they were added

    [found] = [hit for hit in retrieval.search(agent, PARAPHRASE, 4) if hit.document_id == ids["vacation.txt"]]
    assert (found.text_rank, found.vector_rank) == (None, 1) and found.score > 0
    assert found.chunk_id not in retrieval.rankings(agent, PARAPHRASE).text  # full text alone misses it

    # A question full text answers keeps its full-text rank, and vectors agree.
    [hit, *_] = retrieval.search(agent, "descale the espresso machine", 2)
    assert hit.document_id == ids["espresso.txt"] and hit.text_rank == 1 and hit.vector_rank == 1
    # Nothing related: no passage at all rather than the least unrelated ones.
    assert retrieval.search(agent, "quantum chromodynamics") == []


def test_bm25_ranks_a_rare_term_above_a_common_one(unshared_database: str) -> None:
    """Postgres' ts_rank has no IDF: the passages repeating the common word won there."""
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    common = {f"common{i}.txt": "Alpha alpha alpha report about alpha numbers and alpha checks." for i in range(6)}
    ids = learn(user, agent, {**common, "rare.txt": "A short note on zeta, and one alpha."})
    text = retrieval.rankings(agent, "alpha zeta").text
    assert len(text) == 7
    with get_engine().connect() as conn:
        first_document = conn.execute(sa.select(KnowledgeChunk.document_id).where(KnowledgeChunk.id == text[0])).scalar()
    assert first_document == ids["rare.txt"]


def test_term_counts_weigh_words_before_searching(unshared_database: str) -> None:
    """What bounds full text (domain/fusion.bounded_terms): each word's passages, read
    from the agent's cached statistics on Postgres and from FTS5's index on SQLite."""
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    learn(user, agent, {f"z{i}.txt": f"Zorbit gauge number {i} is calibrated yearly." for i in range(3)}
          | {"p.txt": "A plimsoll line marks the safe load of a ship."})
    with session_scope() as session:
        index = vectors.agent_index(session, agent, embeddings.current_model())
        assert index is not None
        counts = repo.term_counts(session, ["zorbit", "plimsoll", "nothere"], index.text_stats)
    assert counts == {"zorbit": 3, "plimsoll": 1, "nothere": 0}
    assert fusion.bounded_terms(counts, 2) == ["plimsoll", "nothere"]
    assert len(retrieval.rankings(agent, "zorbit plimsoll").text) == 4  # the budget leaves a small base alone


def test_duplicate_passages_are_read_once(unshared_database: str) -> None:
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    ids = learn(user, agent, {"refunds-copy.txt": DOCUMENTS["refunds.txt"], **DOCUMENTS})
    hits = retrieval.search(agent, "refund purchase", 4)
    assert len({hit.content for hit in hits}) == len(hits)
    assert [hit.document_id for hit in hits].count(ids["refunds.txt"]) + \
        [hit.document_id for hit in hits].count(ids["refunds-copy.txt"]) == 1


def test_passages_of_one_document_are_spread(unshared_database: str) -> None:
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    long_refunds = " ".join(f"Refund rule {i}: a refund within {i} days of purchase is possible." for i in range(40))
    ids = learn(user, agent, {"long.txt": long_refunds, **DOCUMENTS})
    hits = retrieval.search(agent, "refund purchase days", 4)
    assert sum(hit.document_id == ids["long.txt"] for hit in hits) == 2
    assert ids["refunds.txt"] in {hit.document_id for hit in hits}


def test_provider_embeddings_with_usage_then_reembedding_on_model_change(
    unshared_database: str, fake_provider: FakeOpenAIServer, use_settings
) -> None:
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    ids = learn(user, agent)
    embedded = indexing.progress(user, agent)
    assert (embedded.model, embedded.embedded, embedded.total, embedded.done) == (embeddings.BUILTIN_MODEL, 5, 5, True)

    use_settings(DATABASE_URL=unshared_database, **fake_provider.env(), NEUROCACHE_EMBEDDING_MODEL="fake-embed")
    waiting = indexing.progress(user, agent)
    assert (waiting.model, waiting.embedded, waiting.total, waiting.done) == ("fake-embed", 0, 5, False)
    # Meanwhile: full text alone (the built-in vectors are another model's), no provider call.
    [hit] = retrieval.search(agent, "descale espresso", 1)
    assert hit.document_id == ids["espresso.txt"] and hit.vector_rank is None and hit.text_rank == 1
    assert fake_provider.requests() == []

    while indexing.index_round():
        pass
    assert set(chunk_models(agent)) == {"fake-embed"}
    assert indexing.progress(user, agent).done
    calls = [r for r in fake_provider.requests() if r["path"] == "/v1/embeddings"]
    assert calls and all(r["body"]["model"] == "fake-embed" for r in calls)
    assert any(text.startswith("vacation\nEmployees") for r in calls for text in r["body"]["input"])  # titled
    with get_engine().connect() as conn:
        usage = conn.execute(sa.select(UsageEvent.model, UsageEvent.prompt_tokens, UsageEvent.agent_id)
                             .where(UsageEvent.user_id == user)).all()
    assert usage and all(model == "fake-embed" and tokens > 0 and row_agent == agent for model, tokens, row_agent in usage)

    [hit] = retrieval.search(agent, "descale espresso machine", 1)  # the question is embedded by the provider too
    assert hit.document_id == ids["espresso.txt"] and hit.vector_rank is not None
    assert fake_provider.requests()[-1]["body"]["input"] == ["descale espresso machine"]
    recorder.flush()
    with get_engine().connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(UsageEvent).where(UsageEvent.user_id == user)).scalar() == len(usage) + 1


def test_provider_outage_leaves_full_text_and_the_indexer_retries(
    unshared_database: str, fake_provider: FakeOpenAIServer, use_settings
) -> None:
    use_settings(DATABASE_URL=unshared_database, **fake_provider.env(), NEUROCACHE_EMBEDDING_MODEL="fake-embed",
                 NEUROCACHE_LLM_MAX_RETRIES="1")
    fake_provider.configure(fail_status=401, fail_times=-1)
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    note = "Zanzibar ferry timetable: boats leave the harbour at nine."
    [document_id] = learn(user, agent, {"ferry.txt": note}).values()  # stored although embedding failed
    assert chunk_models(agent) == [None]
    [hit] = retrieval.search(agent, "zanzibar ferry", 1)
    assert hit.document_id == document_id and hit.vector_rank is None

    def tries() -> int:
        return sum(1 for r in fake_provider.requests() if r["path"] == "/v1/embeddings"
                   and any("Zanzibar" in text for text in r["body"]["input"]))

    assert tries() == 1  # a 401 is not retried
    indexing.index_round(limit=1000)
    assert tries() == 2
    indexing.index_round(limit=1000)  # held back for RETRY_AFTER: no busy loop against a failing provider
    assert tries() == 2 and chunk_models(agent) == [None]


def test_chunk_settings_rechunk_in_the_background(unshared_database: str) -> None:
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    text = "\n\n".join(f"Section {i}. " + "The warranty covers parts and labour for defects. " * 6 for i in range(8))
    [document_id] = learn(user, agent, {"warranty.md": text}).values()
    before = knowledge.get_document(user, document_id).chunk_count

    agents.update_agent(user, agent, {"chunk_size": 300, "chunk_overlap": 50})
    assert indexing.progress(user, agent).rechunking == 1
    assert retrieval.search(agent, "warranty labour", 1)  # still searchable meanwhile
    while indexing.index_round():
        pass
    after = knowledge.get_document(user, document_id).chunk_count
    assert after > before and indexing.progress(user, agent).rechunking == 0
    with get_engine().connect() as conn:
        lengths = conn.execute(sa.select(sa.func.max(sa.func.length(KnowledgeChunk.content)))
                               .where(KnowledgeChunk.document_id == document_id)).scalar()
        stored = conn.execute(sa.select(KnowledgeDocument.chunk_size, KnowledgeDocument.chunk_overlap)
                              .where(KnowledgeDocument.id == document_id)).one()
    assert lengths <= 300 and tuple(stored) == (300, 50)
    assert set(chunk_models(agent)) == {embeddings.BUILTIN_MODEL}  # the new passages have vectors
    [hit] = retrieval.search(agent, "warranty labour", 1)
    assert hit.document_id == document_id and hit.vector_rank is not None


def test_embed_document_with_nothing_to_do(unshared_database: str) -> None:
    calls: list[tuple[int, int]] = []
    indexing.embed_document(10**9, lambda done, total: calls.append((done, total)))  # no such document
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    [document_id] = learn(user, agent, {"espresso.txt": DOCUMENTS["espresso.txt"]}).values()
    indexing.embed_document(document_id, lambda done, total: calls.append((done, total)))  # already embedded
    assert calls == [(0, 0)]
