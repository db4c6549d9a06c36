"""A browser tab without a browser: one socket.io connection speaking Reflex's event
protocol, for probes that must bypass the page (tests) and for many viewers at once
(benches: a Chromium per viewer would load the machine more than the server)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, Self

import socketio

from neurocache_ui.services import auth

NAMESPACE = "/_event"  # Reflex's socket.io path and namespace
ROOT_STATE = "reflex___state____state"  # rx.State's full name: the browser's boot event goes to it


def router_data(path: str, query: dict[str, str] | None = None) -> dict[str, Any]:
    """What the page adds to every event: where the tab is (query holds a dynamic route's params)."""
    return {"pathname": path, "asPath": path, "query": query or {}}


class RawTab:
    """One tab's websocket. Frames are kept in `received` (as JSON text) unless an
    `on_frame` callback takes them: a bench with hundreds of tabs keeps only what it measures."""

    def __init__(self, base_url: str, cookie: str | None = None, on_frame: Callable[[str], None] | None = None) -> None:
        self.base_url = base_url
        self.cookie = cookie
        self.token = str(uuid.uuid4())
        self.received: list[str] = []
        self.on_frame = on_frame or self.received.append
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("event", self._record, namespace=NAMESPACE)

    async def _record(self, data: Any) -> None:
        self.on_frame(json.dumps(data, default=str))

    async def open(self, path: str | None = None, query: dict[str, str] | None = None) -> Self:
        """Connect; with `path`, as a browser opening that page does: the hydrate
        event rides in the CONNECT packet and the server runs the page's on_load handlers."""
        headers = {"Cookie": f"{auth.SESSION_COOKIE}={self.cookie}"} if self.cookie else {}
        boot = None
        if path is not None:
            boot = {
                "event": {
                    "name": f"{ROOT_STATE}.hydrate_and_load",
                    "payload": {},
                    "router_data": router_data(path, query),
                }
            }
        await self.client.connect(
            f"{self.base_url}?token={self.token}", socketio_path=NAMESPACE, namespaces=[NAMESPACE],
            transports=["websocket"], headers=headers, auth=boot, wait_timeout=10,
        )  # fmt: skip
        return self

    async def close(self) -> None:
        await self.client.disconnect()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def call(self, name: str, payload: dict[str, Any], path: str) -> None:
        """Emit event `name` as if from page `path`."""
        event = {"name": name, "payload": payload, "router_data": router_data(path)}
        await self.client.emit("event", event, namespace=NAMESPACE)

    def text(self) -> str:
        return "\n".join(self.received)
