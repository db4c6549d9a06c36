"""What an API key may do: its scopes (`chat`, `read`, `write`), the agents and
channels it is limited to (by slug; none named = all of its owner's), and its
monthly budget of model calls. Pure rules, so the API, the CLI and the key dialog
read and check limits the same way, and the other integrations (MCP tools,
webhooks) ask the same question: `lacks(scopes, "read")`.

Which scope a route needs: reading (GET, or a POST that only searches) is `read`;
creating, changing and deleting is `write`; asking a model on the caller's behalf
(`/chat/completions`, `/embeddings`, a channel's `/query`) is `chat`. Each route
declares it through its key parameter (api/deps.py `ReadKey`, `WriteKey`, `ChatKey`),
which also puts it in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from neurocache_ui.domain import slugs
from neurocache_ui.domain.errors import Forbidden, Invalid, NeurocacheError

Scope = Literal["chat", "read", "write"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
"""Every scope, in the order lists show them; a new key has all of them."""
SCOPES_JSON = '["' + '", "'.join(SCOPES) + '"]'
"""The column default: keys made before scopes existed (and rows written without them) have every scope."""
SCOPE_MEANINGS: dict[Scope, str] = {
    "chat": "ask agents and channels (chat completions, embeddings, channel queries)",
    "read": "read agents, channels, messages, knowledge and usage",
    "write": "create, change and delete agents, channels, messages and knowledge",
}
SLUGS_MAX = 50
"""The most agents (or channels) one key may be limited to: a longer list is a key
that should not be limited."""
BUDGET_MAX = 10_000_000

Reach = Literal["agent", "channel", "across", "none"]
API_PREFIX = "/api/v1"
_AGENT_PATH = re.compile(r"^/agents/\{slug\}")
_CHANNEL_PATH = re.compile(r"^/channels/\{slug\}")
ACROSS_CHANNELS = ("/search", "/saved", "/messages/", "/media", "/dms")
"""Routes that reach messages of any channel by id (or make a new conversation) rather than
through a channel's slug: a key limited to channels cannot use them."""


class MissingScope(Forbidden):
    """The key lacks the scope the route needs (403, code `insufficient_scope`)."""

    def __init__(self, scope: Scope) -> None:
        super().__init__(
            f"This key lacks the '{scope}' scope, which this endpoint needs ({SCOPE_MEANINGS[scope]}). "
            "Create a key with that scope in the hub under API keys."
        )
        self.scope = scope


class KeyRestricted(Forbidden):
    """A key limited to channels called a route that reaches across channels (403, code `key_restricted`)."""

    def __init__(self) -> None:
        super().__init__(
            "This key is limited to certain channels, and this endpoint reaches across channels. "
            "Use the channel's own endpoints, or a key without a channel restriction."
        )


class BudgetExceeded(NeurocacheError):
    """The key used its monthly model calls (429, code `budget_exceeded`)."""

    def __init__(self, budget: int, resets: datetime) -> None:
        super().__init__(
            f"This key has used its budget of {budget:,} model calls this month. "
            f"It resets on {resets:%Y-%m-%d} 00:00 UTC; raise it by creating a key with a larger budget."
        )
        self.resets = resets


@dataclass(frozen=True, slots=True)
class KeyLimits:
    """A key's limits. Empty `agents`/`channels`: all of the owner's; `budget` None: no budget."""

    scopes: tuple[Scope, ...] = SCOPES
    agents: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    budget: int | None = None

    def allows_agent(self, slug: str) -> bool:
        return not self.agents or slug in self.agents

    def allows_channel(self, slug: str) -> bool:
        return not self.channels or slug in self.channels


def lacks(scopes: Iterable[str], scope: Scope) -> bool:
    """True when `scope` is not among the key's scopes."""
    return scope not in tuple(scopes)


def require(scopes: Iterable[str], scope: Scope) -> None:
    """MissingScope unless the key has `scope`: the one check every route and tool makes."""
    if lacks(scopes, scope):
        raise MissingScope(scope)


def _items(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [part.strip().lower() for part in parts if part and part.strip()]


def parse_scopes(value: str | Iterable[str] | None) -> tuple[Scope, ...]:
    """"read,chat" (or a list) as scopes in canonical order; None: all of them.
    Invalid for an unknown name or an empty list (a key that can do nothing)."""
    if value is None:
        return SCOPES
    names = _items(value)
    unknown = [name for name in names if name not in SCOPES]
    if unknown:
        raise Invalid(f"Unknown scope {unknown[0]!r}: choose from {', '.join(SCOPES)}.", "scopes")
    if not names:
        raise Invalid(f"Give the key at least one scope ({', '.join(SCOPES)}).", "scopes")
    return tuple(scope for scope in SCOPES if scope in names)


def parse_slugs(value: str | Iterable[str] | None, field: Literal["agents", "channels"]) -> tuple[str, ...]:
    """"scout, critic" (or a list) as distinct, well-formed slugs; empty: no restriction."""
    found: list[str] = []
    for slug in _items(value):
        if not slugs.PATTERN.match(slug):
            raise Invalid(f"{slug!r} is not a slug (lowercase letters, digits and dashes, e.g. research-team).", field)
        if slug not in found:
            found.append(slug)
    if len(found) > SLUGS_MAX:
        raise Invalid(f"A key may be limited to at most {SLUGS_MAX} {field}.", field)
    return tuple(found)


def parse_budget(value: int | str | None) -> int | None:
    """Model calls a month, a whole number from 1; None or "" means no budget."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        budget = int(value)
    except (TypeError, ValueError):
        raise Invalid("The budget is a whole number of model calls a month, e.g. 1000.", "budget") from None
    if not 1 <= budget <= BUDGET_MAX:
        raise Invalid(f"The budget must be between 1 and {BUDGET_MAX:,} model calls a month.", "budget")
    return budget


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) `now` is in: its first moment, and the next month's."""
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, following


def reach(path: str) -> Reach:
    """What a route (its path template, with or without the /api/v1 prefix: a route
    seen from inside its router has none) reaches: one agent or channel by its
    `{slug}`, messages across channels, or neither."""
    path = path.removeprefix(API_PREFIX)
    if _AGENT_PATH.match(path):
        return "agent"
    if _CHANNEL_PATH.match(path):
        return "channel"
    if path.startswith(ACROSS_CHANNELS):
        return "across"
    return "none"


def check_reach(limits: KeyLimits, path: str, slug: str | None) -> bool:
    """False when the route's agent or channel is outside the key's list (answer 404, as
    for someone else's); KeyRestricted for a route across channels on a channel-limited key."""
    where = reach(path)
    if where == "agent" and slug is not None:
        return limits.allows_agent(slug)
    if where == "channel" and slug is not None:
        return limits.allows_channel(slug)
    if where == "across" and limits.channels:
        raise KeyRestricted()
    return True


__all__ = [
    "ACROSS_CHANNELS",
    "SCOPES",
    "SCOPES_JSON",
    "SCOPE_MEANINGS",
    "BudgetExceeded",
    "KeyLimits",
    "KeyRestricted",
    "MissingScope",
    "Scope",
    "check_reach",
    "lacks",
    "month_bounds",
    "parse_budget",
    "parse_scopes",
    "parse_slugs",
    "reach",
    "require",
]
