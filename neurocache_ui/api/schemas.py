"""Request and response bodies of the API (pydantic), so the OpenAPI schema
documents every field. Agent settings reuse the hub form's model as is, and
length limits come from domain.limits."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from neurocache_ui.api.media_schemas import FilePublic as FilePublic
from neurocache_ui.api.media_schemas import MediaPublic as MediaPublic
from neurocache_ui.domain import dm_rules, limits
from neurocache_ui.services.agents import AgentPublic, AgentSettings

# ---------------------------------------------------------------- errors


class ErrorDetail(BaseModel):
    message: str = Field(description="What went wrong, written for people; safe to show.")
    type: str = Field(description="The kind of error, as in OpenAI's API, e.g. invalid_request_error.")
    param: str | None = Field(default=None, description="The request field at fault, if one.")
    code: str | None = Field(default=None, description="A stable machine-readable code, e.g. invalid_api_key.")


class ErrorResponse(BaseModel):
    """OpenAI's error shape."""

    error: ErrorDetail


# ---------------------------------------------------------------- models


class ModelCard(BaseModel):
    id: str = Field(description="agent:<slug>, channel:<slug>, or the embedding model's name (owned_by \"hub\")")
    object: Literal["model"] = "model"
    created: int
    owned_by: str
    name: str = Field(description="The agent's or channel's display name.")
    description: str = ""


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


# ---------------------------------------------------------------- chat completions


class ChatMessageIn(BaseModel):
    """An OpenAI chat message: a string or content parts (text, and image_url for
    vision models); assistant `tool_calls` and `tool` results of the caller's own tools."""

    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[dict[str, Any]] | None = None
    name: str | None = None


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionTool(BaseModel):
    """One of the caller's own tools (OpenAI function tool). The model gets it next to
    the agent's tools; a call to it ends the completion with `tool_calls` for the caller."""

    model_config = ConfigDict(extra="allow")

    type: Literal["function"] = "function"
    function: dict[str, Any] = Field(description="name (1-64 of a-z A-Z 0-9 _ -), description, parameters (JSON Schema).")


class ChatCompletionRequest(BaseModel):
    """OpenAI Chat Completions. Fields not listed (logprobs, ...) are accepted and
    ignored; `n` must be 1. An agent runs its own tools on the server."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(description="agent:<slug> or channel:<slug>, as listed by GET /models.", max_length=200)
    messages: list[ChatMessageIn] = Field(min_length=1, max_length=500)
    temperature: float | None = Field(default=None, ge=0, le=2, description="Default: the agent's own.")
    max_tokens: int | None = Field(default=None, ge=1, le=32768, description="Default: the agent's own.")
    max_completion_tokens: int | None = Field(default=None, ge=1, le=32768, description="Same as max_tokens.")
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    n: int | None = Field(default=None, ge=1, le=1, description="Only 1 is supported.")
    user: str | None = None
    tools: list[ChatCompletionTool] | None = Field(
        default=None, max_length=128, description="The caller's own tools (agent models only); their calls come back as tool_calls."
    )


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletionFunctionCall(BaseModel):
    name: str
    arguments: str = Field(description="JSON text of the arguments.")


class ChatCompletionToolCall(BaseModel):
    """A call to one of the caller's tools; answer it with a `tool` message with this id."""

    id: str
    type: Literal["function"] = "function"
    function: ChatCompletionFunctionCall


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    tool_calls: list[ChatCompletionToolCall] | None = None


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: str = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage


# ---------------------------------------------------------------- agents

AgentCreate = AgentSettings
"""Creating an agent takes exactly the settings of the hub's generated form."""

AgentUpdate: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "AgentUpdate",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Any subset of the agent's settings; the rest stay. Rules are those of AgentCreate; "
    "a null or empty slug is derived again from the name. `mcp_servers` replaces the list; "
    "a server given without a token keeps the token stored for its URL.",
    **{
        name: (field.annotation | None, Field(default=None, title=field.title, description=field.description))
        for name, field in AgentSettings.model_fields.items()
    },
)


class AgentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AgentPublic]
    has_more: bool


class AgentVersionOut(BaseModel):
    number: int = Field(description="1 for the agent as created, +1 for every save that changed it.")
    created_at: datetime
    author: str = Field(description="Who saved it.")
    settings: dict[str, Any] = Field(description="The settings as saved (MCP servers without their tokens).")
    knowledge: str = Field(description="A fingerprint of the knowledge documents the agent had then.")


class AgentVersionList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AgentVersionOut] = Field(description="Newest first.")
    has_more: bool


# ---------------------------------------------------------------- channels


class ChannelCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=limits.CHANNEL_NAME_MAX, description="Shown in the hub; the slug is derived from it.")
    description: str = Field(default="", max_length=limits.CHANNEL_DESCRIPTION_MAX)
    goal: str = Field(default="", max_length=limits.CHANNEL_GOAL_MAX, description="What the channel's agents work toward.")
    visibility: Literal["open", "private"] = Field(
        default="private", description="open: anyone may find, read and join it; private: invited members only."
    )


class ChannelAgent(BaseModel):
    slug: str
    name: str
    emoji: str
    description: str
    owned: bool = Field(description="True when the key's owner owns the agent.")


