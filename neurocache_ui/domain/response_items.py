"""The OpenAI Responses API's shapes, translated to and from the chat messages the
reply pipeline takes and gives, so `POST /responses` runs the same agent and channel
path as Chat Completions: `input` items become chat turns; the reply's text, its web
searches with their sources, and the caller's tool calls become output items.

Rules only, no I/O: images stay as the caller sent them (the pipeline checks and
fetches them, as for Chat Completions)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.tools import NAME as TOOL_NAME
from neurocache_ui.domain.tools import Source, ToolCall, ToolError

WEB_SEARCH = "web_search"
"""The agent's built-in search tool (domain/agent_settings.TOOLS): its calls are `web_search_call` items."""
RESPONSE_ID_MAX = 64
"""Longest response id kept or looked up (ours are `resp_` and 32 hex digits)."""
MAX_TURNS = 500
"""Turns one request may carry, earlier responses' included (as Chat Completions' `messages`):
a conversation continued past it is refused, so stored conversations stay bounded."""
TEXT_PARTS = ("input_text", "output_text", "text")
ROLES = {"user": "user", "assistant": "assistant", "system": "system", "developer": "system"}
SKIPPED_ITEMS = ("web_search_call", "reasoning")
"""Output items a caller may send back as input: already reflected in the text, not turns."""


def new_id(prefix: str) -> str:
    """An id of the kind OpenAI uses (`resp_…`, `msg_…`, `fc_…`, `ws_…`), random enough to be unguessable."""
    return f"{prefix}_{secrets.token_hex(16)}"


# ---------------------------------------------------------------- input → chat messages


def _part(part: Any, where: str) -> dict[str, Any]:
    """One content part as Chat Completions has it (text, or image_url as data/https URL)."""
    if not isinstance(part, Mapping):
        raise Invalid(f"{where} must be an object with a type.", "input")
    kind = part.get("type")
    if kind in TEXT_PARTS:
        text = part.get("text")
        if not isinstance(text, str):
            raise Invalid(f"{where}.text must be a string.", "input")
        return {"type": "text", "text": text}
    if kind == "input_image":
        url = part.get("image_url")
        if not isinstance(url, str) or not url.strip():
            raise Invalid(f"{where}.image_url must be a data: URL or an https:// URL (file_id is not supported).", "input")
        image: dict[str, Any] = {"url": url.strip()}
        if isinstance(part.get("detail"), str):
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise Invalid(f"{where}.type {kind!r} is not supported; use input_text or input_image.", "input")


