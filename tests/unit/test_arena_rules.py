"""The arena's pure rules: the command, the outcome of votes, Elo."""

from __future__ import annotations

import pytest

from neurocache_ui.domain import arena


def test_the_command_names_two_agents_and_a_question() -> None:
    assert arena.is_command("  /arena @scout @critic why?") and not arena.is_command("/arenas x")
    parsed = arena.parse("/arena @Scout  @critic-2 Which plan is cheaper?\nThink.")
    assert parsed == arena.ArenaCommand("scout", "critic-2", "Which plan is cheaper?\nThink.")
    for text in ("/arena", "/arena @scout why?", "/arena @scout @critic", "/arena scout critic why"):
        with pytest.raises(ValueError, match="/arena @first-agent"):
            arena.parse(text)
    with pytest.raises(ValueError, match="two different"):
        arena.parse("/arena @scout @SCOUT why?")


def test_the_outcome_is_the_majority_and_ties_count_for_neither() -> None:
    assert arena.outcome([]) is None
    assert arena.outcome(["a", "b", "a"]) == "a"
    assert arena.outcome(["b", "tie", "tie"]) == "b"
    assert arena.outcome(["a", "b", "tie"]) == "tie"


def test_elo_moves_ratings_by_k_32_and_keeps_their_sum() -> None:
    a, b = arena.rated(1000, 1000, "a")
    assert (a, b) == (1016, 984)
    a2, b2 = arena.rated(a, b, "tie")  # the stronger one loses points in a tie
    assert a2 < a and b2 > b and round(a2 + b2, 9) == 2000
    upset_a, _ = arena.rated(1200, 1000, "b")
    assert round(1200 - upset_a, 1) == 24.3  # an upset costs the favourite more
    assert arena.signed(16.4) == "+16" and arena.signed(-15.6) == "−16" and arena.signed(0.2) == "±0"
