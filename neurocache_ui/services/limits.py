"""The API's request limits: per key, per owner across all their keys, and per
client IP for invalid keys. Counting lives in infra/ratelimit.py; this is what
the API asks, with no extra round trip on the hot path."""

from __future__ import annotations

from dataclasses import dataclass

from neurocache_ui.domain.webhooks import INCOMING_RATE
from neurocache_ui.infra import ratelimit
from neurocache_ui.infra.ratelimit import Decision
from neurocache_ui.services.api_keys import KeyContext


@dataclass(frozen=True, slots=True)
class Verdict:
    """A request's rate-limit decision; `by_account`: the owner's limit across all
    their keys refused it (the key's own limit let it through)."""

    decision: Decision
    by_account: bool = False


def count_request(key: KeyContext) -> Verdict:
    """Count one API request against the key's limit and, if that allows it, its
    owner's: more keys must not mean more throughput. The key's decision fills the
    headers unless the owner's limit refuses."""
    decision = ratelimit.check_key(key.key_id)
    if decision.allowed and (refused := ratelimit.check_user(key.user_id)) is not None:
        return Verdict(refused, by_account=True)
    return Verdict(decision)


def count_incoming_hook(webhook_id: int) -> Decision:
    """Count one post through an incoming webhook (domain/webhooks.INCOMING_RATE): its
    secret URL needs no key, so the webhook itself is what is limited."""
    return ratelimit.limiter_for(INCOMING_RATE).check(f"hook:{webhook_id}")


def count_invalid_key(client_ip: str) -> Decision:
    """Count one request with an invalid key from this client IP: slows key scanning."""
    return ratelimit.check_invalid_key(client_ip)


__all__ = ["Decision", "Verdict", "count_incoming_hook", "count_invalid_key", "count_request"]
