"""services.usage: recording model calls and summarizing them, on Postgres and on SQLite."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.tools import ToolCall
from neurocache_ui.infra.llm import CompletionResult
from neurocache_ui.services import usage
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import ApiKey, UsageEvent
from tests.integration.messaging_support import make_agent, make_channel, make_user

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_key(user_id: int, name: str) -> int:
    key = ApiKey(user_id=user_id, name=name, prefix=f"nck_{secrets.token_hex(2)}", key_hash=secrets.token_hex(32))
    with session_scope() as session:
        session.add(key)
    assert key.id is not None
    return key.id


def record(user_id: int, **fields) -> int | None:
    return usage.record(usage.UsageRecord(user_id, **fields))


def stored(event_id: int) -> UsageEvent:
    with session_scope() as session:
        row = session.get(UsageEvent, event_id)
        assert row is not None
        return row


def test_record_stores_an_event(database: str) -> None:
    ada = make_user()
    agent = make_agent(ada)
    channel = make_channel(ada)
    event_id = record(
        ada,
        source="hub",
        agent_id=agent,
        channel_id=channel,
        model="gpt-4o-mini",
        prompt_tokens=120,
        completion_tokens=30,
        latency_ms=850,
        outcome="ok",
    )
    assert event_id is not None
    row = stored(event_id)
    assert (row.user_id, row.source, row.agent_id, row.channel_id, row.api_key_id) == (ada, "hub", agent, channel, None)
    assert (row.model, row.prompt_tokens, row.completion_tokens, row.latency_ms, row.outcome) == (
        "gpt-4o-mini", 120, 30, 850, "ok",
    )  # fmt: skip
    assert row.created_at.tzinfo is not None


def test_record_result_from_the_provider_layer(database: str) -> None:
    ada = make_user()
    key = make_key(ada, "ci")
    result = CompletionResult(
        text="hi", model="fake-model", outcome="timeout", prompt_tokens=5, completion_tokens=1, latency_ms=60000, error="x"
    )
    row = stored(usage.record_result(ada, result, source="api", api_key_id=key))  # type: ignore[arg-type]
    assert (row.source, row.api_key_id, row.model, row.outcome, row.latency_ms) == ("api", key, "fake-model", "timeout", 60000)
    assert row.tool_calls == 0


def test_tool_calls_are_recorded(database: str) -> None:
    ada = make_user()
    assert stored(record(ada, source="hub", tool_calls=3)).tool_calls == 3  # type: ignore[arg-type]
    assert stored(record(ada, source="hub", tool_calls=-1)).tool_calls == 0  # type: ignore[arg-type]
    result = CompletionResult(text="hi", model="m", outcome="ok", prompt_tokens=5, completion_tokens=1, latency_ms=9)
    assert stored(usage.record_result(ada, result, source="hub", tool_calls=2)).tool_calls == 2  # type: ignore[arg-type]
    # The reply loop's result lists the calls it made; the record counts them.
    calls = (ToolCall("c1", "web_search", '{"query": "cats"}'), ToolCall("c2", "fetch_url", '{"url": "https://x.example"}'))
    looped = replace(result, tool_calls=calls)  # type: ignore[call-arg]
    assert stored(usage.record_result(ada, looped, source="hub")).tool_calls == 2  # type: ignore[arg-type]


def test_record_rejects_unknown_source_and_outcome(database: str) -> None:
    ada = make_user()
    with pytest.raises(Invalid):
        record(ada, source="cli")
    with pytest.raises(Invalid):
        record(ada, source="hub", outcome="maybe")


def test_record_survives_deleted_references(database: str) -> None:
    """An agent deleted while its reply ran: the event is kept without the reference."""
    ada = make_user()
    event_id = record(ada, source="hub", agent_id=10**9, channel_id=10**9, prompt_tokens=3, latency_ms=-5)
    assert event_id is not None
    row = stored(event_id)
    assert (row.agent_id, row.channel_id, row.prompt_tokens, row.latency_ms) == (None, None, 3, 0)
    assert record(10**9, source="hub") is None  # the user is gone: nothing to record


def seed(user: int, **kwargs) -> None:
    for latency in range(100, 1100, 100):  # 100 ... 1000 ms
        record(user, latency_ms=latency, **kwargs)


def test_summary_by_agent_with_percentiles_and_errors(database: str) -> None:
    ada = make_user("Ada")
    scout = make_agent(ada, "Scout")
    writer = make_agent(ada, "Writer")
    since = datetime.now(UTC) - timedelta(minutes=5)
    seed(ada, source="hub", agent_id=scout, prompt_tokens=10, completion_tokens=2)
    record(ada, source="hub", agent_id=writer, latency_ms=300, outcome="error")
    record(ada, source="hub", agent_id=writer, latency_ms=500, outcome="timeout")
    record(ada, source="hub", agent_id=writer, latency_ms=700, outcome="stopped", completion_tokens=4)
    record(ada, source="api", latency_ms=50)  # a channel call: no single agent
    bob = make_user("Bob")
    record(bob, source="hub", agent_id=make_agent(bob), latency_ms=1)  # not Ada's

    rows = usage.summarize(ada, since, "agent")
    assert [(r.key, r.label, r.requests) for r in rows] == [(scout, "Scout", 10), (writer, "Writer", 3), (None, "No agent", 1)]
    s, w, none = rows
    assert (s.prompt_tokens, s.completion_tokens, s.total_tokens, s.errors) == (100, 20, 120, 0)
    assert (s.latency_p50_ms, s.latency_p95_ms) == (550.0, 955.0)  # percentile_cont over 100..1000
    assert (w.errors, w.completion_tokens, w.latency_p50_ms) == (2, 4, 500.0)  # "stopped" is not an error
    assert w.error_rate == pytest.approx(2 / 3)
    assert (none.latency_p50_ms, none.latency_p95_ms) == (50.0, 50.0)

    total = usage.totals(ada, since)
    assert (total.requests, total.errors, total.prompt_tokens, total.completion_tokens) == (14, 2, 100, 24)
    assert total.latency_p50_ms == 500.0  # over all 14 events, not an average of groups


def test_summary_by_key(database: str) -> None:
    ada = make_user()
    ci = make_key(ada, "CI")
    laptop = make_key(ada, "Laptop")
    since = datetime.now(UTC) - timedelta(minutes=5)
    seed(ada, source="api", api_key_id=ci, prompt_tokens=1)
    record(ada, source="api", api_key_id=laptop, latency_ms=40, outcome="error")
    record(ada, source="hub", latency_ms=70)
    record(ada, source="hub", latency_ms=90)
    with session_scope() as session:  # revoking is not deleting, but a deleted key leaves NULL behind
        session.execute(sa.delete(ApiKey).where(ApiKey.id == laptop))

    rows = {r.key: r for r in usage.summarize(ada, since, "key")}
    assert set(rows) == {ci, "hub", "api"}
    assert rows[ci].label.startswith("CI (nck_") and rows[ci].requests == 10 and rows[ci].prompt_tokens == 10
    assert (rows["hub"].label, rows["hub"].requests, rows["hub"].latency_p50_ms) == ("Hub", 2, 80.0)
    assert (rows["api"].label, rows["api"].errors) == ("Deleted key", 1)
    assert [r.key for r in usage.summarize(ada, since, "key")][0] == ci  # busiest first


def record_at(user: int, moment: datetime, latency: int = 100, outcome: str = "ok") -> None:
    record(user, source="hub", latency_ms=latency, outcome=outcome, created_at=moment, completion_tokens=1)


def test_summary_by_hour_fills_gaps(database: str) -> None:
    ada = make_user()
    record_at(ada, T0 + timedelta(minutes=5), 100)
    record_at(ada, T0 + timedelta(minutes=59, seconds=59), 300, "error")
    record_at(ada, T0 + timedelta(hours=2, minutes=1), 200)
    record_at(ada, T0 - timedelta(minutes=1), 999)  # before the period
    record_at(ada, T0 + timedelta(hours=4), 999)  # at `until`: excluded

    rows = usage.summarize(ada, T0, "hour", until=T0 + timedelta(hours=4))
    assert [r.bucket for r in rows] == [T0 + timedelta(hours=h) for h in range(4)]
    assert [r.label for r in rows] == ["2026-03-02 09:00", "2026-03-02 10:00", "2026-03-02 11:00", "2026-03-02 12:00"]
    assert [r.requests for r in rows] == [2, 0, 1, 0]
    assert [r.errors for r in rows] == [1, 0, 0, 0]
    assert rows[0].latency_p50_ms == 200.0 and rows[1].latency_p50_ms is None
    assert all(r.bucket and r.bucket.tzinfo is not None for r in rows)


def test_summary_by_day(database: str) -> None:
    ada = make_user()
    day = T0.replace(hour=0)
    record_at(ada, day + timedelta(hours=1))
    record_at(ada, day + timedelta(hours=23, minutes=59))
    record_at(ada, day + timedelta(days=2, hours=12))
    rows = usage.summarize(ada, day + timedelta(hours=1), "day", until=day + timedelta(days=3))
    assert [(r.label, r.requests, r.completion_tokens) for r in rows] == [
        ("2026-03-02", 2, 2),
        ("2026-03-03", 0, 0),
        ("2026-03-04", 1, 1),
    ]
    assert rows[0].key == day == rows[0].bucket


def test_empty_and_invalid_summaries(database: str) -> None:
    ada = make_user()
    since = datetime.now(UTC) - timedelta(hours=1)
    assert usage.summarize(ada, since, "agent") == []
    assert usage.totals(ada, since).requests == 0
    assert [r.requests for r in usage.summarize(ada, since, "hour")] in ([0, 0], [0])
    with pytest.raises(Invalid):
        usage.summarize(ada, since, "week")  # type: ignore[arg-type]
    with pytest.raises(Invalid):
        usage.summarize(ada, datetime(2026, 1, 1), "agent")  # naive


def test_percentile_matches_percentile_cont() -> None:
    assert usage.percentile([], 0.5) is None
    assert usage.percentile([7], 0.95) == 7.0
    assert usage.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert usage.percentile(list(range(100, 1100, 100)), 0.95) == pytest.approx(955.0)


def test_events_are_counted_per_user_only(database: str) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    since = datetime.now(UTC) - timedelta(minutes=1)
    record(bob, source="hub", latency_ms=10)
    assert usage.totals(ada, since).requests == 0
    with get_engine().connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(UsageEvent).where(UsageEvent.user_id == bob)).scalar() == 1
