"""POSTing to a URL someone else named (an outgoing webhook's receiver) through the one
outbound transport: the receiver's address is checked on every request (a name that
resolves to a private address is refused unless listed in NEUROCACHE_FETCH_ALLOWED_HOSTS),
redirects are not followed (a 3xx is an answer, not an invitation inside), and only the
status is kept: at most `max_bytes` of the answer are read, then dropped."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx2

from neurocache_ui.infra.web.addresses import FetchError, shown_url
from neurocache_ui.infra.web.transport import BodyRefused, OutboundTransport, outbound_client


@dataclass(frozen=True)
class Posted:
    """What one POST came to: the status (0 when no answer came) and why not, in words."""

    status_code: int
    error: str
    duration_ms: int


def client(*, timeout: float, max_bytes: int) -> httpx2.AsyncClient:
    """A client for POSTs to outside receivers; reuse it for many (its connections are pooled)."""
    return outbound_client(OutboundTransport(max_bytes), timeout=httpx2.Timeout(timeout), follow_redirects=False)


async def post(http: httpx2.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> Posted:
    """POST `body`; never raises for the receiver's sake: a refusal or failure is a Posted with status 0."""
    started = time.monotonic()
    status, error = 0, ""
    try:
        async with http.stream("POST", url, content=body, headers=headers) as response:
            status = response.status_code
            async for _ in response.aiter_raw():
                pass
    except BodyRefused as refused:  # past the cap (the status came: fine), or an encoding refused before any
        error = "" if status else str(refused)
    except FetchError as refused:
        error = str(refused)
    except httpx2.TimeoutException:
        error = f"{shown_url(url)} did not answer in time."
    except httpx2.HTTPError as failed:
        error = f"Could not reach {shown_url(url)}: {type(failed).__name__}."
    return Posted(status, error, int((time.monotonic() - started) * 1000))


__all__ = ["Posted", "client", "post"]