class ChannelPublic(BaseModel):
    id: int
    slug: str
    name: str
    description: str
    goal: str
    is_owner: bool
    archived: bool
    created_at: datetime
    member_count: int
    visibility: Literal["open", "private"] = "private"
    is_member: bool = Field(default=True, description="False: an open channel you may read but have not joined.")
    role: Literal["owner", "moderator", "member"] | None = Field(
        description="Your role in the channel (docs/SECURITY.md); null in an open channel you have not joined."
    )
    agents: list[ChannelAgent] = []
    kind: Literal["channel", "dm"] = Field(default="channel", description='"dm" for a direct message.')


class ChannelMemberPublic(BaseModel):
    user_id: int
    name: str
    role: Literal["owner", "moderator", "member"]


class ChannelMemberList(BaseModel):
    data: list[ChannelMemberPublic]


class RoleChange(BaseModel):
    role: Literal["moderator", "member"] = Field(description="The owner names moderators; the owner stays the owner.")


class ChannelSummary(BaseModel):
    id: int
    slug: str
    name: str
    unread: int
    kind: Literal["channel", "dm"] = "channel"


class ChannelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ChannelSummary]


class DmCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[Annotated[str, Field(min_length=1, max_length=limits.EMAIL_MAX)]] = Field(
        min_length=1,
        max_length=dm_rules.MAX_MEMBERS,
        description='Whom to message besides you: account emails and your agents or your channels\' as "agent:<slug>".',
    )


class ChannelAgentAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str = Field(min_length=1, max_length=100, description="The slug of one of your agents.")


class SourcePublic(BaseModel):
    title: str
    url: str = Field(description="A web page's address; empty for a knowledge document.")
    document_id: int | None = Field(default=None, description="A knowledge document the reply was given (its agent's).")


class ImagePublic(BaseModel):
    id: int
    filename: str
    width: int
    height: int
    url: str = Field(description="Same-origin; served to members of the channel with a hub session.")


class ReactionPublic(BaseModel):
    emoji: str
    count: int
    user_ids: list[int] = Field(description="Who reacted, oldest first.")
    names: list[str]


class ReactionCreate(BaseModel):
    """Add a reaction: one of the hub's emoji (👍 ❤️ 😂 🎉 👀 ✅ 🙏 🔥 🚀 🤔 😮 😢 👎 💯)."""

    emoji: str = Field(min_length=1, max_length=16)


class MessagePublic(BaseModel):
    id: int
    channel_id: int
    author_name: str
    author_kind: Literal["user", "agent", "system", "integration"]
    user_id: int | None
    agent_id: int | None
    content: str
    status: str
    created_at: datetime
    edited_at: datetime | None
    cursor: str = Field(description="Pass as `before` to page to older messages.")
    sources: list[SourcePublic] = Field(
        default_factory=list, description="What an agent's reply drew on: its knowledge documents and the web pages its tools read."
    )
    images: list[ImagePublic] = Field(default_factory=list, description="Images attached in the hub.")
    thread_id: int | None = Field(default=None, description="The thread's root message; null in the channel itself.")
    reply_count: int = Field(default=0, description="Replies in this message's thread (roots only).")
    reactions: list[ReactionPublic] = Field(default_factory=list, description="One entry per emoji, oldest first.")
    media: list[MediaPublic] = Field(default_factory=list, description="Video and audio sent with the message.")
    files: list[FilePublic] = Field(default_factory=list, description="Other files sent with it (PDF, zip, CSV …).")


class MessageList(BaseModel):
    object: Literal["list"] = "list"
    data: list[MessagePublic] = Field(description="Oldest first.")
    has_more: bool = Field(description="Older messages may exist: ask again with before=first_cursor.")
    first_cursor: str | None = Field(description="The `before` value for the previous page.")


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str = Field(
        description="Markdown text; @slug mentions call agents. At most the hub's NEUROCACHE_MAX_MESSAGE_CHARS "
        "characters, not counting surrounding whitespace."
    )
    thread_id: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Reply in this message's thread (a message of the same channel)."
    )
    media_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        default_factory=list, max_length=4,
        description="Your unsent uploads (POST /media) to send with it; then `content` may be empty.",
    )
    file_ids: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        default_factory=list, max_length=4, description="Your unsent files (POST /files) to send with it; at most 4 with `media_ids`.",
    )


class QueryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=100_000)
    record: bool = Field(default=False, description="Also post the question, the answers and the synthesis in the channel.")
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=32768)


class AgentAnswerPublic(BaseModel):
    agent: str = Field(description="The agent's slug.")
    name: str
    content: str
    outcome: str = Field(description="ok, error, timeout or stopped")
    error: str | None = None
    usage: Usage


class QueryResponse(BaseModel):
    object: Literal["channel.query"] = "channel.query"
    channel: str
    question: str
    answer: str = Field(description="The synthesis of the agents' answers.")
    answers: list[AgentAnswerPublic]
    outcome: str
    error: str | None = None
    usage: Usage
    message_ids: list[int] = Field(default=[], description="Messages posted in the channel when record was true.")


# ---------------------------------------------------------------- usage


class UsageRowPublic(BaseModel):
    key: int | str | None = Field(description="Key id, agent id, or the bucket's start (ISO 8601) for day/hour.")
    label: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    errors: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None


class UsageSummary(BaseModel):
    object: Literal["usage.summary"] = "usage.summary"
    since: datetime
    group_by: str
    data: list[UsageRowPublic]
    total: UsageRowPublic
