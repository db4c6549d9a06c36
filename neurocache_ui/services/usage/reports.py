"""The usage dashboard's reads: one user's usage records grouped by key, agent,
day, hour or minute, with latency percentiles like Postgres' `percentile_cont`
(computed by Postgres there, in Python on SQLite) and no holes in time series."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Agent, ApiKey, UsageEvent, UTCDateTime, utcnow

GroupBy = Literal["key", "agent", "day", "hour", "minute"]
ERROR_OUTCOMES = ("error", "timeout")
"""What counts as an error; "stopped" (a person stopped the reply) does not."""
MAX_FILLED_BUCKETS = 2000
HUB_LABEL = "Hub"
DELETED_KEY_LABEL = "Deleted key"
NO_AGENT_LABEL = "No agent"
RECENT = timedelta(minutes=10)


@dataclass(frozen=True)
class UsageRow:
    """One group of a summary. `key` identifies the group: an API key id (or
    "hub" / "api" for requests without a key), an agent id (None: no agent), or
    for day/hour/minute the bucket's start (also in `bucket`, aware UTC)."""

    key: int | str | datetime | None
    label: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    errors: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    bucket: datetime | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def percentile(sorted_values: Sequence[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (Postgres' percentile_cont)."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    low, high = math.floor(position), math.ceil(position)
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low))


def _bucket_expressions(group_by: GroupBy, dialect: str) -> list[sa.ColumnElement[Any]]:
    if group_by == "key":
        return [
            UsageEvent.api_key_id,  # type: ignore[list-item]
            sa.case((UsageEvent.api_key_id.is_(None), UsageEvent.source), else_=sa.null()),  # type: ignore[union-attr]
        ]
    if group_by == "agent":
        return [UsageEvent.agent_id]  # type: ignore[list-item]
    # Literals, not bound parameters: GROUP BY must repeat the exact select expression.
    if dialect == "postgresql":
        utc = sa.func.timezone(sa.literal_column("'UTC'"), UsageEvent.created_at)
        return [sa.func.date_trunc(sa.literal_column(f"'{group_by}'"), utc)]
    pattern = {"day": "'%Y-%m-%d 00:00:00'", "hour": "'%Y-%m-%d %H:00:00'", "minute": "'%Y-%m-%d %H:%M:00'"}[group_by]
    return [sa.func.strftime(sa.literal_column(pattern), UsageEvent.created_at)]


def _as_bucket(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _floor(moment: datetime, group_by: GroupBy) -> datetime:
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0)
    if group_by == "minute":
        return moment
    moment = moment.replace(minute=0)
    return moment.replace(hour=0) if group_by == "day" else moment


def _check_group(group_by: str) -> GroupBy:
    if group_by not in get_args(GroupBy):
        raise Invalid("Group usage by key, agent, day, hour or minute.", "group_by")
    return group_by  # type: ignore[return-value]


@dataclass(frozen=True)
class _Aggregate:
    group: tuple[Any, ...]
    requests: int
    prompt_tokens: int
    completion_tokens: int
    errors: int
    p50: float | None
    p95: float | None


def _where(user_id: int, since: datetime, until: datetime | None) -> list[sa.ColumnElement[bool]]:
    if since.tzinfo is None or (until is not None and until.tzinfo is None):
        raise Invalid("Usage times must be timezone-aware (UTC).", "since")
    where = [
        UsageEvent.user_id == user_id,
        UsageEvent.created_at >= sa.literal(since, UTCDateTime()),  # type: ignore[operator]
    ]
    if until is not None:
        where.append(UsageEvent.created_at < sa.literal(until, UTCDateTime()))  # type: ignore[operator]
    return where  # type: ignore[return-value]


def _aggregates(
    conn: sa.Connection, where: list[sa.ColumnElement[bool]], groups: list[sa.ColumnElement[Any]]
) -> list[_Aggregate]:
    """Counts, sums and latency percentiles per group (one group when `groups` is empty)."""
    postgres = conn.dialect.name == "postgresql"
    labels = [f"g{i}" for i in range(len(groups))]
    errors = sa.func.sum(sa.case((UsageEvent.outcome.in_(ERROR_OUTCOMES), 1), else_=0))  # type: ignore[attr-defined]
    columns: list[Any] = [
        *(g.label(name) for g, name in zip(groups, labels)),
        sa.func.count().label("requests"),
        sa.func.coalesce(sa.func.sum(UsageEvent.prompt_tokens), 0).label("prompt_tokens"),
        sa.func.coalesce(sa.func.sum(UsageEvent.completion_tokens), 0).label("completion_tokens"),
        sa.func.coalesce(errors, 0).label("errors"),
    ]
    if postgres:
        columns += [
            sa.func.percentile_cont(0.5).within_group(UsageEvent.latency_ms).label("p50"),
            sa.func.percentile_cont(0.95).within_group(UsageEvent.latency_ms).label("p95"),
        ]
    query = sa.select(*columns).where(*where)
    if groups:
        query = query.group_by(*groups)
    rows = [row for row in conn.execute(query).all() if row.requests]
    latencies: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    if not postgres and rows:  # SQLite has no percentile function
        ordered = sa.select(*(g.label(n) for g, n in zip(groups, labels)), UsageEvent.latency_ms)
        for row in conn.execute(ordered.where(*where).order_by(UsageEvent.latency_ms)):
            latencies[tuple(row[: len(groups)])].append(row.latency_ms)
    out = []
    for row in rows:
        group = tuple(row[: len(groups)])
        if postgres:
            p50, p95 = row.p50, row.p95
        else:
            p50, p95 = percentile(latencies[group], 0.5), percentile(latencies[group], 0.95)
        out.append(
            _Aggregate(
                group,
                int(row.requests),
                int(row.prompt_tokens),
                int(row.completion_tokens),
                int(row.errors),
                None if p50 is None else round(float(p50), 1),  # 0.1 ms: the engines' float noise differs
                None if p95 is None else round(float(p95), 1),
            )
        )
    return out


def summarize(
    user_id: int, since: datetime, group_by: GroupBy = "agent", *, until: datetime | None = None
) -> list[UsageRow]:
    """The user's usage from `since` (inclusive) to `until` (exclusive, default
    now), one row per group: by key and agent the busiest first, by day and
    hour or minute in time order with empty buckets included."""
    group_by = _check_group(group_by)
    where = _where(user_id, since, until)
    engine = get_engine()
    groups = _bucket_expressions(group_by, engine.dialect.name)
    with engine.connect() as conn:
        aggregates = _aggregates(conn, where, groups)
        names = _names(conn, group_by, [a.group[0] for a in aggregates])
    result: list[UsageRow] = []
    for a in aggregates:
        key, label, bucket = _identify(group_by, a.group, names)
        result.append(
            UsageRow(key, label, a.requests, a.prompt_tokens, a.completion_tokens, a.errors, a.p50, a.p95, bucket=bucket)
        )
    if group_by in ("key", "agent"):
        return sorted(result, key=lambda r: (-r.requests, r.label))
    return _fill(result, group_by, since, until or utcnow())


def _names(conn: sa.Connection, group_by: GroupBy, ids: list[Any]) -> dict[int, str]:
    wanted = [i for i in ids if isinstance(i, int)]
    if not wanted or group_by not in ("key", "agent"):
        return {}
    if group_by == "key":
        query = sa.select(ApiKey.id, ApiKey.name, ApiKey.prefix).where(ApiKey.id.in_(wanted))  # type: ignore[union-attr]
        return {row.id: f"{row.name} ({row.prefix}…)" for row in conn.execute(query)}
    query = sa.select(Agent.id, Agent.name).where(Agent.id.in_(wanted))  # type: ignore[union-attr]
    return {row.id: row.name for row in conn.execute(query)}


def _identify(group_by: GroupBy, group: tuple[Any, ...], names: dict[int, str]) -> tuple[Any, str, datetime | None]:
    if group_by == "key":
        key_id, source = group
        if key_id is None:
            return source, HUB_LABEL if source == "hub" else DELETED_KEY_LABEL, None
        return key_id, names.get(key_id, DELETED_KEY_LABEL), None
    if group_by == "agent":
        agent_id = group[0]
        return agent_id, names.get(agent_id, NO_AGENT_LABEL) if agent_id is not None else NO_AGENT_LABEL, None
    bucket = _as_bucket(group[0])
    return bucket, _bucket_label(bucket, group_by), bucket


def _bucket_label(bucket: datetime, group_by: GroupBy) -> str:
    return bucket.strftime({"day": "%Y-%m-%d", "hour": "%Y-%m-%d %H:00", "minute": "%Y-%m-%d %H:%M"}[group_by])


def _fill(rows: list[UsageRow], group_by: GroupBy, since: datetime, until: datetime) -> list[UsageRow]:
    found = {row.bucket: row for row in rows}
    step = {"day": timedelta(days=1), "hour": timedelta(hours=1), "minute": timedelta(minutes=1)}[group_by]
    start, end = _floor(since, group_by), _floor(until - timedelta(microseconds=1), group_by)
    if end < start or (end - start) / step > MAX_FILLED_BUCKETS:
        return sorted(rows, key=lambda r: r.bucket)  # type: ignore[arg-type,return-value]
    filled: list[UsageRow] = []
    moment = start
    while moment <= end:
        filled.append(
            found.pop(moment, None)
            or UsageRow(moment, _bucket_label(moment, group_by), 0, 0, 0, 0, None, None, bucket=moment)
        )
        moment += step
    filled.extend(found.values())  # events outside [since, until) cannot be here; kept for safety
    return sorted(filled, key=lambda r: r.bucket)  # type: ignore[arg-type,return-value]


def totals(user_id: int, since: datetime, *, until: datetime | None = None) -> UsageRow:
    """All of the user's usage in the period as one row (key "total")."""
    where = _where(user_id, since, until)
    with get_engine().connect() as conn:
        found = _aggregates(conn, where, [])
    if not found:
        return UsageRow("total", "Total", 0, 0, 0, 0, None, None)
    a = found[0]
    return UsageRow("total", "Total", a.requests, a.prompt_tokens, a.completion_tokens, a.errors, a.p50, a.p95)


def latest_event_id(user_id: int) -> int:
    """The highest id among the user's records of the last RECENT minutes (0 for
    none): the dashboard's cheap "anything new?" probe, whichever worker wrote it
    (ids only grow). One range scan of the (user_id, created_at) index."""
    since = sa.literal(utcnow() - RECENT, UTCDateTime())
    query = sa.select(sa.func.max(UsageEvent.id)).where(UsageEvent.user_id == user_id, UsageEvent.created_at >= since)
    with get_engine().connect() as conn:
        return int(conn.execute(query).scalar() or 0)


__all__ = ["GroupBy", "UsageRow", "latest_event_id", "percentile", "summarize", "totals"]
