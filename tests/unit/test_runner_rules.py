"""The reply rules (domain/reply_rules.py): mentions and who replies; how a reply
is stored (agent_runs/delivery.py); the 50 ms throttle (agent_runs/throttle.py)."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime

import pytest

from neurocache_ui.domain import reply_rules
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services.agent_runs.delivery import compose
from neurocache_ui.services.agent_runs.throttle import Flusher
from neurocache_ui.store.models import Agent


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("@scout go", {"scout"}),
        ("hey @Scout, go", {"scout"}),
        ("(@scout)", {"scout"}),
        ("@scout.", {"scout"}),
        ("ask @scout-2", {"scout-2"}),
        ("mail bob@scout.com", set()),
        ("@scouting", set()),
        ("@@scout", set()),
        ("@scout and @critic", {"scout", "critic"}),
    ],
)
def test_mentions_are_whole_slugs(text: str, found: set[str]) -> None:
    assert reply_rules.mentions(text, ["scout", "scout-2", "critic"]) == found


def view(kind: str, content: str, agent_id: int | None = None) -> MessageView:
    now = datetime.now(UTC)
    user_id = 1 if kind == "user" else None
    return MessageView(1, 1, user_id, agent_id, "X", kind, content, "complete", now, None)  # type: ignore[arg-type]


def agent(agent_id: int, slug: str, mode: str = "mentions") -> Agent:
    return Agent(id=agent_id, owner_id=1, slug=slug, name=slug.title(), model="m", reply_mode=mode)


def test_who_replies() -> None:
    team = [agent(1, "scout"), agent(2, "greeter", "all")]

    def ids(message: MessageView, hop: int = 0) -> list[int | None]:
        return [a.id for a in reply_rules.choose_repliers(message, team, hop)]

    assert ids(view("user", "hello")) == [2]
    assert ids(view("user", "@scout hello")) == [1, 2]
    assert ids(view("agent", "done", agent_id=1), 1) == []  # "all" is for people's messages
    assert ids(view("agent", "@greeter over to you", agent_id=1), 1) == [2]
    assert ids(view("agent", "@scout and @greeter", agent_id=2), 1) == [1]  # never itself
    assert ids(view("agent", "@greeter", agent_id=1), reply_rules.HOP_LIMIT) == []
    assert ids(view("system", "@scout")) == []


def test_compose() -> None:
    assert compose("Hi.", outcome="ok", error=None, stopped_by="", cut=False) == ("Hi.", "complete")
    assert compose("Hal", outcome="stopped", error=None, stopped_by="Bob", cut=False) == (
        "Hal\n\n⏹ Stopped by Bob.",
        "incomplete",
    )
    assert compose("", outcome="error", error="Boom.", stopped_by="", cut=False) == (
        "⚠️ Boom.",
        "error",
    )
    assert compose("Part", outcome="timeout", error="Slow.", stopped_by="", cut=False) == (
        "Part\n\n⚠️ Slow.",
        "incomplete",
    )


async def test_the_flusher_sends_at_most_once_per_interval() -> None:
    sent: list[tuple[float, str]] = []

    async def send(text: str) -> None:
        sent.append((time.monotonic(), text))

    flusher = Flusher(send, interval=0.05)
    started = time.monotonic()
    for i in range(100):  # a token every 5 ms for half a second
        flusher.update(f"t{i}")
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.06)
    await flusher.close()
    assert sent[0][1] == "t0" and sent[0][0] - started < 0.01  # the first goes out at once
    assert sent[-1][1] == "t99"  # the newest text is never lost
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.049
    # One send per interval at most: a loaded machine stretches the half second of
    # tokens, so the ceiling follows the time it really took.
    span = sent[-1][0] - started
    assert 8 <= len(sent) <= span / 0.05 + 2
    flusher.update("after close")
    await asyncio.sleep(0.06)
    assert sent[-1][1] == "t99"
