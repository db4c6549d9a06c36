"""/usage: the signed-in user's usage (hub chat and API), live while the page is open.

The page ticks every POLL_MS and asks `usage.latest_event_id` (one index range
scan); summaries are recomputed only when it changed or every REFRESH_EVERY s.
Polling needs no user-scoped bus fan-out and survives Redis restarts and reconnects."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import usage
from neurocache_ui.web.state.auth import AuthState

log = logging.getLogger(__name__)

POLL_MS = 2000
REFRESH_EVERY = 60.0


@dataclass(frozen=True)
class Period:
    label: str
    span: timedelta
    bucket: usage.GroupBy


PERIODS = {
    "hour": Period("Last hour", timedelta(hours=1), "minute"),
    "day": Period("Last 24 hours", timedelta(days=1), "hour"),
    "month": Period("Last 30 days", timedelta(days=30), "day"),
}


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f} ms"


def _table_row(row: usage.UsageRow) -> dict[str, Any]:
    return {
        "label": row.label,
        "requests": row.requests,
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "errors": row.errors,
        "p50": _ms(row.latency_p50_ms),
        "p95": _ms(row.latency_p95_ms),
    }


def _point(row: usage.UsageRow, bucket: usage.GroupBy) -> dict[str, Any]:
    assert row.bucket is not None
    label = row.bucket.strftime({"minute": "%H:%M", "hour": "%H:00", "day": "%b %d"}[bucket])
    return {
        "time": label,
        "requests": row.requests,
        "errors": row.errors,
        "prompt_tokens": row.prompt_tokens,
        "completion_tokens": row.completion_tokens,
        "p50": row.latency_p50_ms or 0,
        "p95": row.latency_p95_ms or 0,
    }


def summaries(user_id: int, period: str) -> dict[str, Any]:
    """Everything the page shows for one period (runs in a thread)."""
    spec = PERIODS[period]
    now = datetime.now(UTC)
    since = now - spec.span
    total = usage.totals(user_id, since, until=now)
    return {
        "series": [_point(r, spec.bucket) for r in usage.summarize(user_id, since, spec.bucket, until=now)],
        "by_key": [_table_row(r) for r in usage.summarize(user_id, since, "key", until=now)],
        "by_agent": [_table_row(r) for r in usage.summarize(user_id, since, "agent", until=now)],
        "total": {
            "requests": f"{total.requests:,}",
            "prompt_tokens": f"{total.prompt_tokens:,}",
            "completion_tokens": f"{total.completion_tokens:,}",
            "errors": f"{total.errors:,}",
            "p50": _ms(total.latency_p50_ms),
            "p95": _ms(total.latency_p95_ms),
        },
    }


class UsageState(AuthState):
    period: str = "day"
    series: list[dict[str, Any]] = []
    by_key: list[dict[str, Any]] = []
    by_agent: list[dict[str, Any]] = []
    total: dict[str, str] = {}
    usage_error: str = ""
    loaded: bool = False
    _marker: int = -1
    _refreshed_at: float = 0.0

    async def _refresh(self, user_id: int) -> None:
        try:
            marker = await asyncio.to_thread(usage.latest_event_id, user_id)
            data = await asyncio.to_thread(summaries, user_id, self.period)
        except NeurocacheError as error:
            self.usage_error = str(error)
            return
        except Exception as error:  # a database hiccup: keep what is shown, say so
            self.usage_error = "Usage cannot be loaded right now. It will refresh by itself."
            log.warning("usage refresh failed: %s", error)
            return
        self.usage_error = ""
        self._marker = marker
        self._refreshed_at = time.monotonic()
        self.series = data["series"]
        self.by_key = data["by_key"]
        self.by_agent = data["by_agent"]
        self.total = data["total"]
        self.loaded = True

    @rx.event
    async def load(self):
        """on_load of /usage."""
        user_id = await self._user_id()
        if user_id is not None:
            await self._refresh(user_id)

    @rx.event
    async def set_period(self, value: str | list[str]):
        value = value[0] if isinstance(value, list) and value else value
        if not isinstance(value, str) or value not in PERIODS:  # a forged event may send anything
            return
        self.period = str(value)
        user_id = await self._user_id()
        if user_id is not None:
            await self._refresh(user_id)

    @rx.event
    async def tick(self, _now: Any = None):
        """Every POLL_MS while the page is open: refresh when something new was recorded."""
        if not self.user_id:
            return
        try:
            marker = await asyncio.to_thread(usage.latest_event_id, self.user_id)
        except Exception:
            return
        if marker != self._marker or time.monotonic() - self._refreshed_at >= REFRESH_EVERY:
            user_id = await self._user_id()  # re-check the session before showing data
            if user_id is not None:
                await self._refresh(user_id)
