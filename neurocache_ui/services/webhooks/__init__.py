"""Webhooks in (a channel's secret posting URL) and out (signed events from an outbox)."""
