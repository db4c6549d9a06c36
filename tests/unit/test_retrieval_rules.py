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
