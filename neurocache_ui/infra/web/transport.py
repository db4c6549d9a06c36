"""The one transport under every HTTP client the hub points outside: pages for
fetch_url, the search service, MCP servers, images an API caller names. Whatever the
library above it (httpx2, or the `mcp` package's client), a response body reaches it
only through here:

- compression is undone here, piece by piece (zlib's `max_length`), never by the
  library: `Accept-Encoding: identity` is only a request, and httpx inflates whatever
  a server sends, so 1.7 KB of `Content-Encoding: gzip, gzip` became gigabytes.
  gzip and deflate are read, up to MAX_LAYERS of them; any other encoding (br, zstd,
  ...) is refused before its body is read;
- raw bytes, and the output of every decoding step, are counted as they arrive; the
  body ends at `max_bytes` with `TooLarge` (the bytes up to the cap were delivered);
- with `guarded`, every request's host is resolved and checked (infra/web/addresses.py)
  and the connection goes to a checked address, with the name kept for the Host header
  and for TLS; `only_host` also refuses requests to any other host.

Build clients with `outbound_client` so no environment proxy bypasses this."""

from __future__ import annotations

import functools
import ssl
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import certifi
import httpx2

from neurocache_ui.infra.web.addresses import FetchRefused, is_ip, resolve_checked

ACCEPT_ENCODING = "gzip, deflate"
"""What the hub asks for: exactly what it can undo within a cap."""
MAX_LAYERS = 2
"""Encodings stacked on one body that are undone; a body with more is refused."""
PIECE = 64 * 1024
"""The most one decoding step hands on at a time."""
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class BodyRefused(Exception):
    """A response body the hub stopped reading; the text says why, naming no URL."""


class TooLarge(BodyRefused):
    """The body (or a decoding step's output) passed the cap; what came before was delivered."""


class EncodingRefused(BodyRefused):
    """The body uses an encoding the hub does not undo (nothing of it was read)."""


@dataclass
class Counted:
    """Bytes of one response so far: as received, and after decoding."""

    raw: int = 0
    decoded: int = 0


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


