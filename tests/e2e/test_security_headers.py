"""Browser-facing protections on a production-like server (Postgres, Redis, two
Granian workers, `--single-port`): security headers on every response, CORS and
the websocket's Origin check limited to the hub's own and the configured
origins, chat markdown that never makes a viewer's browser fetch another server,
and a Content-Security-Policy the hub's own pages never violate."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from testkit.browser import create_channel
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.servers import free_port
from tests.conftest import ALLOWED_ORIGIN
from tests.e2e.test_channel_agents import add_agent, reply_row
from tests.e2e.test_channels import NewContext, SignUp, log, send

FOREIGN_ORIGIN = "http://evil.example"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


class PixelServer:
    """A tiny HTTP server standing in for another site: it records every request it gets."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG)))
                self.end_headers()
                self.wfile.write(PNG)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> PixelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def pixel_server() -> Iterator[PixelServer]:
    with PixelServer() as server:
        yield server


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, re.S)


REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
    console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`));
"""


def watch_csp(page: Page) -> list[str]:
    """Every Content-Security-Policy violation the page reports (the browser's own
    console message and the DOM's securitypolicyviolation event), and every uncaught error."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            problems.append(message.text)

    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


@pytest.mark.parametrize("path", ["/", "/login", "/channels", "/api/v1/models", "/no-such-page", "/api/v1/no-such-endpoint"])
def test_every_response_carries_the_security_headers(agent_hub: HubServer, path: str) -> None:
    response = httpx.get(agent_hub.url + path, follow_redirects=True)  # /login redirects to /login/
    assert response.status_code in (200, 401, 404)
    for hop in (*response.history, response):
        assert hop.headers["x-content-type-options"] == "nosniff"
        assert hop.headers["x-frame-options"] == "DENY"
        assert hop.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "frame-ancestors 'none'" in hop.headers["content-security-policy"]
    csp = csp_directives(response)
    assert csp["frame-ancestors"] == ["'none'"]
    if path.startswith("/api/"):  # JSON, never a document: nothing may load from it
        assert csp == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
        return
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:", "blob:"]
    assert csp["connect-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    for script in inline_scripts(response.text):  # the built page's own inline scripts may run
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"], script[:80]


def test_cors_only_for_the_configured_origin(agent_hub: HubServer) -> None:
    url = agent_hub.url + "/api/v1/models"
    foreign = httpx.get(url, headers={"Origin": FOREIGN_ORIGIN})
    assert "access-control-allow-origin" not in foreign.headers
    allowed = httpx.get(url, headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN

    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"}
    refused = httpx.options(url, headers={"Origin": FOREIGN_ORIGIN, **preflight})
    assert "access-control-allow-origin" not in refused.headers
    accepted = httpx.options(url, headers={"Origin": ALLOWED_ORIGIN, **preflight})
    assert accepted.status_code == 200
    assert accepted.headers["access-control-allow-origin"] == ALLOWED_ORIGIN


def websocket_handshake(hub: HubServer, origin: str) -> int:
    """The HTTP status a websocket handshake to the hub's event endpoint gets (101: accepted)."""
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{hub.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(secrets.token_bytes(16)).decode()}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as connection:
        connection.sendall(request.encode())
        status_line = connection.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def test_websocket_refuses_foreign_origins(agent_hub: HubServer) -> None:
    assert websocket_handshake(agent_hub, FOREIGN_ORIGIN) == 403
    assert websocket_handshake(agent_hub, f"http://127.0.0.1:{agent_hub.port}.evil.example") == 403
    assert websocket_handshake(agent_hub, agent_hub.url) == 101
    assert websocket_handshake(agent_hub, ALLOWED_ORIGIN) == 101


def assert_nothing_fetched(pixel_server: PixelServer) -> None:
    """An image starts loading when it enters the page; give a stray request time to arrive."""
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        assert pixel_server.paths == [], f"the browser called another server: {pixel_server.paths}"
        time.sleep(0.1)


def test_images_in_messages_are_links_that_fetch_nothing(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp, pixel_server: PixelServer
) -> None:
    pixel_server.paths.clear()
    page = new_context(base_url=agent_hub.url).new_page()
    problems = watch_csp(page)
    sign_up(page)
    create_channel(page, f"pixels {uuid.uuid4().hex[:6]}")

    send(page, f"look ![a tracking pixel]({pixel_server.url}/pixel.png)")
    link = log(page).get_by_role("link", name="a tracking pixel")
    expect(link).to_have_attribute("href", f"{pixel_server.url}/pixel.png")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(link).to_have_attribute("target", "_blank")

    send(page, f"![]({pixel_server.url}/no-alt.png)")  # no alt text: the URL is the link's text
    expect(log(page).get_by_role("link", name=f"{pixel_server.url}/no-alt.png")).to_be_visible()

    send(page, f'raw <img src="{pixel_server.url}/raw.png"> stays text')
    expect(log(page).get_by_text(f'<img src="{pixel_server.url}/raw.png">')).to_be_visible()

    send(page, "[click me](javascript:alert(document.cookie))")
    script_link = log(page).get_by_role("link", name="click me")
    expect(script_link).to_be_visible()
    assert not (script_link.get_attribute("href") or "").lower().startswith("javascript")

    expect(log(page).locator("img")).to_have_count(0)
    assert_nothing_fetched(pixel_server)
    assert problems == []


def test_images_in_agent_replies_are_links_that_fetch_nothing(
    new_context: NewContext,
    agent_hub: HubServer,
    sign_up: SignUp,
    pixel_server: PixelServer,
    fake_provider: FakeOpenAIServer,
    make_agent,
) -> None:
    pixel_server.paths.clear()
    page = new_context(base_url=agent_hub.url).new_page()
    problems = watch_csp(page)
    owner = sign_up(page)
    create_channel(page, f"charts {uuid.uuid4().hex[:6]}")
    slug = f"charter{uuid.uuid4().hex[:4]}"
    agent = make_agent(owner, f"Charter {slug[-4:]}", slug=slug)
    add_agent(page, agent.name)

    fake_provider.configure(reply=f"Here: ![the chart]({pixel_server.url}/agent.png)")
    box = page.get_by_role("textbox", name="Message")
    box.press_sequentially(f"draw @{slug[:4]}")
    page.get_by_role("listbox", name="Mention suggestions").get_by_role("option", name=agent.name).click()  # no eval
    expect(box).to_have_value(f"draw @{slug} ")
    box.press_sequentially("a chart")
    box.press("Enter")

    reply = reply_row(page, agent.name)
    expect(reply.get_by_role("link", name="the chart")).to_have_attribute("href", f"{pixel_server.url}/agent.png")
    expect(reply.locator("img")).to_have_count(0)
    assert_nothing_fetched(pixel_server)
    assert problems == []


def test_the_hub_runs_under_its_content_security_policy(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp
) -> None:
    """Sign up, open a channel, send a message, create an API key (a toast, copy on
    focus): the browser reports no CSP violation and no error on the way."""
    page = new_context(base_url=agent_hub.url, permissions=["clipboard-read", "clipboard-write"]).new_page()
    problems = watch_csp(page)
    page.goto("/")
    sign_up(page)
    create_channel(page, f"csp {uuid.uuid4().hex[:6]}")
    send(page, "**bold** and `code` and $x^2$")
    expect(log(page).get_by_text("bold")).to_be_visible()

    page.goto("/keys")
    page.get_by_role("button", name="Create key").click()
    page.get_by_label("Name").fill("csp check")
    page.get_by_role("button", name="Create", exact=True).click()
    shown = page.get_by_label("New API key")
    expect(shown).to_have_value(re.compile(r"^nck_"))
    secret = shown.input_value()
    expect(page.get_by_role("table").get_by_text("csp check")).to_be_visible()  # the page has settled
    shown.blur()
    shown.focus()  # selects the key: a compiled function, no eval
    page.wait_for_function(
        "(length) => document.activeElement.selectionStart === 0 && document.activeElement.selectionEnd === length",
        arg=len(secret),
    )
    page.get_by_role("button", name="Copy key").click()  # the server's answer runs through eval
    page.wait_for_function("async (key) => (await navigator.clipboard.readText()) === key", arg=secret)
    assert problems == []

    # The watcher does see a violation: a script injected into the page is refused.
    page.evaluate("document.body.append(Object.assign(document.createElement('script'), {textContent: 'window.__ran = 1'}))")
    deadline = time.monotonic() + 5
    while not problems and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the console events
    assert problems and all("script-src" in problem for problem in problems), problems
    assert page.evaluate("window.__ran") is None
