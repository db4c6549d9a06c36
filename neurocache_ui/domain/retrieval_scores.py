"""How well a search finds what it should, for a retrieval test set: the rank of
the first passage from an expected document, hit@k and mean reciprocal rank."""

from __future__ import annotations

from collections.abc import Collection, Sequence


def first_rank(found: Sequence[int], expected: Collection[int]) -> int | None:
    """1-based position of the first passage (given as its document id) that comes
    from an expected document; None when none of them was found."""
    return next((position for position, document_id in enumerate(found, 1) if document_id in expected), None)


def scores(ranks: Sequence[int | None]) -> tuple[int, float]:
    """(hits, MRR) over questions' first ranks within the searched k: a hit is any
    found rank; MRR averages 1/rank (0 for a miss), 0.0 for no questions."""
    if not ranks:
        return 0, 0.0
    return sum(rank is not None for rank in ranks), sum(1 / rank for rank in ranks if rank) / len(ranks)
