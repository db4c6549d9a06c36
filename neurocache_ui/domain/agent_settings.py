"""What a person can set on an agent, as one typed model: types, limits, titles
and help texts live on its fields, and the hub's form is generated from it
(formspec). The hub's configuration (default and allowed models) is added by
services/agents.py, since the domain does not read settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from neurocache_ui.domain import chunking, limits, slugs
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.formspec import error_message, field_errors
from neurocache_ui.domain.tools import REMOTE_NAME, REMOTE_TOOLS_LISTED

DEFAULT_EMOJI = "🤖"
RESERVED_SLUGS = frozenset({"new"})
"""Slugs that are hub routes (/agents/new), so no agent may use them."""
REPLY_MODES: dict[str, str] = {"mentions": "When @mentioned", "all": "On every message"}

ToolName = Literal["web_search", "fetch_url"]
TOOLS: dict[str, str] = {"web_search": "Web search", "fetch_url": "Read web pages"}
"""The built-in tools an agent may be given (services/tools runs them), with their form labels."""
MCP_TRIGGERS: dict[str, str] = {"owner": "Only me", "members": "Members of its channels"}
"""Who may set off a reply that uses the agent's MCP tools (and so its owner's tokens for them)."""
MAX_MCP_SERVERS = 5
MCP_URL_MAX = 2048
MCP_TOKEN_MAX = 4096

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)


def _unique(values: list[Any]) -> list[Any]:
    """Each value once, in the order first given."""
    return list(dict.fromkeys(values))


class McpServer(BaseModel):
    """An MCP server an agent uses (streamable HTTP). Its tools are on except
    `disabled_tools` (their names as the server lists them); once `allowed_tools` is set
    (the owner's first discovery records what the server offered then), only those and
    the ones the owner switches on later are, so a renamed or new tool stays off."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    url: str = Field(min_length=1, max_length=MCP_URL_MAX, description="The server's streamable HTTP URL.")
    token: str | None = Field(
        default=None, max_length=MCP_TOKEN_MAX,
        description="Sent as a bearer token. Write-only: reads say `has_token`; a server given again "
        "without a token keeps its stored one.",
    )
    disabled_tools: list[str] = Field(
        default_factory=list, max_length=200, description="Names of the server's tools the agent may not call."
    )
    allowed_tools: list[str] | None = Field(
        default=None, max_length=REMOTE_TOOLS_LISTED,
        description="Names of the server's tools the agent may call (those not disabled). Unset: every tool "
        "until the owner first discovers the server's tools, which records the ones it offered then.",
    )

    @field_validator("url")
    @classmethod
    def _http_only(cls, value: str) -> str:
        scheme, _, rest = value.partition("://")
        if scheme.lower() not in ("http", "https") or not rest.strip("/"):
            raise ValueError("An MCP server's URL must start with http:// or https://.")
        return value

    @field_validator("token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("disabled_tools", "allowed_tools")
    @classmethod
    def _tool_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        for name in value:
            if not REMOTE_NAME.match(name):
                raise ValueError(f"{name[:64]!r} is not a tool name (1-64 letters, digits, '_', '-' or '.').")
        return _unique(value)


class McpServerPublic(BaseModel):
    """An MCP server as reads show it: whether it has a token, never the token."""

    url: str
    has_token: bool
    disabled_tools: list[str]
    allowed_tools: list[str] | None = None

    @classmethod
    def of(cls, server: McpServer) -> McpServerPublic:
        allowed = list(server.allowed_tools) if server.allowed_tools is not None else None
        return cls(url=server.url, has_token=bool(server.token), disabled_tools=list(server.disabled_tools),
                   allowed_tools=allowed)


def keep_tokens(new: list[McpServer], old: list[McpServer]) -> list[McpServer]:
    """`new` where a server given without a token keeps the one stored for its URL,
    since reads never return tokens (to drop a token, remove the server first)."""
    stored = {server.url: server.token for server in old if server.token}
    return [
        server.model_copy(update={"token": stored[server.url]}) if not server.token and server.url in stored else server
        for server in new
    ]


def model_field(**default: Any) -> Any:
    """The `model` field; its default comes from the hub's configuration."""
    return Field(
        **default,
        title="Model",
        min_length=1,
        max_length=limits.MODEL_NAME_MAX,
        description="The model's name at your provider: pick one it lists, or type another (e.g. llama3.1).",
    )


class AgentSettingsBase(BaseModel):
    """The settings and their rules. Field order is the form's order."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", validate_assignment=True)

    name: str = Field(
        title="Name",
        min_length=1,
        max_length=limits.AGENT_NAME_MAX,
        description="How the agent appears in channels and in your roster.",
    )
    slug: str | None = Field(
        default=None,
        title="Slug",
        min_length=1,
        max_length=limits.AGENT_SLUG_MAX,
        description="Used to @mention the agent and as the API model agent:<slug>. "
        "Lowercase letters, digits and dashes; leave empty to derive it from the name.",
        json_schema_extra={"placeholder": "derived from the name"},
    )
    emoji: str = Field(
        default=DEFAULT_EMOJI,
        title="Avatar",
        max_length=limits.AGENT_EMOJI_MAX,
        description="An emoji shown next to the agent's name.",
    )
    description: str = Field(
        default="",
        title="Description",
        max_length=limits.AGENT_DESCRIPTION_MAX,
        description="A line or two on what the agent is good at; your teammates see it.",
    )
    instructions: str = Field(
        default="",
        title="Instructions",
        max_length=limits.AGENT_INSTRUCTIONS_MAX,
        description="The system prompt: who the agent is, what it does and how it answers.",
        json_schema_extra={"widget": "textarea"},
    )
    model: str = model_field()
    temperature: float = Field(
        default=0.7, title="Temperature", ge=0, le=2, multiple_of=0.1,
        description="Lower is focused and repeatable; higher is more varied and creative.",
    )
    max_tokens: int = Field(
        default=1024, title="Max tokens", ge=1, le=8192, description="The longest reply the agent may write, in tokens."
    )
    reply_mode: Literal["mentions", "all"] = Field(
        default="mentions",
        title="Reply mode",
        description="When the agent answers in a channel.",
        json_schema_extra={"choices": REPLY_MODES},
    )
    context_size: int = Field(
        default=20, title="Context size", ge=1, le=100, description="How many recent channel messages the agent reads"
    )
    knowledge_enabled: bool = Field(
        default=True, title="Use knowledge", description="Search the agent's knowledge documents when it answers."
    )
    share_cited_passages: bool = Field(
        default=False, title="Show cited passages to channel members",
        description="Replies list the knowledge documents they drew on. You can always open the passages; "
        "with this on, everyone in the agent's channels can read them too (otherwise they see the file names).",
    )
    chunk_size: int = Field(
        default=chunking.CHUNK_CHARS, title="Passage size", ge=chunking.CHUNK_CHARS_MIN, le=chunking.CHUNK_CHARS_MAX,
        description="Knowledge documents are cut into passages of at most this many characters; the agent reads "
        "the best 4. Smaller finds precise facts, larger keeps more context. A change re-cuts its documents in the background.",
    )
    chunk_overlap: int = Field(
        default=chunking.OVERLAP_CHARS, title="Passage overlap", ge=0, le=chunking.OVERLAP_CHARS_MAX,
        description="Characters each passage repeats from the end of the one before (at most half a passage), "
        "so a fact cut in two is still found whole.",
    )
    tools: list[ToolName] = Field(
        default_factory=list,
        title="Tools",
        description="What the agent may do on its own while it answers; it lists the pages it used as sources.",
        json_schema_extra={"choices": TOOLS},
    )
    mcp_servers: list[McpServer] = Field(
        default_factory=list,
        max_length=MAX_MCP_SERVERS,
        title="MCP servers",
        description=f"Up to {MAX_MCP_SERVERS} MCP servers whose tools the agent may call.",
        json_schema_extra={"form": False},  # edited in its own section of the agent page
    )
    mcp_trigger: Literal["owner", "members"] = Field(
        default="owner",
        title="Who may trigger MCP tools",
        description="Whose messages may make the agent use its MCP tools, which act with your tokens: "
        "only yours (owner), or those of everyone in its channels (members). Replies to anyone else "
        "run without them.",
        json_schema_extra={"choices": MCP_TRIGGERS, "form": False},  # on the MCP servers tab
    )

    @field_validator("name")
    @classmethod
    def _single_spaces(cls, value: str) -> str:
        """Whitespace runs become one space, so "a  b" and "a b" look and sort alike."""
        return " ".join(value.split())

    @field_validator("slug", mode="before")
    @classmethod
    def _blank_slug_is_derived(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            return value or None
        return value

    @field_validator("slug")
    @classmethod
    def _slug_rules(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not slugs.PATTERN.match(value):
            raise ValueError(
                "Slug may use only lowercase letters a-z, digits and single dashes, "
                "and cannot start or end with a dash."
            )
        if value.isdigit():
            raise ValueError("Slug needs at least one letter, so it is never mistaken for an id.")
        if value in RESERVED_SLUGS:
            raise ValueError(f'"{value}" is reserved; pick another slug.')
        return value

    @field_validator("tools")
    @classmethod
    def _tools_once(cls, value: list[str]) -> list[str]:
        return _unique(value)

    @field_validator("mcp_servers", mode="before")
    @classmethod
    def _at_most(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and len(value) > MAX_MCP_SERVERS:
            raise ValueError(f"An agent may use at most {MAX_MCP_SERVERS} MCP servers.")
        return value

    @field_validator("mcp_servers")
    @classmethod
    def _servers_once(cls, value: list[McpServer]) -> list[McpServer]:
        urls = [server.url for server in value]
        if len(set(urls)) < len(urls):
            raise ValueError("Each MCP server may be added once.")
        return value

    @field_validator("emoji", mode="before")
    @classmethod
    def _blank_emoji_is_default(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return DEFAULT_EMOJI
        return value


class SettingsInvalid(Invalid):
    """Agent settings that break rules; `field_errors` has one message per field.

    As an `Invalid`, its message and `field` are the first problem's."""

    def __init__(self, field_errors: Mapping[str, str]) -> None:
        self.field_errors: dict[str, str] = dict(field_errors)
        first_field, first_message = next(iter(self.field_errors.items()), ("", "Settings are not valid."))
        super().__init__(first_message, first_field or None)


def validate(model_cls: type[SettingsModel], data: Mapping[str, Any] | BaseModel, *, partial: bool) -> SettingsModel:
    """Validated settings, or SettingsInvalid naming every field that is wrong.

    With `partial` only the given fields are validated (each with its own rules)
    and the result's `model_fields_set` is exactly those fields."""
    if isinstance(data, model_cls):
        values: Mapping[str, Any] = data.model_dump(include=set(model_cls.model_fields), exclude_unset=partial)
    elif isinstance(data, Mapping):
        values = data
    else:
        raise TypeError(f"agent settings must be a mapping or a settings model, not {type(data).__name__}")
    if not partial:
        try:
            return model_cls.model_validate(dict(values))
        except ValidationError as error:
            raise SettingsInvalid(field_errors(model_cls, error)) from None
    result = model_cls.model_construct(_fields_set=set())
    problems: dict[str, str] = {}
    for name, value in values.items():
        if name not in model_cls.model_fields:
            problems[name] = error_message(name, {"type": "extra_forbidden"})
            continue
        try:
            setattr(result, name, value)  # validate_assignment: the field's own rules
        except ValidationError as error:
            problems.update(field_errors(model_cls, error))
    if problems:
        raise SettingsInvalid(problems)
    return result
