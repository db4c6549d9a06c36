"""An API caller's turns as the model should get them: image parts kept (vision
models read them) and the tool calls the caller ran with their results, so a
conversation that used the caller's own tools can go on. `prompts` checks the
conversation and builds the system message; these turns follow it.

Image parts reach the provider only as `data:` URLs: a provider that fetches URLs
itself (vLLM does) would fetch `http://169.254.169.254/...` or `file:///...` from the
operator's network. So a part must be a `data:` URL of a PNG, JPEG, WebP or GIF, or a
public `https://` URL, which the hub fetches through its one safe client
(infra/web/safe_fetch.py) and hands on as data; anything else is refused (422)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any

from neurocache_ui.domain import prompts
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.infra import images
from neurocache_ui.infra.web.safe_fetch import FetchError, FetchRefused, safe_fetch
from neurocache_ui.settings import get_settings

PART_TYPES = ("text", "image_url")
MAX_IMAGE_PARTS = 8
"""Image parts one request may carry (each fetched one is a request the hub makes)."""
DATA_URL = re.compile(r"^data:(image/(?:png|jpeg|webp|gif));base64,", re.IGNORECASE)
IMAGE_ACCEPT = "image/png,image/jpeg,image/webp,image/gif"
REFUSED = "must be a data: URL of a PNG, JPEG, WebP or GIF image, or a public https:// URL"


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


def _image_parts(conversation: Sequence[Mapping[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(where, part) for every image part of the user turns, `where` as a 422 names it."""
    found = []
    for number, message in enumerate(conversation):
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        for index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "image_url":
                found.append((f"messages[{number}].content[{index}].image_url", part))
    return found


def _url_of(part: Mapping[str, Any]) -> str:
    value = part.get("image_url")
    url = value.get("url") if isinstance(value, Mapping) else value
    return url.strip() if isinstance(url, str) else ""


def _checked_data_url(url: str, where: str) -> None:
    """Invalid unless `url` is a base64 data URL whose bytes are the image type it names."""
    kind = DATA_URL.match(url)
    try:
        data = base64.b64decode(url[kind.end():], validate=True) if kind else b""
    except (binascii.Error, ValueError):
        data = b""
    if not kind or images.sniffed_type(data) != kind.group(1).lower():
        raise Invalid(f"{where} {REFUSED}.", "messages")


async def _fetched(url: str, where: str) -> str:
    """The image at a public https URL as a data URL; Invalid if it is not one."""
    if not url.lower().startswith("https://"):
        raise Invalid(f"{where} {REFUSED}.", "messages")
    limit = get_settings().fetch_max_bytes
    try:
        page = await safe_fetch(url, max_bytes=limit, accept=IMAGE_ACCEPT)
    except FetchRefused as error:
        raise Invalid(f"{where} was refused: {error}", "messages") from None
    except FetchError as error:
        raise Invalid(f"{where} could not be fetched: {error}", "messages") from None
    kind = images.sniffed_type(page.body)
    if page.truncated or kind is None:
        problem = f"is larger than {limit:,} bytes" if page.truncated else "is not a PNG, JPEG, WebP or GIF image"
        raise Invalid(f"{where} {problem}.", "messages")
    return f"data:{kind};base64,{base64.b64encode(page.body).decode()}"


async def inline_images(conversation: Sequence[Mapping[str, Any]]) -> None:
    """Check every image part of the user turns and make each a data URL, in place (see
    the module's docstring); Invalid (422) for a part that is neither, or too many."""
    parts = _image_parts(conversation)
    if len(parts) > MAX_IMAGE_PARTS:
        raise Invalid(f"A request may carry at most {MAX_IMAGE_PARTS} images.", "messages")
    remote = []
    for where, part in parts:
        url = _url_of(part)
        if url.lower().startswith("data:"):
            _checked_data_url(url, where)
        else:
            remote.append((where, part, url))
    fetched = await asyncio.gather(*(_fetched(url, where) for where, _part, url in remote))
    for (_where, part, _url), data_url in zip(remote, fetched, strict=True):
        value = part.get("image_url")
        part["image_url"] = {**value, "url": data_url} if isinstance(value, Mapping) else {"url": data_url}


__all__ = ["inline_images", "passthrough", "with_turns"]
