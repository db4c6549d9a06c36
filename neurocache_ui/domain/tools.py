"""What an agent's tool is, to everything around it: a spec the model is shown, a
call the model makes, and an output (text for the model, sources for people).
Built-in tools, MCP tools and a caller's API tools all fit these types, so the
reply loop treats them alike (docs/AGENTS.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")  # what OpenAI-compatible servers accept

# What an MCP server may call and describe its tools with. The hub keeps these and
# nothing more (discovery cache, page state, every model request, the step line that
# every member sees), whatever the server sends.
REMOTE_NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")
"""A remote tool's name: MCP's characters (letters, digits, `_`, `-`, `.`), at most 64."""
REMOTE_DESCRIPTION_CHARS = 1000
REMOTE_SCHEMA_BYTES = 8 * 1024
"""An input schema's size as compact JSON; a tool with a larger one is refused, not cut
(a cut schema would be wrong)."""
REMOTE_TOOLS_LISTED = 64
"""Tools kept from one server's list; the rest are not read."""


class ToolError(Exception):
    """A failure the model should read and work around (a bad argument, a refused
    address, a search that is rate limited): its text becomes the tool's output."""


@dataclass(frozen=True)
class Source:
    """What a reply drew on, listed under it: a web page (a link), or a knowledge
    document (`document_id`, and `chunk_id` the passage it was given; its `url` is
    empty: who may read the passage is decided when someone opens it)."""

    title: str
    url: str
    document_id: int | None = None
    chunk_id: int | None = None

    @property
    def is_knowledge(self) -> bool:
        return self.document_id is not None


@dataclass(frozen=True)
class Step:
    """What a reply did with its tools, as people see it: "Searching the web for …",
    or a failure ("Web search failed: …") that the model read and worked around."""

    text: str
    failed: bool = False


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"tool names are 1-64 letters, digits, '_' or '-', got {self.name!r}")

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": dict(self.parameters)},
        }


@dataclass(frozen=True)
class ToolCall:
    """One call as the model asked for it; `arguments` is its raw JSON text."""

    id: str
    name: str
    arguments: str

    def parsed_arguments(self) -> dict[str, Any]:
        """ToolError for arguments that are not a JSON object (models do send those)."""
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError:
            raise ToolError(f"The arguments of {self.name} were not valid JSON: {self.arguments[:200]!r}") from None
        if not isinstance(value, dict):
            raise ToolError(f"The arguments of {self.name} must be a JSON object.")
        return value


@dataclass(frozen=True)
class ToolOutput:
    text: str
    sources: tuple[Source, ...] = ()
    is_error: bool = False


class Tool(Protocol):
    """A tool the hub runs itself (built in, or an MCP server's)."""

    @property
    def spec(self) -> ToolSpec: ...

    def step_text(self, arguments: Mapping[str, Any]) -> str:
        """What viewers see while it runs, e.g. "Searching the web for …"."""
        ...

    async def run(self, arguments: Mapping[str, Any]) -> ToolOutput:
        """The output; raise ToolError for a failure the model should see."""
        ...


def remote_description(text: str) -> str:
    """A server's description of a tool, whitespace runs made single, cut to REMOTE_DESCRIPTION_CHARS."""
    text = " ".join(text.split())
    return text if len(text) <= REMOTE_DESCRIPTION_CHARS else text[: REMOTE_DESCRIPTION_CHARS - 1] + "…"


def remote_refusal(name: str, schema_bytes: int) -> str:
    """Why a server's tool is not offered to models ("" when it may be): a name outside
    REMOTE_NAME, or an input schema over REMOTE_SCHEMA_BYTES."""
    if not REMOTE_NAME.match(name):
        return "Its name is not 1-64 letters, digits, '_', '-' or '.', so it is not used."
    if schema_bytes > REMOTE_SCHEMA_BYTES:
        return f"Its input schema is {schema_bytes / 1024:.0f} KB, over the {REMOTE_SCHEMA_BYTES // 1024} KB limit, so it is not used."
    return ""


def shown_remote_name(name: str) -> str:
    """A server's tool name as the hub may show and store it, even a refused one: 64 characters at most."""
    return name if len(name) <= 64 else name[:63] + "…"


def offered(name: str, allowed: Collection[str] | None, disabled: Collection[str]) -> bool:
    """Whether a server's tool is offered to the agent's model: not switched off, and, once
    the owner's first discovery recorded what the server offered (`allowed`), one of
    those or one the owner switched on since. A server that renames a tool, or adds one,
    cannot put it in front of the model past its owner."""
    return name not in disabled and (allowed is None or name in allowed)


def one_string(name: str, description: str) -> dict[str, Any]:
    """The JSON schema of a tool that takes one required string, the most common shape."""
    return {
        "type": "object",
        "properties": {name: {"type": "string", "description": description}},
        "required": [name],
        "additionalProperties": False,
    }


def text_argument(arguments: Mapping[str, Any], name: str, *, tool: str, limit: int) -> str:
    """A required string argument, stripped; a ToolError the model can act on otherwise."""
    value = arguments.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"{tool} needs a non-empty `{name}` string.")
    value = value.strip()
    if len(value) > limit:
        raise ToolError(f"The {name} is too long ({len(value)} characters); use at most {limit}.")
    return value


def truncated(text: str, limit: int) -> str:
    """A tool's output cut to `limit` characters, saying so, so the model knows it saw part."""
    if len(text) <= limit:
        return text
    note = f"\n[cut: {len(text) - limit} more characters]"
    return text[: max(0, limit - len(note))] + note
