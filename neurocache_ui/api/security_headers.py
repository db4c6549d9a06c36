"""What a browser may do with the hub's responses: security headers (CSP and
friends) on every HTTP response of the one port, and which origins may open the
websocket. Pure ASGI, outermost `api_transformer`; a header a response sets is kept."""

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
    # + the prerendered pages' inline scripts by hash (page_policy), never 'unsafe-inline'.
    # 'unsafe-eval' is unavoidable in Reflex 0.10: rx.toast, rx.set_clipboard and
    # rx.call_script reach the client as JavaScript source it runs with eval.
    "script-src": ("'self'", "'unsafe-eval'"),
    "style-src": ("'self'", "'unsafe-inline'"),  # Emotion inserts <style>, Radix sets style=
    "img-src": ("'self'", "data:", "blob:"),  # chat content never loads images from elsewhere
    "font-src": ("'self'", "data:"),  # bundled fonts (KaTeX)
    "connect-src": ("'self'",),  # the API and the websocket (CSP3: 'self' covers ws/wss)
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),  # no click-jacking (X-Frame-Options for older browsers)
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
    """The Swagger page's CSP: the hub's, plus the CDN FastAPI loads Swagger UI from
    and its inline start-up script (the page shows only the API's own schema)."""
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
    """Make the websocket accept handshakes from the hub's own and the configured
    origins only. CORS covers HTTP, but python-engineio checks a handshake's Origin
    only against the list Reflex hands it, which is either empty (nothing checked)
    or lacks the hub's own origin. Browsers always send Origin there and a page
    cannot forge it, so a foreign site cannot drive a viewer's session."""
    if app.sio is None:  # the app has no state, hence no websocket
        return
    app.sio.eio.cors_allowed_origins = socket_origin_allowed
