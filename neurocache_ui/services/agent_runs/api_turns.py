"""An API caller's turns as the model should get them: image parts kept (vision
models read them) and the tool calls the caller ran with their results, so a
conversation that used the caller's own tools can go on. `prompts` checks the
conversation and builds the system message; these turns follow it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from neurocache_ui.domain import prompts

PART_TYPES = ("text", "image_url")


def _content(content: Any) -> Any:
    """A string as sent; a list keeps its text and image parts (images untouched)."""
    if isinstance(content, list):
        parts = [dict(p) for p in content if isinstance(p, Mapping) and p.get("type", "text") in PART_TYPES]
        if all(p.get("type", "text") == "text" for p in parts):
            return prompts.content_text(parts)
        return parts
    return prompts.content_text(content)


def passthrough(conversation: Sequence[Mapping[str, Any]], *, tool_turns: bool = False) -> tuple[dict[str, Any], ...]:
    """The user and assistant turns (system texts go into the system message); with
    `tool_turns`, also the assistant's tool calls and the `tool` results."""
    turns: list[dict[str, Any]] = []
    for message in conversation:
        role = message.get("role")
        if role == "user":
            turns.append({"role": "user", "content": _content(message.get("content"))})
        elif role == "assistant":
            turn: dict[str, Any] = {"role": "assistant", "content": prompts.content_text(message.get("content"))}
            calls = message.get("tool_calls") if tool_turns else None
            if isinstance(calls, list) and calls:
                turn["tool_calls"] = [dict(call) for call in calls if isinstance(call, Mapping)]
                turn["content"] = turn["content"] or None
            turns.append(turn)
        elif role == "tool" and tool_turns and message.get("tool_call_id"):
            turns.append({
                "role": "tool",
                "tool_call_id": str(message["tool_call_id"]),
                "content": prompts.content_text(message.get("content")),
            })
    return tuple(turns)


def with_turns(built: Sequence[Mapping[str, Any]], turns: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`built`'s system messages followed by the caller's own turns."""
    return [dict(m) for m in built if m.get("role") == "system"] + [dict(t) for t in turns]


__all__ = ["passthrough", "with_turns"]
