"""Retrieval test sets and cited passages (services/knowledge/evaluation.py,
citations.py), on Postgres and on SQLite: a run asks `search` exactly as a reply
would and scores hit@k and MRR; a cited passage opens for the agent's owner, and
for channel members only when the owner lets them."""

from __future__ import annotations

import pytest

from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.retrieval_scores import first_rank, scores
from neurocache_ui.domain.tools import Source
from neurocache_ui.services import agents, knowledge, messaging
from neurocache_ui.services.knowledge import citations, evaluation
from tests.integration.messaging_support import make_agent, make_channel, make_user
from tests.integration.test_knowledge import ONBOARDING, PRICING, REFUNDS


def test_first_rank_hits_and_mrr() -> None:
    assert first_rank([5, 7, 7, 9], {7}) == 2 and first_rank([5, 6], {7}) is None
    assert scores([1, None, 2, 4]) == (3, pytest.approx((1 + 0 + 0.5 + 0.25) / 4))
    assert scores([]) == (0, 0.0)


@pytest.fixture
def library(database: str) -> tuple[int, int, dict[str, int]]:
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    docs = {name: knowledge.add_document(user, agent, name, text.encode()).id
            for name, text in (("pricing.md", PRICING), ("refunds.txt", REFUNDS), ("onboarding.txt", ONBOARDING))}
    return user, agent, docs


async def test_a_run_scores_the_set_as_a_reply_would_search_and_keeps_the_history(library) -> None:
    user, agent, docs = library
    with pytest.raises(Invalid, match="Add a question"):
        await evaluation.run(user, agent)
    evaluation.add_question(user, agent, "What does the Pro plan cost each month?", [docs["pricing.md"]])
    evaluation.add_question(user, agent, "Can I get my money back?", [docs["refunds.txt"]])
    evaluation.add_question(user, agent, "quantum chromodynamics", [docs["onboarding.txt"]])  # nothing finds it
    first = await evaluation.run(user, agent)
    assert (first.k, first.questions) == (4, 3)
    ranks = [d["rank"] for d in first.details]
    expected_found = [knowledge.search(agent, d["question"], 4) for d in first.details]
    assert [d["found"] for d in first.details] == [[h.document_id for h in hits] for hits in expected_found]  # the same search
    assert ranks[2] is None and first.hits == sum(r is not None for r in ranks)
    assert first.mrr == pytest.approx(sum(1 / r for r in ranks if r) / 3, abs=1e-4)
    assert first.setup["documents"] == 3 and first.setup["passages"] >= 3
    assert (first.setup["chunk_size"], first.setup["chunk_overlap"], first.setup["embedding_model"]) == (800, 150, "wordllama-256")
    knowledge.delete_document(user, docs["pricing.md"])
    second = await evaluation.run(user, agent)
    assert second.details[0]["rank"] is None  # the change shows in the score
    assert [run.id for run in evaluation.list_runs(user, agent)] == [second.id, first.id]


def test_questions_are_checked_and_belong_to_their_agent(library) -> None:
    user, agent, docs = library
    stranger = make_user("Eve")
    with pytest.raises(Invalid, match="Write the question"):
        evaluation.add_question(user, agent, "   ", [docs["pricing.md"]])
    with pytest.raises(Invalid, match="Choose the document"):
        evaluation.add_question(user, agent, "What does it cost?", [])
    other = make_agent(user, "Other")
    foreign = knowledge.add_document(user, other, "other.txt", b"Something else entirely.").id
    with pytest.raises(Invalid, match="this agent's knowledge"):
        evaluation.add_question(user, agent, "What does it cost?", [foreign])
    with pytest.raises(NotFound):
        evaluation.add_question(stranger, agent, "What does it cost?", [docs["pricing.md"]])
    kept = evaluation.add_question(user, agent, "  What   does it cost? ", [docs["pricing.md"], docs["pricing.md"]])
    assert kept.question == "What does it cost?" and kept.expected == (docs["pricing.md"],)
    with pytest.raises(NotFound):
        evaluation.delete_question(stranger, agent, kept.id)
    evaluation.delete_question(user, agent, kept.id)
    assert evaluation.list_questions(user, agent) == []


def test_a_cited_passage_opens_for_the_owner_and_for_members_only_when_shared(library) -> None:
    user, agent_id, docs = library
    bob, eve = make_user("Bob"), make_user("Eve")
    channel_id = make_channel(user, bob)
    [hit] = knowledge.search(agent_id, "refund within days", 1)
    reply = messaging.post_message(channel_id, agent_id=agent_id, content="You have 14 days.")
    reply = messaging.update_agent_message(reply.id, agent_id=agent_id, content="You have 14 days.",
                                           sources=[Source(hit.filename, "", hit.document_id, hit.chunk_id)])
    assert reply.sources[0].is_knowledge and reply.sources[0].document_id == docs["refunds.txt"]

    mine = citations.cited_passage(user, reply.id, hit.chunk_id)
    assert (mine.filename, mine.text, mine.agent_slug) == ("refunds.txt", hit.content, agents.get_agent(user, agent_id).slug)
    with pytest.raises(Forbidden, match="keeps its passages private"):
        citations.cited_passage(bob, reply.id, hit.chunk_id)
    with pytest.raises(NotFound):
        citations.cited_passage(eve, reply.id, hit.chunk_id)  # not a member: nothing to find
    with pytest.raises(NotFound):
        citations.cited_passage(user, reply.id, hit.chunk_id + 999)  # not a passage this reply cites
    agents.update_agent(user, agent_id, {"share_cited_passages": True})
    shared = citations.cited_passage(bob, reply.id, hit.chunk_id)
    assert shared.text == hit.content and shared.agent_slug is None
    knowledge.delete_document(user, docs["refunds.txt"])
    with pytest.raises(NotFound, match="document was deleted"):
        citations.cited_passage(user, reply.id, hit.chunk_id)

