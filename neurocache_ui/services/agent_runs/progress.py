"""A channel reply's text so far, shared by every worker and host. The runner hands
it the whole text at each flush; viewers are sent only what was appended
(`AgentStreamed(offset, text)`), and whoever missed some (a viewer's worker, a late
joiner, the orphan sweeper) reads the whole text back with `text_so_far`. With Redis
it is one key per reply, refreshed while it grows; without, this process's memory."""

from __future__ import annotations

import logging

from neurocache_ui.domain.events import AgentStreamed
from neurocache_ui.infra import bus
from neurocache_ui.infra.redis import Outage, redis_client
from neurocache_ui.services.agent_runs import stops
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

TEXT_KEY = "nc:agent:text:{}"
TEXT_TTL = 600
"""Seconds the text outlives its last update: far beyond a lease (stops.RUN_TTL), so
the sweeper still finds a dead worker's text, yet a lost reply's key goes away."""

_outage = Outage(log, "Reply progress", "late viewers see a reply when it ends")
_local: dict[int, str] = {}
"""Without Redis (one process): the text so far of each reply, by message id."""


def _redis_url() -> str | None:
    return get_settings().redis_url or None


class Progress:
    """One reply's text as its viewers were sent it: each `publish` stores the new
    text and sends only what it appends (offset 0 and the whole text when it does
    not continue what was sent, or after a failed send)."""

    def __init__(self, channel_id: int, message_id: int) -> None:
        self.channel_id = channel_id
        self.message_id = message_id
        self._sent = ""

    async def publish(self, text: str) -> None:
        """For the runner's flusher (throttle.Flusher): the whole text so far. Never raises."""
        if text == self._sent:
            return
        offset = len(self._sent) if text.startswith(self._sent) else 0
        try:
            sent = await stops.in_thread(self._send, offset, text)
        except Exception:
            log.exception("publishing the progress of reply %s failed", self.message_id)
            sent = False
        # After a failure viewers may lack a part: the next update starts over.
        self._sent = text if sent else ""

    def _send(self, offset: int, text: str) -> bool:
        part = text[offset:]
        self._store(offset, part, text)
        return bus.publish(self.channel_id, AgentStreamed(message_id=self.message_id, offset=offset, text=part))

    def _store(self, offset: int, part: str, text: str) -> None:
        url = _redis_url()
        if url is None:
            _local[self.message_id] = text
            return
        key = TEXT_KEY.format(self.message_id)
        whole = len(text.encode())

        def write() -> None:
            client = redis_client(url)
            if offset == 0:
                client.set(key, text, ex=TEXT_TTL)
            else:
                pipe = client.pipeline(transaction=False)
                pipe.append(key, part).expire(key, TEXT_TTL)
                if pipe.execute()[0] != whole:  # the key was lost (expired, Redis restarted)
                    client.set(key, text, ex=TEXT_TTL)

        _outage.call(write, lambda: None, "store")


def text_so_far(message_id: int) -> str | None:
    """The reply's whole text so far, None if unknown (never streamed, ended, or
    Redis unreachable). Blocking: call it in a thread."""
    url = _redis_url()
    if url is None:
        return _local.get(message_id)
    raw = _outage.call(lambda: redis_client(url).get(TEXT_KEY.format(message_id)), lambda: None, "read")
    return raw.decode() if isinstance(raw, bytes) else raw


def clear(message_id: int) -> None:
    """Forget the reply's text once its end is stored. Blocking: call it in a thread."""
    _local.pop(message_id, None)
    if (url := _redis_url()) is not None:
        _outage.call(lambda: redis_client(url).delete(TEXT_KEY.format(message_id)), lambda: 0, "clear")


__all__ = ["TEXT_KEY", "TEXT_TTL", "Progress", "clear", "text_so_far"]
