"""The web, as the agent tools' tests meet it, on loopback: a page server (an article
wrapped in scripts and navigation, text, markdown, a PDF, an image, redirects, a huge and
a slow page), a fake SearXNG (JSON, or 429 on demand) and a proxy that refuses every
request (so `ddgs` is pointed nowhere). Each is a real HTTP server on a free port that
logs the requests it receives, so a test can prove a refused target got none."""

from __future__ import annotations

import functools
import gzip
import json
import socketserver
import ssl
import subprocess
import threading
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlsplit

from testkit.documents import make_pdf

ARTICLE_TITLE = "Tidal Pools of Brittany"
ARTICLE_SENTENCE = "Researchers have counted more than forty species in a single pool near Roscoff"
SCRIPT_SECRET = "SCRIPT-ONLY-TEXT-7731"
ARTICLE_HTML = f"""<!doctype html>
<html><head><title>{ARTICLE_TITLE}</title>
<script>var leaked = "{SCRIPT_SECRET}"; document.title = "{SCRIPT_SECRET}";</script>
<style>body {{ font-family: serif }}</style></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/shop">Shop</a></nav>
<article><h1>{ARTICLE_TITLE}</h1>
<p>The tidal pools of Brittany are home to anemones, crabs and small fish that survive twice-daily
exposure to air. Visitors should walk only on bare rock and put every stone back where it was.</p>
<p>{ARTICLE_SENTENCE}, where the tide range exceeds nine metres and the water warms quickly.</p>
<script>document.write("{SCRIPT_SECRET}");</script>
</article>
<footer>Copyright 2026 Coastal Notes. All rights reserved.</footer>
</body></html>""".encode()
TEXT_BODY = "Plain notes: the ferry leaves Roscoff at 08:15.\nBring a coat.\n"
MARKDOWN_BODY = "# Packing list\n\n- boots\n- a bucket\n"
PDF_SENTENCE = "Anemones close when the tide goes out"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def one_page_pdf(text: str) -> bytes:
    """A valid one-page PDF with `text` on it."""
    return make_pdf([text])


def self_signed_certificate(directory: Path, name: str = "localhost") -> Path:
    """A PEM file holding a key and a self-signed certificate for `name` (made by openssl):
    the server's identity, and the only root a test client trusts."""
    pem = directory / f"{name}.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(pem), "-out", str(directory / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    pem.write_text(pem.read_text() + (directory / "cert.pem").read_text())
    return pem


@dataclass(frozen=True)
class Seen:
    """One request a fake server received."""

    path: str
    headers: dict[str, str]


@dataclass
class Answer:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] = b""


