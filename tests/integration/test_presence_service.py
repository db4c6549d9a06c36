"""services/presence.py on real Redis and in-process: announcing yourself tells
the channel only when its roster changed, and typing is news for its viewers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import pytest

from neurocache_ui.domain.events import (
    Event,
    PresenceChanged,
    TeamChanged,
    TypingChanged,
)
from neurocache_ui.infra import bus
from neurocache_ui.services import presence


@pytest.fixture(params=["redis", "memory"])
def backend(request: pytest.FixtureRequest, use_settings: Callable[..., None]) -> str:
    use_settings(REDIS_URL=request.getfixturevalue("redis_server").url if request.param == "redis" else None)
    return request.param


async def _heard(channel_id: int, action: Callable[[], object]) -> tuple[object, list[Event]]:
    """`action()`'s result and the events of `channel_id` a listener heard meanwhile."""
    ready = asyncio.Event()
    heard: list[Event] = []

    async def listen() -> None:
        async for channel, event in bus.listen(ready=ready):
            if channel == channel_id:
                if isinstance(event, TeamChanged):  # the marker: all before it has arrived
                    return
                heard.append(event)

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 5)
    result = await asyncio.to_thread(action)
    bus.publish(channel_id, TeamChanged())
    await asyncio.wait_for(listener, 10)
    return result, heard


async def test_announcing_tells_the_channel_only_when_the_roster_changed(backend: str) -> None:
    channel = uuid.uuid4().int % 10**12
    names, heard = await _heard(channel, lambda: presence.announce(channel, 1, "Ada", shown=[]))
    assert names == ["Ada"] and heard == [PresenceChanged(names=["Ada"])]

    names, heard = await _heard(channel, lambda: presence.announce(channel, 1, "Ada", shown=["Ada"]))
    assert names is None and heard == []  # a heartbeat alone is no news

    names, heard = await _heard(channel, lambda: presence.announce(channel, 2, "Bob", shown=["Ada"]))
    assert names == ["Ada", "Bob"] and heard == [PresenceChanged(names=["Ada", "Bob"])]


async def test_typing_is_news_that_says_who_and_where(backend: str) -> None:
    channel = uuid.uuid4().int % 10**12
    _, heard = await _heard(channel, lambda: presence.typing(channel, 2, "Bob  Smith"))
    assert heard == [TypingChanged(user_id=2, name="Bob Smith", thread_id=0)]
    _, heard = await _heard(channel, lambda: presence.typing(channel, 3, "Cy", 77))
    assert heard == [TypingChanged(user_id=3, name="Cy", thread_id=77)]  # typing in thread 77
