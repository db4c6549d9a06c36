"""Every limit on spending model calls, checked before a call reaches the provider:
the call budget of one person's message across its whole hand-off tree, each
person's hourly quota, and the model allow-list. The agent-answer pipeline
(services/agent_runs) hands `gate_for(user_id)` to every model call it makes."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

import redis

from neurocache_ui.infra.llm import Gate, Refusal
from neurocache_ui.infra.ratelimit import RateLimiter
from neurocache_ui.infra.redis import redis_client
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

MESSAGE_BUDGET_KEY = "nc:spend:message:{}"
MESSAGE_BUDGET_TTL = 3600
"""Seconds a message's call count is kept: far longer than any hand-off tree runs."""
QUOTA_PREFIX = "quota:user:"


# ---------------------------------------------------------------- the allow-list


def model_allowed(model: str, settings: Settings | None = None) -> bool:
    allowed = (settings or get_settings()).allowed_models
    return not allowed or model in allowed


def model_refused_message(model: str, settings: Settings | None = None) -> str:
    allowed = (settings or get_settings()).allowed_models
    return f"The model {model!r} is not allowed on this hub. Choose one of: {', '.join(allowed)}."


def check_model(model: str, settings: Settings | None = None) -> Refusal | None:
    if model_allowed(model, settings):
        return None
    return Refusal("model", model_refused_message(model, settings))


# ---------------------------------------------------------------- the hourly quota


@lru_cache(maxsize=4)
def _quota_limiter(rule: str, redis_url: str | None) -> RateLimiter:
    """One limiter per rule and store, for the process (it holds the Redis pool)."""
    return RateLimiter(rule, redis_url)


def _wait_phrase(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} seconds"
    return f"{round(seconds / 60)} minutes"


def charge_user(user_id: int, settings: Settings | None = None) -> Refusal | None:
    """Count one model call for the user; a Refusal when their hourly quota is used up."""
    settings = settings or get_settings()
    per_hour = settings.user_model_calls_per_hour
    if per_hour is None:
        return None
    decision = _quota_limiter(f"{per_hour}/hour", settings.redis_url).refusal(f"{QUOTA_PREFIX}{user_id}")
    if decision is None:
        return None
    return Refusal(
        "quota",
        f"You have used your {per_hour} model calls for this hour. "
        f"The next one frees up in {_wait_phrase(decision.retry_after)}.",
        decision.retry_after,
    )


def reset_user_quota(user_id: int) -> None:
    """Forget the user's count (an operator lifting a block, or a test)."""
    settings = get_settings()
    if settings.user_model_calls_per_hour is not None:
        _quota_limiter(f"{settings.user_model_calls_per_hour}/hour", settings.redis_url).reset(f"{QUOTA_PREFIX}{user_id}")


def gate_for(user_id: int | None) -> Gate:
    """The check a model call made for `user_id` passes before reaching the provider."""

    async def gate(model: str) -> Refusal | None:
        return await refusal_for(model, user_id)

    return gate


async def refusal_for(model: str, user_id: int | None, settings: Settings | None = None) -> Refusal | None:
    """Everything checked before one model call: the allow-list, then the quota
    (a refused model is not charged). The quota's store is asked from a thread,
    and only when a quota is configured: with none, a call costs no I/O here."""
    settings = settings or get_settings()
    refused = check_model(model, settings)
    if refused is None and user_id is not None and settings.user_model_calls_per_hour is not None:
        refused = await asyncio.to_thread(charge_user, user_id, settings)
    return refused


# ---------------------------------------------------------------- per message


class _LocalCounts:
    """Per-message counts in this process: without Redis, or while Redis fails."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[int | str, tuple[int, float]] = {}

    def incr(self, budget_id: int | str) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._counts) > 1000:  # drop finished trees now and then
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
            count, expires = self._counts.get(budget_id, (0, now + MESSAGE_BUDGET_TTL))
            if expires <= now:
                count, expires = 0, now + MESSAGE_BUDGET_TTL
            self._counts[budget_id] = (count + 1, expires)
            return count + 1


_local = _LocalCounts()


def _incr(budget_id: int | str, redis_url: str | None) -> int:
    """One Redis INCR, atomic and shared by every worker (a database row would cost a
    migration and a write per call for a count that matters for minutes). If Redis
    fails, this worker counts alone: the budget stays enforced per worker."""
    if redis_url:
        key = MESSAGE_BUDGET_KEY.format(budget_id)
        try:
            pipe = redis_client(redis_url).pipeline()
            pipe.incr(key)
            pipe.expire(key, MESSAGE_BUDGET_TTL, nx=True)
            count, _ = pipe.execute()
            return int(count)
        except (redis.RedisError, OSError) as error:
            log.warning("counting model calls of message %s in this worker: Redis failed (%s)", budget_id, error)
    return _local.incr(budget_id)


@dataclass(frozen=True)
class MessageCall:
    """The outcome of asking the message's budget for one call."""

    allowed: bool
    announce: bool
    """True for exactly one refused call per message: the one that shows the notice."""


def take_message_call(budget_id: int | str, settings: Settings | None = None) -> MessageCall:
    """Count one model call against the tree of message `budget_id` (blocking); an
    evaluation's test case is a message too, named "eval:<run>:<case>".
    The hop limit bounds depth, not breadth: this bounds the whole tree. The call
    that finds the budget just spent announces it, so a channel shows one notice."""
    settings = settings or get_settings()
    count = _incr(budget_id, settings.redis_url)
    limit = settings.max_calls_per_message
    return MessageCall(allowed=count <= limit, announce=count == limit + 1)


def message_budget_notice(settings: Settings | None = None) -> str:
    limit = (settings or get_settings()).max_calls_per_message
    return (
        f"⏸ The agents stopped here: this message already started {limit} model calls, "
        "the most one message may. Send a new message to continue."
    )


__all__ = [
    "MessageCall",
    "Refusal",
    "charge_user",
    "check_model",
    "gate_for",
    "message_budget_notice",
    "model_allowed",
    "model_refused_message",
    "refusal_for",
    "reset_user_quota",
    "take_message_call",
]
