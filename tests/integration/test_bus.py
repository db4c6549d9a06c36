"""The event bus: every listener (every worker) gets every event, after the commit,
as typed events; Redis outages never lose a stored message and the
listeners reconnect by themselves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from neurocache_ui.domain.events import PresenceChanged, TypingChanged
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.infra import bus
from neurocache_ui.services import messaging
from tests.integration.messaging_support import (
    Stores,
    make_channel,
    make_user,
    message_ids,
    setup_stores,
)


@pytest.fixture
def redis_stores(request: pytest.FixtureRequest, use_settings) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis")


class Listener:
    """One worker's subscription, recording what it saw (and checking, on
    arrival, that a created message is already in the database)."""

    def __init__(self, check: Callable[[int, dict[str, Any]], None] | None = None, *, only: int = 0) -> None:
        """`check` each event of channel `only` (of all channels with 0) as it arrives."""
        self.only = only
        self.ready = asyncio.Event()
        self.events: list[tuple[int, dict[str, Any]]] = []
        self.check = check
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for channel_id, event in bus.listen(ready=self.ready):
            if self.check is not None and self.only in (0, channel_id):
                await asyncio.to_thread(self.check, channel_id, event.model_dump(mode="json"))
            self.events.append((channel_id, event.model_dump(mode="json")))

    def types(self, channel_id: int) -> list[str]:
        return [e["type"] for c, e in self.events if c == channel_id]

    async def wait_for(self, count: int, channel_id: int, timeout: float = 10) -> None:
        async def enough() -> None:
            while len(self.types(channel_id)) < count:
                await asyncio.sleep(0.02)

        try:
            await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            died = self.task.done() and not self.task.cancelled() and self.task.exception()
            raise AssertionError(f"{count} events expected, saw {self.events}; listener error: {died!r}") from None

    def stop(self) -> None:
        self.task.cancel()


def committed(channel_id: int, event: dict[str, Any]) -> None:
    if event["type"] == "message.created":
        assert event["message"]["id"] in message_ids(channel_id), "event before commit"


async def test_every_listener_gets_message_events_after_commit(stores: Stores) -> None:
    ada = await asyncio.to_thread(make_user)
    channel = await asyncio.to_thread(make_channel, ada)
    workers = [Listener(committed, only=channel), Listener(committed, only=channel)]
    await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in workers)), 5)
    try:
        view = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="hello")
        edited = await asyncio.to_thread(messaging.edit_message, view.id, user_id=ada, content="hello!")
        await asyncio.to_thread(messaging.delete_message, view.id, user_id=ada)
        assert bus.publish(channel, PresenceChanged(names=["Ada"]))
        for worker in workers:
            await worker.wait_for(4, channel)
            assert worker.types(channel) == ["message.created", "message.updated", "message.deleted", "presence"]
            created, updated, deleted, presence = [e for c, e in worker.events if c == channel]
            assert MessageView.from_dict(created["message"]) == view
            assert MessageView.from_dict(updated["message"]) == edited
            assert deleted["message"]["id"] == view.id
            assert presence["names"] == ["Ada"]
    finally:
        for worker in workers:
            worker.stop()


async def test_bus_reconnects_after_a_redis_outage(redis_stores: Stores, redis_server) -> None:
    ada = await asyncio.to_thread(make_user)
    channel = await asyncio.to_thread(make_channel, ada)
    worker = Listener()
    await asyncio.wait_for(worker.ready.wait(), 5)
    try:
        first = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="one")
        await worker.wait_for(1, channel)

        await asyncio.to_thread(redis_server.stop)
        try:
            # Publishing fails, the message is stored anyway and acknowledged.
            lost = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="two")
            assert bus.publish(channel, TypingChanged()) is False
            await asyncio.wait_for(_until(lambda: not worker.ready.is_set()), 10)
        finally:
            await asyncio.to_thread(redis_server.start)
        await asyncio.wait_for(worker.ready.wait(), 15)
        assert (0, {"type": "bus.reconnected"}) in worker.events

        await asyncio.sleep(1.1)  # the cache skips Redis for a second after a failure
        third = await asyncio.to_thread(messaging.post_message, channel, user_id=ada, content="three")
        await worker.wait_for(2, channel)
        seen = [e["message"]["id"] for c, e in worker.events if c == channel]
        assert seen == [first.id, third.id]
        # The event of the outage is gone, the message is not: a reload shows all three.
        recent = await asyncio.to_thread(messaging.recent_messages, channel, viewer_id=ada)
        assert [m.id for m in recent] == [first.id, lost.id, third.id]
    finally:
        worker.stop()


async def _until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.05)


async def test_malformed_events_are_ignored(redis_stores: Stores) -> None:
    """A worker running other code (a rolling deploy) may publish what this one
    cannot read: it is skipped, and the events after it still arrive."""
    worker = Listener()
    try:
        await asyncio.wait_for(worker.ready.wait(), 10)
        redis_stores.raw_redis().publish(bus.TOPIC, b'{"channel_id": 1, "event": {"names": []}}')
        assert bus.publish(1, TypingChanged(user_id=2, name="Bob"))
        await worker.wait_for(1, 1)
        assert worker.events == [(1, {"type": "typing", "user_id": 2, "name": "Bob", "thread_id": 0})]
    finally:
        worker.stop()


async def test_the_first_event_after_a_redis_restart_is_not_lost(redis_stores: Stores, redis_server) -> None:
    """The pooled connection of before a restart is dead; publishing notices and
    sends on a new one, instead of losing that event and skipping Redis for a second."""
    assert bus.publish(1, TypingChanged(user_id=2, name="Bob"))  # the pool now holds a connection
    await asyncio.to_thread(redis_server.stop)
    await asyncio.to_thread(redis_server.start)
    worker = Listener()
    try:
        await asyncio.wait_for(worker.ready.wait(), 10)
        assert bus.publish(1, TypingChanged(user_id=3, name="Cy"))
        await worker.wait_for(1, 1)
        assert worker.events == [(1, {"type": "typing", "user_id": 3, "name": "Cy", "thread_id": 0})]
    finally:
        worker.stop()
