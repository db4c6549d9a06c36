"""The Responses API's server-sent events for one response, as the official `openai`
client's stream reads them: `event: <type>` lines with increasing `sequence_number`s,
every output item opened (`response.output_item.added`) before its content and
closed (`response.output_item.done`) before `response.completed`, whose `output`
is the items in the order they were opened."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from neurocache_ui.domain import response_items
from neurocache_ui.domain.tools import ToolCall


class EventWriter:
    """Writes one response's events and keeps its `output` (the items written so far)."""

    def __init__(self) -> None:
        self._sequence = 0
        self.output: list[dict[str, Any]] = []
        self._message: dict[str, Any] | None = None
        self._text: list[str] = []
        self._searches = 0

    def _event(self, kind: str, **fields: Any) -> str:
        data = {"type": kind, "sequence_number": self._sequence, **fields}
        self._sequence += 1
        return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"

    def lifecycle(self, kind: str, response: Mapping[str, Any]) -> str:
        """`response.created`, `.in_progress`, `.completed`, `.incomplete` or `.failed` with the response object."""
        return self._event(kind, response=dict(response))

    def _item(self, item: dict[str, Any]) -> Iterator[str]:
        """An item added and done at once (it finished before it was shown: a search, a call)."""
        index = len(self.output)
        self.output.append(item)
        yield self._event("response.output_item.added", output_index=index, item=item)
        yield self._event("response.output_item.done", output_index=index, item=item)

    def searches(self, queries: Sequence[str]) -> Iterator[str]:
        """`web_search_call` items for the searches not yet written (call with all so far)."""
        for item in response_items.search_items(queries[self._searches:]):
            yield from self._item(item)
        self._searches = max(self._searches, len(queries))

    def delta(self, text: str) -> Iterator[str]:
        """Text of the message item, opening it (and its output_text part) first."""
        if self._message is None:
            item_id = response_items.new_id("msg")
            self._message = response_items.message_item(item_id, "", status="in_progress")
            self.output.append(self._message)
            yield self._event("response.output_item.added", output_index=len(self.output) - 1, item=self._message)
            yield self._event("response.content_part.added", item_id=item_id, output_index=len(self.output) - 1,
                              content_index=0, part=response_items.text_part(""))
        self._text.append(text)
        yield self._event("response.output_text.delta", item_id=self._message["id"], output_index=self._index(),
                          content_index=0, delta=text, logprobs=[])

    def _index(self) -> int:
        return next(n for n, item in enumerate(self.output) if item is self._message)

    def close_message(self, annotations: Sequence[Mapping[str, Any]], *, status: str = "completed") -> Iterator[str]:
        """The message's annotations, then its text, part and item done."""
        if self._message is None:
            return
        text, item_id, index = "".join(self._text), self._message["id"], self._index()
        for number, annotation in enumerate(annotations):
            yield self._event("response.output_text.annotation.added", item_id=item_id, output_index=index,
                              content_index=0, annotation_index=number, annotation=dict(annotation))
        part = response_items.text_part(text, annotations)
        yield self._event("response.output_text.done", item_id=item_id, output_index=index, content_index=0,
                          text=text, logprobs=[])
        yield self._event("response.content_part.done", item_id=item_id, output_index=index, content_index=0, part=part)
        done = response_items.message_item(item_id, text, annotations, status=status)
        self.output[index] = done
        self._message = None
        yield self._event("response.output_item.done", output_index=index, item=done)

    def function_calls(self, calls: Sequence[ToolCall]) -> Iterator[str]:
        """A `function_call` item per call the caller is to run, with its arguments streamed whole."""
        for item in response_items.call_items(calls):
            index = len(self.output)
            opened = {**item, "status": "in_progress", "arguments": ""}
            self.output.append(item)
            yield self._event("response.output_item.added", output_index=index, item=opened)
            yield self._event("response.function_call_arguments.delta", item_id=item["id"], output_index=index,
                              delta=item["arguments"])
            yield self._event("response.function_call_arguments.done", item_id=item["id"], output_index=index,
                              name=item["name"], arguments=item["arguments"])
            yield self._event("response.output_item.done", output_index=index, item=item)

    @property
    def text(self) -> str:
        return "".join(self._text)


__all__ = ["EventWriter"]
