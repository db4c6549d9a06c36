"""core.usage_writer: events recorded off the request path, in batches; minute buckets."""

from __future__ import annotations

from datetime import timedelta

from neurocache_ui.services import usage, usage_writer
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Agent, utcnow
from tests.integration.messaging_support import make_agent, make_user


def test_enqueued_events_are_written_and_counted(database: str) -> None:
    user = make_user()
    agent = make_agent(user)
    before = usage_writer.latest_event_id(user)
    for i in range(120):
        usage_writer.enqueue(user, source="api", agent_id=agent, prompt_tokens=2, completion_tokens=1, latency_ms=i,
                             outcome="error" if i % 10 == 0 else "ok")
    assert usage_writer.flush(10)
    total = usage.totals(user, utcnow() - timedelta(minutes=5))
    assert (total.requests, total.prompt_tokens, total.completion_tokens, total.errors) == (120, 240, 120, 12)
    assert usage_writer.latest_event_id(user) > before


def test_a_deleted_agent_does_not_lose_the_batch(database: str) -> None:
    user = make_user()
    agent = make_agent(user)
    with session_scope() as session:
        session.delete(session.get(Agent, agent))
    usage_writer.enqueue(user, source="hub", agent_id=agent)
    usage_writer.enqueue(user, source="hub")
    assert usage_writer.flush(10)
    rows = usage.summarize(user, utcnow() - timedelta(minutes=5), "agent")
    assert [(r.key, r.requests) for r in rows] == [(None, 2)]


def test_minute_buckets_fill_the_last_hour(database: str) -> None:
    user = make_user()
    now = utcnow()
    usage.record(user, source="api", latency_ms=10, created_at=now - timedelta(minutes=3))
    usage.record(user, source="api", latency_ms=30, created_at=now - timedelta(minutes=3))
    rows = usage.summarize(user, now - timedelta(hours=1), "minute", until=now)
    assert 60 <= len(rows) <= 61
    busy = [r for r in rows if r.requests]
    assert len(busy) == 1 and busy[0].requests == 2 and busy[0].latency_p50_ms == 20.0
