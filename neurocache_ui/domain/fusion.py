"""Hybrid retrieval's rules, without I/O: which of a question's words full text
searches, the fusion of the full-text and vector rankings, and spreading the chosen
passages over documents.

Fusion is a convex combination of normalised scores (Bruch, Gai and Ingber, "An
Analysis of Fusion Functions for Hybrid Retrieval", 2023): a passage's fused score is
VECTOR_WEIGHT x its cosine on a 0..1 scale from the floor of relatedness to the
question's best cosine, plus (1 - VECTOR_WEIGHT) x its BM25 divided by the question's
best BM25; a list a passage is not in gives it 0. Unlike reciprocal rank fusion (used
before), it keeps how far ahead a passage is: RRF with k = 60 over two 50-deep lists
ranked a passage both lists found at 10th above one that either found first by a wide
margin. Measured on two question sets and both backends (docs/PERFORMANCE.md): +1-2
hits at 4 and a higher MRR on each; vectors weigh more since, for questions worded
unlike the documents, they are the better ranking (MRR 0.26 vs 0.19 full text)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

POSTINGS_BUDGET = 2_000
"""How many passages full text may read for one question (the sum of its searched
words' passage counts) before it leaves out the commonest words."""
VECTOR_WEIGHT = 0.6
PER_DOCUMENT = 2
"""At most this many passages of one document among the first `limit` (while other documents have matches)."""


@dataclass(frozen=True)
class Fused:
    passage_id: int
    score: float
    text_rank: int | None
    vector_rank: int | None


def bounded_terms(counts: Mapping[str, int], budget: int = POSTINGS_BUDGET) -> list[str]:
    """The words of `counts` ({word: passages holding it}, in the question's order) that
    full text searches: rarest first while their passages add up to at most `budget`,
    and always the rarest. Full-text time grows with the passages read, and in a large
    knowledge base a question's everyday words ("file", "value", "number") are in
    thousands of passages while adding almost nothing to BM25 (a word in a fifth of the
    passages weighs ~1.6, one in 20 of 50,000 ~7.8); leaving them out bounds the time
    at any size and changes nothing in a small base, where every word fits the budget."""
    kept: set[str] = set()
    total = 0
    for word in sorted(counts, key=lambda item: counts[item]):  # stable: ties keep the question's order
        if kept and total + counts[word] > budget:
            break
        kept.add(word)
        total += counts[word]
    return [word for word in counts if word in kept]


def fuse(text: Sequence[tuple[int, float]], vector: Sequence[tuple[int, float]], *, floor: float = 0.0,
         vector_weight: float = VECTOR_WEIGHT) -> list[Fused]:
    """(passage id, score) of both rankings (best first: BM25 > 0, cosine) fused, best
    first; ranks are 1-based. `floor`: the cosine that counts as unrelated (scaled to 0)."""
    text_ranks = {passage: rank for rank, (passage, _) in enumerate(text, 1)}
    vector_ranks = {passage: rank for rank, (passage, _) in enumerate(vector, 1)}
    best_text = max((score for _, score in text), default=0.0)
    best_vector = max((score for _, score in vector), default=floor)
    scores: dict[int, float] = {}
    for passage, score in text:
        scores[passage] = (1 - vector_weight) * score / best_text if best_text > 0 else 0.0
    for passage, score in vector:
        scaled = max(0.0, score - floor) / (best_vector - floor) if best_vector > floor else 0.0
        scores[passage] = scores.get(passage, 0.0) + vector_weight * scaled
    fused = [Fused(passage, score, text_ranks.get(passage), vector_ranks.get(passage)) for passage, score in scores.items()]
    fused.sort(key=lambda item: (-item.score, min(item.text_rank or 10**9, item.vector_rank or 10**9), item.passage_id))
    return fused


def distinct(ranked: Sequence[Fused], content_of: Mapping[int, str]) -> list[Fused]:
    """`ranked` without the passages whose text (spaces and case aside) an earlier one
    already has: the same file uploaded twice, or a page crawled under two addresses,
    would otherwise fill the few passages a reply reads with one text several times."""
    seen: set[str] = set()
    kept: list[Fused] = []
    for item in ranked:
        content = content_of.get(item.passage_id)
        if content is None:
            continue
        key = " ".join(content.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def spread(ranked: Sequence[Fused], document_of: Mapping[int, int], limit: int, per_document: int = PER_DOCUMENT) -> list[Fused]:
    """The first `limit` of `ranked` with at most `per_document` passages of one document,
    so four passages are not four pieces of one file when others match too; if there are
    not enough other documents, the passages skipped fill up the rest in order."""
    chosen: list[Fused] = []
    skipped: list[Fused] = []
    counts: dict[int, int] = {}
    for item in ranked:
        document = document_of.get(item.passage_id)
        if document is None:  # deleted since the ranking was made
            continue
        if counts.get(document, 0) >= per_document:
            skipped.append(item)
            continue
        counts[document] = counts.get(document, 0) + 1
        chosen.append(item)
        if len(chosen) == limit:
            return chosen
    filled = chosen + skipped[: limit - len(chosen)]
    return sorted(filled, key=lambda item: ranked.index(item)) if skipped else filled
