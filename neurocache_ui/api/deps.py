"""Typed dependencies of the API routes.

`CurrentKey` is what a route declares to require an API key: the bearer key is
checked against the database on every request (so revocation is immediate on
every worker), then counted against the key's rate limit and its owner's limit
across all their keys. A request with an invalid key is counted against its
client IP instead (429 once that is used up, 401 before). All of it is sync and
runs in the threadpool, like the sync routes.

The client IP is the TCP peer (`request.client.host`). Behind a reverse proxy
that is the proxy, so every client would share one count, unless the ASGI
server is told to take the client from the proxy's X-Forwarded-For (its
proxy-headers option, trusting only the proxy's address); a header any client
can set must never be trusted."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from neurocache_ui.api.errors import ApiError
from neurocache_ui.services import api_keys
from neurocache_ui.infra import ratelimit
from neurocache_ui.services.api_keys import KeyContext

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key created in the hub at /keys: `Authorization: Bearer nck_...`.",
)
CHALLENGE = {"WWW-Authenticate": "Bearer"}
MISSING = (
    "No API key given. Send your key in the Authorization header: `Authorization: Bearer nck_...`. "
    "Create keys in the hub under API keys."
)
INVALID = "The API key is not valid: it is unknown, revoked or expired, or not a Neurocache key (nck_...)."


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> KeyContext:
    """401 for a missing, malformed, unknown, revoked or expired key; 429 once
    the client IP sent too many invalid keys (valid keys from it still pass)."""
    if credentials is None:
        raise ApiError(401, MISSING, code="missing_api_key", headers=CHALLENGE)
    key = api_keys.authenticate(credentials.credentials.strip())
    if key is None:
        decision = ratelimit.check_invalid_key(request.client.host if request.client else "unknown")
        if not decision.allowed:
            raise ApiError(
                429,
                f"Too many requests with an invalid API key from your address. Retry after {decision.retry_after} s.",
                headers=decision.headers(),
            )
        raise ApiError(401, INVALID, code="invalid_api_key", headers=CHALLENGE)
    request.state.api_key = key
    return key


def rate_limit(request: Request, key: KeyContext) -> None:
    """429 (with Retry-After) once the key, or its owner across all their keys,
    has used up the rate limit. The user is counted only for requests the key's
    limit let through; the headers show the key's limit, or the user's when it refuses."""
    decision, whose = ratelimit.check_key(key.key_id), "this key"
    if decision.allowed and (refused := ratelimit.check_user(key.user_id)) is not None:
        decision, whose = refused, "your account (all its keys together)"
    request.state.rate_limit = decision  # the middleware adds the X-RateLimit-* headers
    if not decision.allowed:
        raise ApiError(
            429,
            f"Rate limit reached: {decision.limit} requests per window for {whose}. "
            f"Retry after {decision.retry_after} s.",
            headers=decision.headers(),
        )


def current_key(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> KeyContext:
    """The key check, then the rate limit: one sync dependency, so one trip
    to the threadpool for both (each is a round trip to Postgres or Redis)."""
    key = authenticate(request, credentials)
    rate_limit(request, key)
    return key


CurrentKey = Annotated[KeyContext, Depends(current_key)]

__all__ = ["CurrentKey", "authenticate", "current_key", "rate_limit"]