class _Handler(BaseHTTPRequestHandler):
    server: _Http
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        owner = self.server.owner
        owner.requests.append(Seen(path=self.path, headers={k.lower(): v for k, v in self.headers.items()}))
        answer = owner.answer(self.path)
        body = answer.body
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            if isinstance(body, bytes):
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for chunk in body:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client stopped reading: a size cap or a timeout

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Http(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: FakeWebServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class FakeWebServer(ABC):
    """A threaded HTTP server on 127.0.0.1; subclasses decide each `answer`."""

    def __init__(self, tls_pem: Path | None = None) -> None:
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        self._http = _Http(self)
        self.scheme = "http"
        if tls_pem is not None:  # https with this key and certificate
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls_pem)
            self._http.socket = context.wrap_socket(self._http.socket, server_side=True)
            self.scheme = "https"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self._http.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @abstractmethod
    def answer(self, path: str) -> Answer: ...

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self._http.shutdown()
        self._http.server_close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class PageServer(FakeWebServer):
    """/article (HTML with scripts and navigation), /notes.txt, /notes.md, /paper.pdf,
    /image.png, /huge (8 MB of text, streamed), /slow (answers after `slow_seconds`),
    /redirect?to=URL, /cookie-redirect (sets a cookie, then to /article), /loop."""

    slow_seconds = 5.0

    def answer(self, path: str) -> Answer:
        parts = urlsplit(path)
        route = parts.path
        if route == "/article":
            return Answer(headers=[("Content-Type", "text/html; charset=utf-8")], body=ARTICLE_HTML)
        if route == "/notes.txt":
            return Answer(headers=[("Content-Type", "text/plain; charset=utf-8")], body=TEXT_BODY.encode())
        if route == "/notes.md":
            return Answer(headers=[("Content-Type", "text/markdown")], body=MARKDOWN_BODY.encode())
        if route == "/paper.pdf":
            return Answer(headers=[("Content-Type", "application/pdf")], body=one_page_pdf(PDF_SENTENCE))
        if route == "/image.png":
            return Answer(headers=[("Content-Type", "image/png")], body=PNG_BYTES)
        if route == "/huge":
            line = b"All work and no play makes Jack a dull boy.\n"
            chunk = line * (65536 // len(line))
            return Answer(headers=[("Content-Type", "text/plain")], body=(chunk for _ in range(8 * 1024 * 1024 // len(chunk))))
        if route == "/slow":
            self.stopping.wait(self.slow_seconds)
            return Answer(headers=[("Content-Type", "text/plain")], body=b"finally")
        if route == "/redirect":
            target = parse_qs(parts.query).get("to", ["/article"])[0]
            return Answer(status=302, headers=[("Location", target)])
        if route == "/cookie-redirect":
            return Answer(status=302, headers=[("Set-Cookie", "session=page-secret; Path=/"), ("Location", "/article")])
        if route == "/loop":
            return Answer(status=302, headers=[("Location", f"/loop?n={len(self.requests)}")])
        return Answer(status=404, headers=[("Content-Type", "text/plain")], body=b"no such page")


class FakeSearxng(FakeWebServer):
    """SearXNG's `/search?q=...&format=json`: seven results per query (so a top-5 cut
    shows), or HTTP 429 while `rate_limited` is set. `queries` lists what was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.rate_limited = False
        self.queries: list[str] = []

    def answer(self, path: str) -> Answer:
        parts = urlsplit(path)
        params = parse_qs(parts.query)
        if parts.path != "/search" or params.get("format") != ["json"]:
            return Answer(status=403, headers=[("Content-Type", "text/html")], body=b"<h1>403 Forbidden</h1>")
        if self.rate_limited:
            return Answer(status=429, headers=[("Content-Type", "text/plain")], body=b"Too Many Requests")
        query = params.get("q", [""])[0]
        self.queries.append(query)
        results = [
            {"title": f"Result {n} about {query}", "url": f"https://example.org/{n}", "content": f"Snippet {n} on {query}.",
             "engine": "fake"}
            for n in range(1, 8)
        ]  # fmt: skip
        body = {"query": query, "number_of_results": len(results), "results": results}
        return Answer(headers=[("Content-Type", "application/json")], body=json.dumps(body).encode())


class RefusingProxy:
    """An HTTP proxy on loopback that answers 502 to every request and counts them: set as
    DDGS_PROXY it keeps `ddgs` off the network and makes each of its engines fail."""

    def __init__(self) -> None:
        self.connections = 0
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner.connections += 1
                self.request.settimeout(5)
                deadline = time.monotonic() + 5
                data = b""
                while b"\r\n\r\n" not in data and time.monotonic() < deadline:
                    part = self.request.recv(4096)
                    if not part:
                        break
                    data += part
                self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@functools.cache
def _inflating(size: int, layers: int = 1, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """`prefix` + `size` bytes of "A" + `suffix`, gzipped `layers` times: a few KB that
    inflate to `size` (each gzip layer shrinks the one inside it ~1000 times)."""
    out = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"A" * (1 << 20)
    body = out.compress(prefix) + b"".join(out.compress(block) for _ in range(size >> 20)) + out.compress(suffix) + out.flush()
    for _ in range(layers - 1):
        body = gzip.compress(body, 9)
    return body


HEAVY_HTML = b"<html><head><title>Heavy</title></head><body>" + b"<p>word " * 200_000 + b"</body></html>"
"""1.6 MB of HTML that takes trafilatura ~20 s of CPU to read."""


class HostilePages(FakeWebServer):
    """What an attacker's web server sends: /double-gzip (1.8 KB of `gzip, gzip` that
    inflates to 1 GB), /gzip-in-br (the same, labelled `gzip, br`), /heavy?n= (HTML that
    takes seconds to parse), /search (a SearXNG answer that inflates to 1 GB of JSON)."""

    def __init__(self) -> None:
        super().__init__()
        self.double = _inflating(1 << 30, layers=2)
        self.search_bomb = _inflating(1 << 30, prefix=b'{"results": [{"title": "', suffix=b'"}]}')

    def answer(self, path: str) -> Answer:
        route = urlsplit(path).path
        if route == "/double-gzip":
            return Answer(headers=[("Content-Type", "text/plain"), ("Content-Encoding", "gzip, gzip")], body=self.double)
        if route == "/gzip-in-br":
            return Answer(headers=[("Content-Type", "text/plain"), ("Content-Encoding", "gzip, br")], body=self.double)
        if route == "/heavy":
            return Answer(headers=[("Content-Type", "text/html; charset=utf-8")], body=HEAVY_HTML)
        if route == "/search":
            return Answer(headers=[("Content-Type", "application/json"), ("Content-Encoding", "gzip")], body=self.search_bomb)
        return Answer(status=404, headers=[("Content-Type", "text/plain")], body=b"no such page")


class SiteServer(FakeWebServer):
    """A small web site for crawls: `pages` maps a path to (content type, body); any
    other path is 404. `robots` is served as /robots.txt (None: 404)."""

    def __init__(self, pages: dict[str, tuple[str, bytes]], robots: str | None = None) -> None:
        super().__init__()
        self.pages = dict(pages)
        self.robots = robots

    def answer(self, path: str) -> Answer:
        route = urlsplit(path).path
        if route == "/robots.txt" and self.robots is not None:
            return Answer(headers=[("Content-Type", "text/plain")], body=self.robots.encode())
        if route in self.pages:
            content_type, body = self.pages[route]
            return Answer(headers=[("Content-Type", content_type)], body=body)
        return Answer(status=404, headers=[("Content-Type", "text/plain")], body=b"no such page")

    def paths(self) -> list[str]:
        """The paths asked for, in order."""
        return [urlsplit(seen.path).path for seen in self.requests]
