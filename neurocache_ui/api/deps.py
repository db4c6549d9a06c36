"""`ReadKey`, `WriteKey`, `ChatKey`: what a route declares to require an API key with
that scope (domain/scopes.py says which scope a route needs; the declaration is also
the route's security requirement in the OpenAPI document, which
tests/api/test_scopes.py walks). The key is checked in the database on every request
(revocation is immediate on every worker), counted against the rate limits, then
checked for the route's scope and for the agent or channel the path names (outside
the key's list: 404), in one sync dependency (one threadpool trip).
The client IP is the TCP peer: behind a proxy, configure the server's trusted
proxy headers; a header any client can set is never trusted."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from neurocache_ui.api.errors import ApiError
from neurocache_ui.domain.scopes import parse_scopes
from neurocache_ui.services import api_keys, key_limits, limits
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
        decision = limits.count_invalid_key(request.client.host if request.client else "unknown")
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
    verdict = limits.count_request(key)
    decision = verdict.decision
    request.state.rate_limit = decision  # the middleware adds the X-RateLimit-* headers
    if not decision.allowed:
        whose = "your account (all its keys together)" if verdict.by_account else "this key"
        raise ApiError(
            429,
            f"Rate limit reached: {decision.limit} requests per window for {whose}. "
            f"Retry after {decision.retry_after} s.",
            headers=decision.headers(),
        )


def current_key(
    request: Request,
    security_scopes: SecurityScopes,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> KeyContext:
    """The key check, the rate limit, then the route's scope and reach: one sync
    dependency, so one trip to the threadpool (each check is a round trip to
    Postgres or Redis, or none). A route that declared no scope gets none checked,
    which the OpenAPI walk in tests/api/test_scopes.py refuses."""
    key = authenticate(request, credentials)
    rate_limit(request, key)
    for scope in parse_scopes(security_scopes.scopes) if security_scopes.scopes else ():
        key_limits.require_scope(key, scope)
    route = request.scope.get("route")
    key_limits.check_route(key, getattr(route, "path", ""), request.path_params.get("slug"))
    return key


ReadKey = Annotated[KeyContext, Security(current_key, scopes=["read"])]
"""A key with the `read` scope: routes that only read."""
WriteKey = Annotated[KeyContext, Security(current_key, scopes=["write"])]
"""A key with the `write` scope: routes that create, change or delete."""
ChatKey = Annotated[KeyContext, Security(current_key, scopes=["chat"])]
"""A key with the `chat` scope: routes that ask a model on the caller's behalf."""

__all__ = ["ChatKey", "ReadKey", "WriteKey", "authenticate", "current_key", "rate_limit"]
