"""GET /usage: the key owner's usage, from services.usage's summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from neurocache_ui.api.deps import ReadKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.schemas import UsageRowPublic, UsageSummary
from neurocache_ui.services import usage

router = APIRouter(tags=["usage"])
MAX_AGE = timedelta(days=400)


def _row(row: usage.UsageRow) -> UsageRowPublic:
    key = row.key.isoformat() if isinstance(row.key, datetime) else row.key
    return UsageRowPublic(
        key=key, label=row.label, requests=row.requests, prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens, total_tokens=row.total_tokens, errors=row.errors,
        latency_p50_ms=row.latency_p50_ms, latency_p95_ms=row.latency_p95_ms,
    )


@router.get("/usage", response_model=UsageSummary, summary="Your usage: requests, tokens, latency, errors")
def get_usage(
    key: ReadKey,
    since: Annotated[datetime | None, Query(description="ISO 8601 start (default: 30 days ago); without a zone, UTC.")] = None,
    group_by: Annotated[Literal["key", "agent", "day", "hour"], Query()] = "day",
) -> UsageSummary:
    now = datetime.now(UTC)
    start = since or now - timedelta(days=30)
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    if start > now or now - start > MAX_AGE:
        raise ApiError(422, "since must be in the past, at most 400 days ago.", param="since")
    if group_by == "hour" and now - start > timedelta(days=31):
        raise ApiError(422, "Group by hour covers at most 31 days; use group_by=day.", param="group_by")
    rows = usage.summarize(key.user_id, start, group_by, until=now)
    return UsageSummary(since=start, group_by=group_by, data=[_row(r) for r in rows], total=_row(usage.totals(key.user_id, start, until=now)))
