"""Hybrid retrieval's rules, without I/O: which of a question's words full text
searches, reciprocal rank fusion of the full-text and vector rankings, and spreading
the chosen passages over documents.

Why RRF: BM25 scores and cosines are on scales that cannot be compared (and BM25's
changes with every query), ranks can. A passage's fused score is the sum over the
lists it is in of weight / (RRF_K + rank); RRF_K = 60 is the value of the original
paper (Cormack et al., 2009), which keeps the top few of either list from drowning
the other. Full text and vectors weigh the same: exact words (names, codes, rare
terms) are full text's strength, paraphrase is the vectors', and a question shows
neither in advance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

POSTINGS_BUDGET = 2_000
"""How many passages full text may read for one question (the sum of its searched
words' passage counts) before it leaves out the commonest words."""
RRF_K = 60
TEXT_WEIGHT = 1.0
VECTOR_WEIGHT = 1.0
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


def fuse(text: Sequence[int], vector: Sequence[int], *, k: int = RRF_K,
         text_weight: float = TEXT_WEIGHT, vector_weight: float = VECTOR_WEIGHT) -> list[Fused]:
    """Passage ids of both rankings (best first), by fused score, best first; ranks are 1-based."""
    text_ranks = {passage: rank for rank, passage in enumerate(text, 1)}
    vector_ranks = {passage: rank for rank, passage in enumerate(vector, 1)}
    fused = []
    for passage in dict.fromkeys([*text, *vector]):
        t, v = text_ranks.get(passage), vector_ranks.get(passage)
        score = (text_weight / (k + t) if t else 0.0) + (vector_weight / (k + v) if v else 0.0)
        fused.append(Fused(passage, score, t, v))
    fused.sort(key=lambda item: (-item.score, min(item.text_rank or 10**9, item.vector_rank or 10**9), item.passage_id))
    return fused


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
