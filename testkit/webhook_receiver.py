"""A webhook receiver on 127.0.0.1 for tests and the bench: it records every POST
(headers, raw body, arrival time), answers with scripted statuses (then `status`),
optionally after a delay, and checks signatures the way docs/API.md tells a receiver
to: HMAC-SHA256 of "<timestamp>.<raw body>" with the secret, and a fresh timestamp."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def event(self) -> str:
        return str(self.json["event"])

    def signed_by(self, secret: str, *, max_age: float = 300.0) -> bool:
        """What a receiver must check: the signature over "<timestamp>.<body>", and that
        the timestamp is recent (an old request replayed is refused)."""
        stamp = self.headers.get("x-neurocache-timestamp", "")
        given = self.headers.get("x-neurocache-signature", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > max_age:
            return False
        expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, given)


class WebhookReceiver:
    def __init__(self, *, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.script: list[int] = []
        """Statuses for the next requests, in order; then `status`."""
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                seen = Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                with owner._arrived:
                    owner.received.append(seen)
                    status = owner.script.pop(0) if owner.script else owner.status
                    owner._arrived.notify_all()
                if owner.delay:
                    time.sleep(owner.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # a sender that closes its kept-alive connection (a stopped worker) is no news

        self._http = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def host_port(self) -> str:
        return f"127.0.0.1:{self._http.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host_port}/hook"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        """Block until at least `count` requests arrived (or the timeout); what arrived."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count and (left := deadline - time.monotonic()) > 0:
                self._arrived.wait(left)
            return list(self.received)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
