"""Streaming replies as this worker's tabs receive them: appended text only.

Each worker keeps every streaming reply's text so far (rebuilt from the bus's
deltas, healed from the shared progress store after a gap) and how much of it each
tab was sent, so a tab gets only what it lacks: the new text, or the whole text
when it is new to the reply (a late joiner, a reload, a socket moved here)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from neurocache_ui.domain.events import AgentStreamed

StreamUpdate = tuple[int, int, str]
"""(message id, offset, text): the page puts `text` at `offset` (UTF-16 code units) of what it shows."""


class ReplyTexts:
    """message id -> (text so far, revision), and per tab message id -> (revision,
    characters sent, the same in UTF-16 code units).
    A revision changes when a reply's text is rewritten rather than appended to."""

    def __init__(self) -> None:
        self._texts: dict[int, tuple[str, int]] = {}
        self._sent: dict[str, dict[int, tuple[int, int, int]]] = {}

    def apply(self, event: AgentStreamed) -> bool:
        """Take a delta; False when it does not continue the known text (the caller
        fetches the whole text and `set`s it)."""
        known = self._texts.get(event.message_id)
        if event.offset == 0:
            self._texts[event.message_id] = (event.text, (known[1] + 1) if known else 0)
            return True
        if known is None or event.offset > len(known[0]):
            return False
        text, revision = known
        if event.offset < len(text):
            revision += 1
        self._texts[event.message_id] = (text[: event.offset] + event.text, revision)
        return True

    def set(self, message_id: int, text: str) -> None:
        known = self._texts.get(message_id)
        self._texts[message_id] = (text, (known[1] + 1) if known else 0)

    def text(self, message_id: int) -> str | None:
        known = self._texts.get(message_id)
        return known[0] if known else None

    def updates_for(self, token: str, message_ids: Iterable[int]) -> list[StreamUpdate]:
        """What tab `token` lacks of these replies, recorded as sent. Offsets are in
        UTF-16 code units, as the page's strings count (an emoji is two)."""
        sent = self._sent.setdefault(token, {})
        updates = []
        for message_id in message_ids:
            if (known := self._texts.get(message_id)) is None:
                continue
            text, revision = known
            had_revision, had_chars, had_units = sent.get(message_id, (-1, 0, 0))
            if had_revision != revision or had_chars > len(text):
                had_chars = had_units = 0
            new = text[had_chars:]
            if new or had_revision != revision:
                updates.append((message_id, had_units, new))
            sent[message_id] = (revision, len(text), had_units + _utf16_units(new))
        return updates

    def ended(self, message_id: int) -> None:
        """The reply's final text is stored: nothing more streams for it."""
        self._texts.pop(message_id, None)
        for token, sent in list(self._sent.items()):
            sent.pop(message_id, None)
            if not sent:
                del self._sent[token]

    def forget_tab(self, token: str) -> None:
        """The tab's socket is gone from this worker."""
        self._sent.pop(token, None)

    def forget_tab_reply(self, token: str, message_id: int) -> None:
        """The tab shows a freshly loaded page: it has none of this reply's text."""
        self._sent.get(token, {}).pop(message_id, None)

    def clear(self) -> None:
        """Deltas may have been lost (the bus reconnected): start from the store again."""
        self._texts.clear()
        self._sent.clear()


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def script(updates: list[StreamUpdate]) -> str:
    """The page-side call that applies `updates` (web/components/stream_text.jsx).
    The text travels as a JSON literal, so it cannot escape into code; a page that
    has not loaded the component yet queues them."""
    payload = json.dumps(updates, ensure_ascii=False, separators=(",", ":"))
    return f"(window.__ncStream||(u=>(window.__ncStreamQueue=(window.__ncStreamQueue||[]).concat(u))))({payload})"


reply_texts = ReplyTexts()