class _Layer:
    """Undoes one encoding incrementally; its total output is capped like the body."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self.inflater = zlib.decompressobj(_WBITS[encoding])
        self.first = True
        self.produced = 0

    def pieces(self, data: bytes) -> Iterator[bytes]:
        """The output for `data`, in pieces of at most PIECE bytes."""
        piece = self._inflate(data)
        while piece:
            self.produced += len(piece)
            yield piece
            piece = self._inflate(self.inflater.unconsumed_tail)

    def _inflate(self, data: bytes) -> bytes:
        try:
            piece = self.inflater.decompress(data, PIECE)
        except zlib.error:
            if not (self.first and self.encoding == "deflate"):
                raise BodyRefused(f"sent a damaged {self.encoding} body") from None
            self.first = False
            self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # deflate without its zlib header
            return self._inflate(data)
        self.first = False
        return piece


class CappedStream(httpx2.AsyncByteStream):
    """A response body: raw chunks in, decoded pieces out, every step counted and capped.
    `refused` hears why a body was stopped, whoever was reading it."""

    def __init__(
        self, inner: httpx2.AsyncByteStream, encodings: list[str], limit: int, refused: Callable[[BodyRefused], None]
    ) -> None:
        self._inner = inner
        self._layers = [_Layer(encoding) for encoding in reversed(encodings)]  # the last applied comes off first
        self.limit = limit
        self.counted = Counted()
        self._refused = refused

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._inner:  # chunks of at most 64 KB, as the connection reads them
                self.counted.raw += len(chunk)
                for piece in self._decoded(chunk, 0):
                    yield piece
                if self.counted.raw > self.limit:
                    raise TooLarge(f"sent more than {_megabytes(self.limit)}")
        except BodyRefused as error:
            self._refused(error)
            raise

    def _decoded(self, data: bytes, depth: int) -> Iterator[bytes]:
        if depth == len(self._layers):
            room = self.limit - self.counted.decoded
            self.counted.decoded += len(data)
            if len(data) > room:
                yield data[:room]
                inflated = f" once decompressed (from {_megabytes(self.counted.raw)} received)" if self._layers else ""
                raise TooLarge(f"sent more than {_megabytes(self.limit)}{inflated}")
            yield data
            return
        layer = self._layers[depth]
        for piece in layer.pieces(data):
            if depth < len(self._layers) - 1 and layer.produced > self.limit:
                raise TooLarge(f"sent a body that inflates past {_megabytes(self.limit)}")
            yield from self._decoded(piece, depth + 1)

    async def aclose(self) -> None:
        await self._inner.aclose()


@functools.lru_cache(maxsize=4)
def _tls(cafile: str) -> ssl.SSLContext:
    """Public certificate authorities (certifi's), as httpx used them before. Made once:
    loading the bundle costs ~15 ms of CPU in the event loop, per client otherwise."""
    return ssl.create_default_context(cafile=cafile)


class OutboundTransport(httpx2.AsyncBaseTransport):
    """See the module's docstring. `refusal` keeps the first body refusal's text, for
    callers (MCP) whose library turns errors into its own."""

    def __init__(self, max_bytes: int, *, guarded: bool = True, only_host: str | None = None) -> None:
        self.max_bytes = max_bytes
        self.guarded = guarded
        self.only_host = only_host.lower() if only_host else None
        self.refusal: str | None = None
        self._http = httpx2.AsyncHTTPTransport(verify=_tls(certifi.where()), trust_env=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        response = await (self._pinned(request) if self.guarded else self._http.handle_async_request(request))
        encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
        encodings = [e for e in encodings if e != "identity"]
        unknown = [e for e in encodings if e not in _WBITS]
        if unknown or len(encodings) > MAX_LAYERS:
            await response.aclose()
            what = f"{', '.join(unknown)} compression" if unknown else f"{len(encodings)} layers of compression"
            refusal = EncodingRefused(f"sent its answer with {what}, which the hub does not read")
            self._note(refusal)
            raise refusal
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in ("content-encoding", "content-length")]
        stream = response.stream
        assert isinstance(stream, httpx2.AsyncByteStream)
        return httpx2.Response(
            response.status_code, headers=headers, stream=CappedStream(stream, encodings, self.max_bytes, self._note),
            extensions=response.extensions,
        )

    async def _pinned(self, request: httpx2.Request) -> httpx2.Response:
        """Send `request` to the first checked address of its host that accepts a connection."""
        host = request.url.host
        if self.only_host is not None and host.lower() != self.only_host:
            raise FetchRefused(f"Not following the server to another host ({host}).", host=host)
        addresses = await resolve_checked(request.url)
        named = request.url
        if not is_ip(host):
            request.extensions = {**request.extensions, "sni_hostname": host}  # TLS checks the certificate for the name
        failure: httpx2.ConnectError | None = None
        for address in addresses:
            request.url = named.copy_with(host=address)  # the Host header keeps the name
            try:
                return await self._http.handle_async_request(request)
            except httpx2.ConnectError as error:
                failure = error
            finally:
                request.url = named
        assert failure is not None
        raise failure

    def _note(self, error: BodyRefused) -> None:
        if self.refusal is None:
            self.refusal = str(error)

    async def aclose(self) -> None:
        await self._http.aclose()


def outbound_client(transport: OutboundTransport, *, timeout: httpx2.Timeout, **options: Any) -> httpx2.AsyncClient:
    """An httpx2 client over `transport`: no proxy or certificates from the environment
    (a proxy would connect in our place), no redirects followed unless `options` say so."""
    return httpx2.AsyncClient(transport=transport, timeout=timeout, trust_env=False, **options)


__all__ = [
    "ACCEPT_ENCODING",
    "BodyRefused",
    "CappedStream",
    "Counted",
    "EncodingRefused",
    "OutboundTransport",
    "TooLarge",
    "outbound_client",
]