def _message(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    role = ROLES.get(str(item.get("role")))
    if role is None:
        raise Invalid(f"{where}.role must be user, assistant, system or developer.", "input")
    content = item.get("content")
    if isinstance(content, str):
        return {"role": role, "content": content}
    if not isinstance(content, list) or not content:
        raise Invalid(f"{where}.content must be a string or a non-empty list of content parts.", "input")
    parts = [_part(part, f"{where}.content[{index}]") for index, part in enumerate(content)]
    if role != "user" or all(p["type"] == "text" for p in parts):
        if any(p["type"] != "text" for p in parts):
            raise Invalid(f"{where}: only user messages may carry images.", "input")
        return {"role": role, "content": "".join(p["text"] for p in parts)}
    return {"role": role, "content": parts}


def _function_call(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    call_id, name, arguments = item.get("call_id"), item.get("name"), item.get("arguments", "{}")
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not isinstance(arguments, str):
        raise Invalid(f"{where} must have call_id, name and arguments (JSON text).", "input")
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _output_text(output: Any, where: str) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "".join(_part(part, f"{where}.output[{n}]").get("text", "") for n, part in enumerate(output))
    raise Invalid(f"{where}.output must be a string.", "input")


def input_messages(items: str | Sequence[Any]) -> list[dict[str, Any]]:
    """`input` as chat messages: a string is one user message; message items become turns,
    consecutive `function_call` items one assistant turn with tool calls, and each
    `function_call_output` a `tool` turn. Invalid (400/422) for anything else."""
    if isinstance(items, str):
        return [{"role": "user", "content": items}]
    messages: list[dict[str, Any]] = []
    for number, item in enumerate(items):
        where = f"input[{number}]"
        if not isinstance(item, Mapping):
            raise Invalid(f"{where} must be an object.", "input")
        kind = item.get("type", "message")
        if kind == "message":
            messages.append(_message(item, where))
        elif kind == "function_call":
            call = _function_call(item, where)
            last = messages[-1] if messages else None
            if last is not None and last.get("role") == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str) or not call_id:
                raise Invalid(f"{where}.call_id must name the function_call it answers.", "input")
            messages.append({"role": "tool", "tool_call_id": call_id, "content": _output_text(item.get("output"), where)})
        elif kind not in SKIPPED_ITEMS:
            raise Invalid(
                f"{where}.type {kind!r} is not supported; use message, function_call or function_call_output.", "input"
            )
    if not messages:
        raise Invalid("input must contain at least one message.", "input")
    return messages


def continued(prior: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The earlier response's turns followed by this request's; Invalid past MAX_TURNS."""
    turns = [dict(m) for m in prior] + [dict(m) for m in new]
    if len(turns) > MAX_TURNS:
        raise Invalid(
            f"The conversation is too long to continue ({len(turns)} turns, at most {MAX_TURNS}): "
            "start a new one without previous_response_id.", "previous_response_id",
        )
    return turns


def function_tools(tools: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The caller's Responses function tools as Chat Completions tools (`{"type": "function",
    "function": {...}}`); Invalid for a built-in tool type the hub does not run for callers."""
    converted = []
    for number, tool in enumerate(tools):
        if tool.get("type") != "function":
            raise Invalid(
                f"tools[{number}].type {tool.get('type')!r} is not supported: only function tools are; "
                "the agent's own tools (web search, …) are set on the agent.", "tools",
            )
        if not isinstance(tool.get("name"), str) or not TOOL_NAME.match(tool["name"]):
            raise Invalid(f"tools[{number}].name must be 1-64 letters, digits, '_' or '-'.", "tools")
        function = {key: tool[key] for key in ("name", "description", "parameters", "strict") if tool.get(key) is not None}
        converted.append({"type": "function", "function": function})
    return converted


# ---------------------------------------------------------------- reply → output items


@dataclass(frozen=True)
class Reply:
    """What the pipeline gave: the text, the caller's tool calls to run, the web searches
    the agent's tools made (their queries) and the pages they read."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    searches: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


def search_queries(calls: Sequence[ToolCall]) -> list[str]:
    """The queries of the `web_search` calls among `calls` (the agent's own tools ran them)."""
    queries = []
    for call in calls:
        if call.name == WEB_SEARCH:
            try:
                query = call.parsed_arguments().get("query")
            except ToolError:
                query = None
            queries.append(" ".join(query.split()) if isinstance(query, str) else "")
    return queries


def citations(text: str, sources: Sequence[Source]) -> list[dict[str, Any]]:
    """Each web source as a `url_citation`: on where the text names its URL, else its title,
    else on the whole text (the answer drew on it, the model did not say where)."""
    found = []
    for source in sources:
        if not source.url:
            continue  # a knowledge document: opened in the hub, not a link
        start, length = -1, 0
        for needle in (source.url, source.title):
            if needle and (start := text.find(needle)) >= 0:
                length = len(needle)
                break
        start, end = (start, start + length) if start >= 0 else (0, len(text))
        found.append({"type": "url_citation", "start_index": start, "end_index": end, "url": source.url,
                      "title": source.title})
    return found


def message_item(item_id: str, text: str, annotations: Sequence[Mapping[str, Any]] = (), *,
                 status: str = "completed") -> dict[str, Any]:
    return {
        "id": item_id, "type": "message", "role": "assistant", "status": status,
        "content": [] if status == "in_progress" else [text_part(text, annotations)],
    }


def text_part(text: str, annotations: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": [dict(a) for a in annotations], "logprobs": []}


def search_items(queries: Sequence[str]) -> list[dict[str, Any]]:
    return [{"id": new_id("ws"), "type": "web_search_call", "status": "completed",
             "action": {"type": "search", "query": query}} for query in queries]


def call_items(calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    return [{"id": new_id("fc"), "type": "function_call", "status": "completed", "call_id": call.id, "name": call.name,
             "arguments": call.arguments} for call in calls]


def output_items(reply: Reply, message_id: str) -> list[dict[str, Any]]:
    """The response's `output`: web searches, then the message (if the reply has text, or
    nothing else to show), then the calls the caller is to run."""
    items = search_items(reply.searches)
    if reply.text or not reply.tool_calls:
        items.append(message_item(message_id, reply.text, citations(reply.text, reply.sources)))
    return items + call_items(reply.tool_calls)


def assistant_turn(reply: Reply) -> dict[str, Any]:
    """The reply as the chat turn a continuation carries (with the caller's tool calls)."""
    turn: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.tool_calls:
        turn["content"] = reply.text or None
        turn["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                              for c in reply.tool_calls]
    return turn


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": prompt_tokens, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": completion_tokens, "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": prompt_tokens + completion_tokens,
    }


__all__ = [
    "RESPONSE_ID_MAX",
    "Reply",
    "assistant_turn",
    "call_items",
    "citations",
    "continued",
    "function_tools",
    "input_messages",
    "message_item",
    "new_id",
    "output_items",
    "search_items",
    "search_queries",
    "text_part",
    "usage",
]
