"""Usage: one row per model call or API request, and the dashboard's summaries.

Writes go through recorder.py (one `UsageRecord`, stored now or batched);
reads through reports.py."""

from __future__ import annotations

from neurocache_ui.services.usage.recorder import (
    Source,
    UsageRecord,
    enqueue,
    enqueue_result,
    flush,
    record,
    record_result,
)
from neurocache_ui.services.usage.reports import (
    GroupBy,
    UsageRow,
    latest_event_id,
    percentile,
    summarize,
    totals,
)

__all__ = [
    "GroupBy",
    "Source",
    "UsageRecord",
    "UsageRow",
    "enqueue",
    "enqueue_result",
    "flush",
    "latest_event_id",
    "percentile",
    "record",
    "record_result",
    "summarize",
    "totals",
]
