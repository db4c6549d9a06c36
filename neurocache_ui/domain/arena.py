"""The channel arena's rules: reading `/arena @a @b question`, the outcome of a
match's votes, and Elo ratings (K=32, start 1000), as pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Choice = Literal["a", "b", "tie"]
CHOICES: tuple[Choice, ...] = ("a", "b", "tie")
START_RATING = 1000.0
K_FACTOR = 32.0
COMMAND = "/arena"
USAGE = "Write “/arena @first-agent @second-agent your question”: two of this channel's agents answer it side by side."

_COMMAND = re.compile(r"^/arena(?:\s+|$)", re.IGNORECASE)
_MENTION = re.compile(r"@([a-z0-9][a-z0-9-]*)", re.IGNORECASE)


@dataclass(frozen=True)
class ArenaCommand:
    first: str
    second: str
    question: str


class NotACommand(ValueError):
    """The text is not an arena command (it is sent as a message)."""


def is_command(text: str) -> bool:
    return bool(_COMMAND.match((text or "").lstrip()))


def parse(text: str) -> ArenaCommand:
    """`/arena @a @b question`: the two agents' slugs (lower-cased) and the question.
    ValueError with a message for people when something is missing or repeated."""
    rest = _COMMAND.sub("", (text or "").strip(), count=1)
    slugs: list[str] = []
    while len(slugs) < 2:
        found = _MENTION.match(rest.lstrip())
        if found is None:
            break
        slugs.append(found.group(1).lower())
        rest = rest.lstrip()[found.end():]
    question = rest.strip()
    if len(slugs) < 2 or not question:
        raise ValueError(USAGE)
    if slugs[0] == slugs[1]:
        raise ValueError("Choose two different agents for the arena.")
    return ArenaCommand(slugs[0], slugs[1], question)


def outcome(votes: list[Choice]) -> Choice | None:
    """The match's result: the answer with more votes (a tie vote counts for neither),
    "tie" when they are even; None without any vote."""
    if not votes:
        return None
    a, b = votes.count("a"), votes.count("b")
    return "a" if a > b else "b" if b > a else "tie"


def expected(rating: float, other: float) -> float:
    """The chance Elo gives `rating` of beating `other`."""
    return 1.0 / (1.0 + 10 ** ((other - rating) / 400.0))


def rated(a: float, b: float, result: Choice) -> tuple[float, float]:
    """Both ratings after one game (K=32); the sum of the two is unchanged."""
    score = {"a": 1.0, "b": 0.0, "tie": 0.5}[result]
    change = K_FACTOR * (score - expected(a, b))
    return a + change, b - change


def signed(delta: float) -> str:
    """A rating change as people read it: "+16", "−16", "±0"."""
    rounded = round(delta)
    return "±0" if rounded == 0 else f"+{rounded}" if rounded > 0 else f"−{-rounded}"


@dataclass(frozen=True)
class Reveal:
    """What the card shows once the names are out."""

    winner: str  # "a", "b", "tie", or "none" (revealed without votes)
    name_a: str
    name_b: str
    tally: dict[str, int]
    rating_a: float | None
    rating_b: float | None
    delta_a: float
    delta_b: float


def card(
    *, answers: tuple[tuple[str, str], tuple[str, str]], started_by: int | None, voters: list[int], reveal: Reveal | None
) -> dict[str, object]:
    """The card every member sees on the arena's message: the answers as "A" and "B"
    ((text, status) each), who has voted (not how), and the names and ratings only once
    revealed. "answering" until both answers are finished, then "voting", then "revealed"."""
    finished = all(status != "streaming" for _, status in answers)
    state = "revealed" if reveal is not None else "voting" if finished else "answering"
    shown: dict[str, object] = {
        "state": state,
        "a": {"text": answers[0][0], "status": answers[0][1]},
        "b": {"text": answers[1][0], "status": answers[1][1]},
        "started_by": started_by or 0,
        "voters": voters,
        "votes": len(voters),
    }
    if reveal is not None:
        shown["result"] = {
            "winner": reveal.winner,
            "a": reveal.name_a,
            "b": reveal.name_b,
            "tally": reveal.tally,
            "a_rating": "" if reveal.rating_a is None else str(round(reveal.rating_a)),
            "b_rating": "" if reveal.rating_b is None else str(round(reveal.rating_b)),
            "a_delta": signed(reveal.delta_a),
            "b_delta": signed(reveal.delta_b),
        }
    return shown
