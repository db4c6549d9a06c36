"""Which of a video's candidate frames an agent gets, and which one is its poster.

Every frame costs a model the same tokens, so a video gets at most `budget` of them
(settings.media_frames). Within it: every minute gets at least `floor` frames, spread
over the minute (a talk with no cuts is still seen throughout), and at most `ceiling`
(a minute of fast cuts does not eat the budget); what the floor leaves is given to the
biggest scene changes first. A change too small to see (MIN_CHANGE) adds no frame.
The poster is the first chosen frame that shows something: videos often open on black."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

MINUTE_MS = 60_000
MIN_CHANGE = 0.03
"""The smallest scene-change score (0..1) worth a frame beyond the floor."""
POSTER_CONTENT = 0.04
"""The least `content` a poster needs: a black, white or one-colour frame has about 0."""


@dataclass(frozen=True)
class Candidate:
    """A frame the decoder offers: when it is (ms from the start), how much it differs
    from the candidate before it (0 same .. 1 all different), and how much it shows
    (the spread of its brightness, 0 for a blank frame)."""

    at_ms: int
    score: float
    content: float = 1.0


def choose(candidates: Sequence[Candidate], *, duration_ms: int, budget: int, floor: int, ceiling: int) -> list[int]:
    """Indexes into `candidates` of the frames to keep, in time order."""
    if budget <= 0 or not candidates:
        return []
    order = sorted(range(len(candidates)), key=lambda index: candidates[index].at_ms)
    duration_ms = max(duration_ms, candidates[order[-1]].at_ms + 1)
    targets = _floor_targets(duration_ms, floor)
    if len(targets) > budget:  # too long for the floor: the budget, evenly over the whole video
        step = duration_ms / budget
        targets = [int((slot + 0.5) * step) for slot in range(budget)]
    chosen: set[int] = set()
    for target in targets:
        free = [index for index in order if index not in chosen]
        if not free:
            break
        chosen.add(min(free, key=lambda index: (abs(candidates[index].at_ms - target), -candidates[index].score)))
    per_minute = _count_per_minute(candidates, chosen)
    for index in sorted(order, key=lambda index: -candidates[index].score):
        if len(chosen) >= budget or candidates[index].score < MIN_CHANGE:
            break
        minute = candidates[index].at_ms // MINUTE_MS
        if index not in chosen and per_minute.get(minute, 0) < ceiling:
            chosen.add(index)
            per_minute[minute] = per_minute.get(minute, 0) + 1
    return sorted(chosen, key=lambda index: candidates[index].at_ms)


def _floor_targets(duration_ms: int, floor: int) -> list[int]:
    """Moments (ms) the floor asks a frame near: `floor` per whole minute, evenly spread,
    and a share of them for a last, shorter minute (at least one)."""
    targets: list[int] = []
    for start in range(0, duration_ms, MINUTE_MS):
        length = min(MINUTE_MS, duration_ms - start)
        wanted = max(1, math.ceil(floor * length / MINUTE_MS)) if floor > 0 else 0
        targets += [start + int((slot + 0.5) * length / wanted) for slot in range(wanted)]
    return targets


def _count_per_minute(candidates: Sequence[Candidate], chosen: set[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for index in chosen:
        minute = candidates[index].at_ms // MINUTE_MS
        counts[minute] = counts.get(minute, 0) + 1
    return counts


SPREAD_PER_MINUTE = 12
"""Candidates a stretch keeps evenly spread (one per 5 s), for a video too long for its
floor, whose frames are spread over the whole of it instead."""


def shortlist(candidates: Sequence[Candidate], *, start_ms: int, end_ms: int, floor: int, ceiling: int) -> list[int]:
    """Indexes (time order) of the candidates of one minute of a video worth holding on
    to until the whole video is read: all `choose` would take from it (its floor and
    its ceiling of scene changes), and one per 5 s. A long video's hundreds of
    candidates (and their pictures) never pile up waiting."""
    shifted = [Candidate(candidate.at_ms - start_ms, candidate.score, candidate.content) for candidate in candidates]
    length = end_ms - start_ms
    wanted = choose(shifted, duration_ms=length, budget=floor + ceiling, floor=floor, ceiling=ceiling)
    spread = choose(shifted, duration_ms=length, budget=SPREAD_PER_MINUTE, floor=SPREAD_PER_MINUTE, ceiling=SPREAD_PER_MINUTE)
    return sorted(set(wanted) | set(spread), key=lambda index: candidates[index].at_ms)


def poster(candidates: Sequence[Candidate], chosen: Sequence[int]) -> int:
    """The index of the poster: the first chosen frame with content, else the chosen
    (or, with none chosen, any) frame that shows the most. -1 without candidates."""
    pool = list(chosen) or sorted(range(len(candidates)), key=lambda index: candidates[index].at_ms)
    if not pool:
        return -1
    for index in pool:
        if candidates[index].content >= POSTER_CONTENT:
            return index
    return max(pool, key=lambda index: candidates[index].content)


__all__ = ["Candidate", "MIN_CHANGE", "POSTER_CONTENT", "SPREAD_PER_MINUTE", "choose", "poster", "shortlist"]
