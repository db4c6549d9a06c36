"""services.usage's batched writer: records stored off the request path, in batches,
exactly as `record` stores them; minute buckets."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra.llm import CompletionResult
from neurocache_ui.services import usage
from neurocache_ui.services.usage import UsageRecord
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import Agent, UsageEvent, utcnow
from tests.integration.messaging_support import make_agent, make_user


def test_enqueued_events_are_written_and_counted(database: str) -> None:
    user = make_user()
    agent = make_agent(user)
    before = usage.latest_event_id(user)
    for i in range(120):
        usage.enqueue(UsageRecord(user, "api", agent_id=agent, prompt_tokens=2, completion_tokens=1, latency_ms=i,
                                  outcome="error" if i % 10 == 0 else "ok"))
    assert usage.flush(10)
    total = usage.totals(user, utcnow() - timedelta(minutes=5))
    assert (total.requests, total.prompt_tokens, total.completion_tokens, total.errors) == (120, 240, 120, 12)
    assert usage.latest_event_id(user) > before


def test_both_ways_store_the_same_row_and_refuse_the_same_input(database: str) -> None:
    user = make_user()
    agent = make_agent(user)
    result = CompletionResult(
        text="hi", model="m" * 150, outcome="stopped", prompt_tokens=-1, completion_tokens=4, latency_ms=70
    )
    now_id = usage.record_result(user, result, source="hub", agent_id=agent)
    usage.enqueue_result(user, result, source="hub", agent_id=agent)
    assert usage.flush(10)
    columns = (UsageEvent.source, UsageEvent.model, UsageEvent.prompt_tokens, UsageEvent.completion_tokens,
               UsageEvent.latency_ms, UsageEvent.outcome, UsageEvent.agent_id)
    with get_engine().connect() as conn:
        rows = conn.execute(sa.select(*columns).where(UsageEvent.user_id == user).order_by(UsageEvent.id)).all()
    assert len(rows) == 2 and rows[0] == rows[1]
    assert rows[0] == ("hub", "m" * 100, 0, 4, 70, "stopped", agent) and now_id is not None
    for bad in ({"source": "cli"}, {"source": "hub", "outcome": "maybe"}):
        with pytest.raises(Invalid):
            UsageRecord(user, **bad)  # type: ignore[arg-type]


def test_a_deleted_agent_does_not_lose_the_batch(database: str) -> None:
    user = make_user()
    agent = make_agent(user)
    with session_scope() as session:
        session.delete(session.get(Agent, agent))
    usage.enqueue(UsageRecord(user, "hub", agent_id=agent))
    usage.enqueue(UsageRecord(user, "hub"))
    assert usage.flush(10)
    rows = usage.summarize(user, utcnow() - timedelta(minutes=5), "agent")
    assert [(r.key, r.requests) for r in rows] == [(None, 2)]


def test_minute_buckets_fill_the_last_hour(database: str) -> None:
    user = make_user()
    now = utcnow()
    usage.record(UsageRecord(user, "api", latency_ms=10, created_at=now - timedelta(minutes=3)))
    usage.record(UsageRecord(user, "api", latency_ms=30, created_at=now - timedelta(minutes=3)))
    rows = usage.summarize(user, now - timedelta(hours=1), "minute", until=now)
    assert 60 <= len(rows) <= 61
    busy = [r for r in rows if r.requests]
    assert len(busy) == 1 and busy[0].requests == 2 and busy[0].latency_p50_ms == 20.0
