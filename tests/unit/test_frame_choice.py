"""Which frames of a video an agent gets (domain/frame_choice.py): the floor per minute
spread in time, the ceiling per minute, the biggest scene changes first, the budget,
and a poster that shows something."""

from __future__ import annotations

from neurocache_ui.domain.frame_choice import Candidate, choose, poster, shortlist


def every(step_ms: int, duration_ms: int, score: float = 0.0) -> list[Candidate]:
    return [Candidate(at, score) for at in range(0, duration_ms, step_ms)]


def times(candidates: list[Candidate], chosen: list[int]) -> list[int]:
    return [candidates[index].at_ms for index in chosen]


def test_a_static_video_gets_its_floor_spread_over_each_minute() -> None:
    candidates = every(1000, 180_000)  # three minutes, nothing ever changes
    chosen = times(candidates, choose(candidates, duration_ms=180_000, budget=32, floor=2, ceiling=8))
    assert chosen == [15_000, 45_000, 75_000, 105_000, 135_000, 165_000]


def test_scene_changes_fill_what_the_floor_leaves_biggest_first() -> None:
    candidates = every(1000, 60_000)
    candidates[10] = Candidate(10_000, 0.9)
    candidates[20] = Candidate(20_000, 0.5)
    candidates[40] = Candidate(40_000, 0.02)  # below MIN_CHANGE: not worth a frame
    chosen = times(candidates, choose(candidates, duration_ms=60_000, budget=4, floor=2, ceiling=8))
    assert chosen == [10_000, 15_000, 20_000, 45_000]


def test_a_minute_of_fast_cuts_stops_at_the_ceiling() -> None:
    busy = [Candidate(at, 0.8) for at in range(0, 60_000, 500)]  # a cut every half second
    calm = [Candidate(60_000 + at, 0.1) for at in range(0, 60_000, 5000)]
    candidates = busy + calm
    chosen = times(candidates, choose(candidates, duration_ms=120_000, budget=32, floor=2, ceiling=8))
    assert sum(at < 60_000 for at in chosen) == 8
    assert sum(at >= 60_000 for at in chosen) == 8
    assert chosen == sorted(chosen)


def test_never_more_than_the_budget_even_when_the_floor_asks_more() -> None:
    candidates = every(1000, 20 * 60_000, score=0.5)  # 20 minutes, changing all the time
    chosen = times(candidates, choose(candidates, duration_ms=20 * 60_000, budget=32, floor=2, ceiling=8))
    assert len(chosen) == 32
    gaps = [later - earlier for earlier, later in zip(chosen, chosen[1:])]
    assert max(gaps) <= 40_000, "the budget is spread over the whole video"


def test_a_short_clip_keeps_each_scene() -> None:
    candidates = [Candidate(0, 1.0), Candidate(300, 0.0), Candidate(1000, 0.2), Candidate(2000, 0.3), Candidate(3000, 0.4)]
    assert times(candidates, choose(candidates, duration_ms=4000, budget=32, floor=2, ceiling=8)) == [0, 1000, 2000, 3000]


def test_nothing_to_choose_from() -> None:
    assert choose([], duration_ms=4000, budget=32, floor=2, ceiling=8) == []
    assert choose(every(1000, 4000), duration_ms=4000, budget=0, floor=2, ceiling=8) == []
    assert poster([], []) == -1


def test_the_poster_skips_a_black_opening() -> None:
    candidates = [Candidate(0, 1.0, content=0.0), Candidate(1000, 0.6, content=0.3), Candidate(2000, 0.4, content=0.5)]
    assert poster(candidates, [0, 1, 2]) == 1


def test_an_all_blank_video_still_has_a_poster() -> None:
    candidates = [Candidate(0, 1.0, content=0.0), Candidate(1000, 0.1, content=0.01)]
    assert poster(candidates, [0, 1]) == 1
    assert poster(candidates, []) == 1


def test_minutes_read_one_by_one_keep_what_the_whole_choice_wants() -> None:
    """Two minutes with a cut every second: each minute shortlisted on its own keeps
    exactly the frames the choice over everything takes, and 5-second spread ones."""
    candidates = [Candidate(at, 0.1 + (at % 7000) / 70_000) for at in range(0, 120_000, 1000)]
    kept = shortlist(candidates[:60], start_ms=0, end_ms=60_000, floor=2, ceiling=8)
    kept += [60 + index for index in shortlist(candidates[60:], start_ms=60_000, end_ms=120_000, floor=2, ceiling=8)]
    assert len(kept) <= 2 * (2 + 8 + 12) and kept == sorted(kept)
    assert all(any(abs(candidates[index].at_ms - point) <= 500 for index in kept) for point in range(2500, 120_000, 5000))
    whole = [candidates[index].at_ms for index in choose(candidates, duration_ms=120_000, budget=32, floor=2, ceiling=8)]
    short = [candidates[index] for index in kept]
    assert [short[index].at_ms for index in choose(short, duration_ms=120_000, budget=32, floor=2, ceiling=8)] == whole
