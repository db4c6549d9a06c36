"""Enforcing a key's limits (domain/scopes.py) on a request: its scopes, the agents
and channels it may reach, and its monthly budget of model calls.

`require_scope(key, "read")` is the one check every API route (through api/deps.py)
and every other integration (MCP tools, webhooks) makes. The budget reuses
`usage_event`: every model call made with a key is a row with its `api_key_id` and a
model name (plain requests have none), so "calls this month" is one count, and a
budgeted key's calls are written at once (pipeline.Caller.budgeted) so the next
request sees them. Concurrent requests may each pass the check and overrun the
budget by the number in flight; the month is the calendar month in UTC."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

import sqlalchemy as sa

from neurocache_ui.domain import scopes
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.scopes import BudgetExceeded, Scope
from neurocache_ui.services.api_keys import KeyContext
from neurocache_ui.store.db import database_guard, get_engine
from neurocache_ui.store.models import UsageEvent, utcnow

OUT_OF_REACH = "Not found, or not reachable with this key."


class HasSlug(Protocol):
    @property
    def slug(self) -> str: ...


T = TypeVar("T", bound=HasSlug)


def require_scope(key: KeyContext, scope: Scope) -> None:
    """MissingScope (403, naming the scope) unless the key has `scope`."""
    scopes.require(key.limits.scopes, scope)


def check_route(key: KeyContext, path: str, slug: str | None) -> None:
    """NotFound for an agent or channel outside the key's list (as if it did not exist);
    KeyRestricted for a route across channels on a channel-limited key."""
    if not scopes.check_reach(key.limits, path, slug):
        raise NotFound(OUT_OF_REACH)


def ensure_agent(key: KeyContext, slug: str) -> None:
    """NotFound unless the key may reach the agent (for slugs named in a body, e.g. a model)."""
    if not key.limits.allows_agent(slug):
        raise NotFound(OUT_OF_REACH)


def ensure_channel(key: KeyContext, slug: str) -> None:
    if not key.limits.allows_channel(slug):
        raise NotFound(OUT_OF_REACH)


def reachable_agents(key: KeyContext, items: Iterable[T]) -> list[T]:
    """The items (agents, with a `slug`) the key may reach, in their order: what listings show."""
    return [item for item in items if key.limits.allows_agent(item.slug)]


def reachable_channels(key: KeyContext, items: Iterable[T]) -> list[T]:
    """The channels (with a `slug`) the key may reach, in their order."""
    return [item for item in items if key.limits.allows_channel(item.slug)]


def _calls_query(user_id: int, key_ids: Sequence[int]) -> sa.Select[tuple[int, int]]:
    """Through the (user_id, created_at) index: the owner's rows of this month only."""
    start, _ = scopes.month_bounds(utcnow())
    return (
        sa.select(UsageEvent.api_key_id, sa.func.count())  # type: ignore[call-overload]
        .where(
            UsageEvent.user_id == user_id, UsageEvent.created_at >= start,
            UsageEvent.api_key_id.in_(key_ids), UsageEvent.model != "",  # type: ignore[union-attr]
        )
        .group_by(UsageEvent.api_key_id)
    )


def calls_this_month(user_id: int, key_ids: Sequence[int]) -> dict[int, int]:
    """Model calls made with each of the user's keys this calendar month (UTC); keys with none are absent."""
    if not key_ids:
        return {}
    with database_guard(), get_engine().connect() as conn:
        return {key_id: count for key_id, count in conn.execute(_calls_query(user_id, key_ids)).all()}


def check_budget(key: KeyContext) -> None:
    """BudgetExceeded (429) once a budgeted key has made its model calls this month."""
    budget = key.limits.budget
    if budget is None:
        return
    if calls_this_month(key.user_id, [key.key_id]).get(key.key_id, 0) >= budget:
        raise BudgetExceeded(budget, scopes.month_bounds(utcnow())[1])


__all__ = [
    "OUT_OF_REACH",
    "calls_this_month",
    "check_budget",
    "check_route",
    "ensure_agent",
    "ensure_channel",
    "reachable_agents",
    "reachable_channels",
    "require_scope",
]
