"""Summaries the benches print."""

from __future__ import annotations


def percentile(samples: list[float], p: float) -> float:
    """The nearest-rank `p`th percentile (0-100)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
