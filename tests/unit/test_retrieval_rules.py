"""Hybrid retrieval's pure rules (domain/fusion.py): which words full text searches,
fusion of the two rankings, spreading over documents."""

from __future__ import annotations

from neurocache_ui.domain import fusion


def test_bounded_terms_leave_out_the_commonest_words_beyond_the_budget() -> None:
    counts = {"file": 7_000, "wipe": 16, "folder": 0, "everything": 400, "inside": 190}
    # 0 + 16 + 190 + 400 fit in 1,000; "file" would read 7,000 more passages.
    assert fusion.bounded_terms(counts, 1_000) == ["wipe", "folder", "everything", "inside"]
    assert fusion.bounded_terms(counts, 500) == ["wipe", "folder", "inside"]
    # A small knowledge base: every word fits, nothing is left out.
    assert fusion.bounded_terms(counts, 10_000) == list(counts)


def test_bounded_terms_always_keep_the_rarest_word() -> None:
    assert fusion.bounded_terms({"value": 9_000, "object": 12_000}, 1_000) == ["value"]
    assert fusion.bounded_terms({}, 1_000) == []


def test_fusion_keeps_a_clear_first_place_above_middling_agreement() -> None:
    """Passage 7 is far ahead on vectors; 3 is 10th in both lists (RRF put it first)."""
    text = [(p, 10.0 - p * 0.5) for p in (1, 2, 4, 5, 6, 8, 9, 10, 11, 3)]
    vector = [(7, 0.9)] + [(p, 0.45 - i * 0.01) for i, p in enumerate((12, 13, 14, 15, 16, 17, 18, 19, 3))]
    fused = fusion.fuse(text, vector, floor=0.2)
    assert fused[0].passage_id == 7 and (fused[0].text_rank, fused[0].vector_rank) == (None, 1)
    assert fused[0].score == 0.6  # the vector weight: best cosine, no full-text match
    assert {item.passage_id for item in fused} == {p for p, _ in text} | {p for p, _ in vector}
    assert fusion.fuse([], []) == []


def test_fusion_scales_cosines_from_the_floor() -> None:
    fused = fusion.fuse([(1, 3.0)], [(2, 0.8), (1, 0.2)], floor=0.2)
    assert [(item.passage_id, round(item.score, 3)) for item in fused] == [(2, 0.6), (1, 0.4)]


def test_distinct_drops_a_text_seen_before() -> None:
    ranked = [fusion.Fused(p, 1.0 / p, p, None) for p in (1, 2, 3, 4)]
    content = {1: "Refunds within 14 days.", 2: "refunds  within 14 DAYS.", 3: "Shipping takes a week."}
    assert [item.passage_id for item in fusion.distinct(ranked, content)] == [1, 3]  # 4: deleted meanwhile
