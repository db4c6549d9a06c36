"""What a browser may do with the hub's responses: security headers on every HTTP
response, and which origins may open the live connection (websocket).

`SecurityHeaders` is the outermost `api_transformer` (neurocache_ui.py), so it
wraps everything the one port serves: the hub's pages (the compiled frontend,
with `--single-port`), the API, Reflex's own endpoints and every error page. It is
pure ASGI so streamed responses pass through untouched. A header a response
already sets is kept.

The Content-Security-Policy of the hub's pages (`page_policy`):

- `default-src 'self'`: anything not listed below only from the hub itself.
- `script-src 'self' 'unsafe-eval' 'sha256-…'`: the build's script files, plus the
  inline scripts of its prerendered pages (colour mode, React Router's boot and
  stream hand-off), allowed by hash: they are read from the build directory on
  the first request. No 'unsafe-inline', so an injected inline script or event
  attribute does not run. 'unsafe-eval' is unavoidable in Reflex 0.10: an event
  handler's client-side effects (`rx.toast`, `rx.set_clipboard`, `rx.call_script`)
  travel over the websocket as JavaScript source that the client runs with
  `eval` (.web/utils/state.js, `_call_script`/`_call_function`).
- `style-src 'self' 'unsafe-inline'`: Emotion (Reflex's `css` props) inserts
  `<style>` elements at run time and Radix sets `style` attributes.
- `img-src 'self' data: blob:`: icons and inline images only; chat content never
  loads images from elsewhere (components/markdown.py shows them as links).
- `font-src 'self' data:`: bundled fonts (KaTeX's, for math in messages).
- `connect-src 'self'`: the API and the websocket (CSP3: 'self' covers ws/wss to
  the same host and port).
- `object-src 'none'`, `base-uri 'self'`, `form-action 'self'`: no plugins, no
  `<base>` that re-points relative URLs, no form posting elsewhere.
- `frame-ancestors 'none'` (and `X-Frame-Options: DENY` for older browsers): no
  site may frame the hub (click-jacking).

The API's responses (JSON, event streams) get `API_POLICY`: nothing may load from
them. The API's Swagger page (/api/v1/docs) is FastAPI's, which loads Swagger UI from
cdn.jsdelivr.net and starts it with an inline script; it gets the same policy
with that CDN and inline scripts allowed. It shows only the API's own schema.

Origins: CORS comes from Reflex (rxconfig.py `cors_allowed_origins`, set from
NEUROCACHE_CORS_ORIGINS), which is enough for HTTP: a foreign page's request gets
no Access-Control-Allow-Origin. The websocket needs more, because python-engineio
checks a handshake's Origin only against the list Reflex hands it, and that list
would either be empty (engineio then checks nothing) or lack the hub's own
origin (its own pages would be refused). `restrict_socket_origins` replaces it
with `socket_origin_allowed`: the hub's own origin plus the configured ones.
Browsers always send Origin on a websocket handshake and a page cannot forge
it, so a foreign site cannot drive a viewer's session through the websocket.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import reflex as rx
from reflex import constants
from reflex.config import get_config
from reflex.utils import prerequisites
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurocache_ui.api.app import PREFIX
from neurocache_ui.settings import get_settings

DOCS_PATH = f"{PREFIX}/docs"
SWAGGER_CDN = "https://cdn.jsdelivr.net"

_PAGE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'", "'unsafe-eval'"),
    "style-src": ("'self'", "'unsafe-inline'"),
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'", "data:"),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


class _InlineScripts(HTMLParser):
    """Collects the text of `<script>` elements without a src (HTML keeps a
    script's text verbatim, which is what a CSP hash is computed over)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._current: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._current = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._current is not None:
            self.scripts.append("".join(self._current))
            self._current = None


def build_dir() -> Path:
    """Where `--single-port` serves the compiled frontend from (as reflex.utils.exec.get_frontend_mount)."""
    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


def inline_script_hashes(directory: Path) -> tuple[str, ...]:
    """CSP hash sources for every inline script of the built pages, sorted."""
    hashes: set[str] = set()
    for page in directory.rglob("*.html"):
        parser = _InlineScripts()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        for script in parser.scripts:
            digest = hashlib.sha256(script.encode()).digest()
            hashes.add(f"'sha256-{base64.b64encode(digest).decode()}'")
    return tuple(sorted(hashes))


def _format(policy: dict[str, tuple[str, ...]]) -> str:
    return "; ".join(f"{directive} {' '.join(sources)}" for directive, sources in policy.items())


@cache
def page_policy() -> str:
    """The hub's CSP. Computed on the first request, when the build is certainly
    complete; a production build does not change while the server runs."""
    policy = dict(_PAGE_POLICY)
    policy["script-src"] = (*policy["script-src"], *inline_script_hashes(build_dir()))
    return _format(policy)


@cache
def docs_policy() -> str:
    """The Swagger page's CSP: the hub's, plus the CDN FastAPI loads Swagger UI from and its inline start-up script."""
    policy = dict(_PAGE_POLICY)
    policy["script-src"] = ("'self'", SWAGGER_CDN, "'unsafe-inline'")
    policy["style-src"] = (*policy["style-src"], SWAGGER_CDN)
    policy["img-src"] = (*policy["img-src"], "https://fastapi.tiangolo.com")  # the page's favicon
    return _format(policy)


API_POLICY = "default-src 'none'; frame-ancestors 'none'"
"""The API's JSON and event streams are never documents to render: nothing may load
from them, and nobody may frame them (OWASP's advice for REST APIs). A few dozen
bytes instead of the page policy's ~1.5 KB of script hashes on every API response."""


def _policy_for(path: str) -> str:
    if path == DOCS_PATH:
        return docs_policy()
    if path.startswith(f"{PREFIX}/"):
        return API_POLICY
    return page_policy()


class SecurityHeaders:
    """Adds the security headers to every HTTP response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = _policy_for(scope["path"])
        extra = [(b"content-security-policy", policy.encode())] + [
            (name.lower().encode(), value.encode()) for name, value in FIXED_HEADERS.items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                message["headers"] = headers + [(name, value) for name, value in extra if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def socket_origin_allowed(origin: str, environ: dict[str, Any]) -> bool:
    """python-engineio's origin check: the hub's own origin or a configured one.

    Own origin: the Origin's host:port equals the Host the browser connected to
    (X-Forwarded-Host behind a proxy). The scheme is not compared: a proxy that
    terminates TLS may not say so, and both schemes of the hub's own host are the
    hub."""
    if origin.lower() in get_settings().cors_origins:
        return True
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST") or ""
    host = host.split(",")[0].strip().lower()
    return bool(host) and urlsplit(origin.lower()).netloc == host


def restrict_socket_origins(app: rx.App) -> None:
    """Make the websocket accept handshakes from the hub's own and the configured origins only."""
    if app.sio is None:  # the app has no state, hence no websocket
        return
    app.sio.eio.cors_allowed_origins = socket_origin_allowed
