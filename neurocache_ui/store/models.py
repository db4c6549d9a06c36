"""Database tables (SQLModel): the schema lives here and in alembic/versions only.
Lengths come from domain.limits; every timestamp is aware UTC (`UTCDateTime`
restores the timezone SQLite drops), so comparisons never mix naive and aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from neurocache_ui.domain import limits
from neurocache_ui.domain.scopes import SCOPES, SCOPES_JSON
# SQLite only auto-increments an INTEGER PRIMARY KEY, Postgres wants room to grow.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC on the way in and out."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use store.models.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def timestamp(*, index: bool = False, nullable: bool = False) -> datetime:
    """A UTC timestamp column; required ones default to now."""
    return Field(
        default_factory=None if nullable else utcnow,
        sa_type=UTCDateTime(),
        nullable=nullable,
        index=index,
    )


def fk(target: str, *, ondelete: str, nullable: bool = False, index: bool = True, big: bool = False) -> int:
    return Field(
        default=None,
        sa_column_args=[sa.ForeignKey(target, ondelete=ondelete)],
        sa_type=BigId if big else sa.Integer(),
        nullable=nullable,
        index=index,
    )


def json_list() -> Any:
    """A JSON list column; old rows (and rows written by hand) read as `[]`."""
    return Field(default_factory=list, sa_type=sa.JSON(), nullable=False, sa_column_kwargs={"server_default": "[]"})


def link(target: str, *, index: bool = False) -> int:
    """One half of a link table's primary key; the link goes when its target does."""
    return Field(sa_column_args=[sa.ForeignKey(target, ondelete="CASCADE")], primary_key=True, index=index)


class User(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=limits.USER_NAME_MAX)
    email: str = Field(max_length=limits.EMAIL_MAX, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = timestamp()
    is_admin: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})  # domain/roles.py
    deactivated_at: datetime | None = timestamp(nullable=True)  # no log-in, no sessions, no API keys


class AuthSession(SQLModel, table=True):
    """A browser login. Only the token's hash is stored, so a database leak
    does not hand out live sessions."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = timestamp()
    expires_at: datetime = timestamp()


class Channel(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=limits.CHANNEL_SLUG_MAX, unique=True, index=True)
    name: str = Field(max_length=limits.CHANNEL_NAME_MAX)
    description: str = Field(default="", max_length=limits.CHANNEL_DESCRIPTION_MAX)
    goal: str = Field(default="", max_length=limits.CHANNEL_GOAL_MAX)
    owner_id: int = fk("user_account.id", ondelete="CASCADE")
    created_at: datetime = timestamp()
    archived_at: datetime | None = timestamp(nullable=True)
    kind: str = Field(default="channel", max_length=limits.CHANNEL_KIND_MAX, sa_column_kwargs={"server_default": "channel"})
    """"channel", or "dm": a direct message (domain/dm_rules.py, store/dm_models.py)."""
    visibility: str = Field(default="private", max_length=10, index=True, sa_column_kwargs={"server_default": "private"})


class ChannelMember(SQLModel, table=True):
    __tablename__ = "channel_member"

    channel_id: int = link("channel.id")
    user_id: int = link("user_account.id", index=True)
    joined_at: datetime = timestamp()
    last_read_message_id: int | None = Field(default=None, sa_type=BigId, nullable=True)
    role: str = Field(default="member", max_length=16, sa_column_kwargs={"server_default": "member"})  # domain/roles.py
    notify: str | None = Field(default=None, max_length=10, nullable=True)  # domain/notify_rules.py; None: the kind's default
    muted: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class Agent(SQLModel, table=True):
    __table_args__ = (sa.UniqueConstraint("owner_id", "slug", name="uq_agent_owner_slug"),)

    id: int | None = Field(default=None, primary_key=True)
    owner_id: int = fk("user_account.id", ondelete="CASCADE")
    slug: str = Field(max_length=limits.AGENT_SLUG_MAX)
    name: str = Field(max_length=limits.AGENT_NAME_MAX)
    emoji: str = Field(default="🤖", max_length=limits.AGENT_EMOJI_MAX)
    description: str = Field(default="", max_length=limits.AGENT_DESCRIPTION_MAX)
    instructions: str = Field(default="", sa_type=sa.Text())
    model: str = Field(max_length=limits.MODEL_NAME_MAX)
    temperature: float = Field(default=0.7)
    max_tokens: int = Field(default=1024)
    reply_mode: str = Field(default="mentions", max_length=limits.REPLY_MODE_MAX)
    context_size: int = Field(default=20)
    knowledge_enabled: bool = Field(default=True)
    share_cited_passages: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    """Whether channel members may read the knowledge passages its replies cite (else only their file names)."""
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """The number of its newest version (agent_version); every save that changes it makes one."""
    arena_rating: float = Field(default=1000.0, sa_column_kwargs={"server_default": "1000"})
    arena_games: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Its Elo rating from channel arenas (store/arena_models.py) and how many it played."""
    chunk_size: int = Field(default=800, sa_column_kwargs={"server_default": "800"})
    chunk_overlap: int = Field(default=150, sa_column_kwargs={"server_default": "150"})
    """How its knowledge documents are cut into passages (domain.chunking); a change re-chunks them."""
    knowledge_stamp: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """Bumped whenever its passages or their vectors change, so each process's cached
    vector matrix (services/knowledge/vectors.py) knows when to reload with one key lookup."""
    tools: list[str] = json_list()
    """Names of the built-in tools the agent may call (domain.agent_settings.TOOL_NAMES)."""
    mcp_servers: list[dict[str, Any]] = json_list()
    """[{"url", "token", "disabled_tools", "allowed_tools"}], checked by domain.agent_settings.McpServer."""
    mcp_trigger: str = Field(
        default="owner", max_length=limits.MCP_TRIGGER_MAX, sa_column_kwargs={"server_default": "owner"}
    )
    """Whose messages may make the agent use its MCP tools: "owner" or "members" (domain.agent_settings)."""
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class ChannelAgent(SQLModel, table=True):
    __tablename__ = "channel_agent"

    channel_id: int = link("channel.id")
    agent_id: int = link("agent.id", index=True)
    added_at: datetime = timestamp()


class Message(SQLModel, table=True):
    """One chat message. A message has at most one author: a person or an agent
    (neither for system notices)."""

    __table_args__ = (
        # The channel's history is read newest-first by (created_at, id) keyset pages.
        sa.Index("ix_message_channel_created", "channel_id", "created_at", "id"),
        # The orphan sweeper's replies still being written (services/agent_runs/orphans.py).
        sa.Index(
            "ix_message_streaming",
            "created_at",
            postgresql_where=sa.text("status = 'streaming'"),
            sqlite_where=sa.text("status = 'streaming'"),
        ),
        # A thread's replies, oldest first (threads panel, an agent's thread context).
        sa.Index("ix_message_thread", "thread_id", "created_at", "id"),
        sa.CheckConstraint("user_id IS NULL OR agent_id IS NULL", name="ck_message_one_author"),
    )

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    channel_id: int = fk("channel.id", ondelete="CASCADE", index=False)
    user_id: int | None = fk("user_account.id", ondelete="SET NULL", nullable=True, index=False)
    agent_id: int | None = fk("agent.id", ondelete="SET NULL", nullable=True, index=False)
    content: str = Field(sa_type=sa.Text())
    status: str = Field(default="complete", max_length=limits.MESSAGE_STATUS_MAX)
    created_at: datetime = timestamp(index=True)
    edited_at: datetime | None = timestamp(nullable=True)
    hop: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """How many agent replies led to this message: 0 for a person's message, the
    triggering message's hop + 1 for an agent's reply. The agent runner stops
    agent-to-agent hand-offs at its hop limit, so two agents cannot loop."""
    sources: list[dict[str, str]] = json_list()
    """[{"title", "url"}]: the pages an agent's reply drew on, listed under it."""
    attachments: list[dict[str, Any]] = json_list()
    """[{"id", "filename", "width", "height"}]: the images sent with it (their bytes
    are in `attachment`), kept here so reading a page of messages stays one query."""
    thread_id: int | None = fk("message.id", ondelete="CASCADE", nullable=True, index=False, big=True)
    """The root message of the thread this one replies in (None: in the channel
    itself). Replies go with their root; a reply is never a root."""
    reactions: list[dict[str, Any]] = json_list()
    """[{"emoji", "users": [ids], "names": [names]}] oldest first: the `reaction`
    rows summed up in their own transaction, so a page of messages stays one query."""
    reply_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """A root's thread replies, kept by services/messaging.py in the reply's own
    transaction, so a page of roots shows "N replies" without counting."""
    reply_to_id: int | None = Field(default=None, sa_type=BigId, nullable=True)
    """The message an agent's reply answers ("Regenerate" answers it again). No
    foreign key: it may be deleted while the answer stays."""
    versions: list[dict[str, Any]] = json_list()
    """A regenerated reply's earlier texts, oldest first: [{"content", "status",
    "sources", "notes", "created_at"}] (domain.messages.MAX_VERSIONS at most)."""
    notes: list[str] = json_list()
    """What went wrong while an agent wrote the reply ("Web search failed: …"),
    shown under it once it is finished."""
    agent_version: int | None = Field(default=None, nullable=True)
    """The version of its agent that wrote an agent's reply."""
    arena: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON(), nullable=True)
    """An arena's card as every member sees it (answers, who voted, the result once
    revealed: domain/arena.py); the truth is arena_match, like reactions."""
    integration: str | None = Field(default=None, max_length=limits.WEBHOOK_NAME_MAX, nullable=True)
    """The name an incoming webhook posted it under (no person or agent wrote it)."""
    media: list[Any] = json_list()
    """Its video and audio as domain.media.MediaRef rows, kept in step with `media` rows
    (store/media_models.py) by services/media/, so a page of messages stays one query."""


MESSAGE_SEARCH_COLUMN = "search_vector"
"""Postgres: message's generated tsvector column (the language-neutral 'simple'
configuration, GIN-indexed), made by migration 0007 only; alembic/env.py ignores it."""
MESSAGE_SEARCH_INDEX = "ix_message_search"
MESSAGE_FTS_TABLE = "message_fts"
"""SQLite: the FTS5 index over message.content, kept in sync by triggers."""


class Reaction(SQLModel, table=True):
    """One person's emoji on one message; each person adds an emoji once."""

    message_id: int = Field(sa_column_args=[sa.ForeignKey("message.id", ondelete="CASCADE")], sa_type=BigId, primary_key=True)
    user_id: int = link("user_account.id", index=True)
    emoji: str = Field(max_length=limits.REACTION_EMOJI_MAX, primary_key=True)
    created_at: datetime = timestamp()


class Mention(SQLModel, table=True):
    """A person @mentioned in a message, for their mention badge and Mentions view."""

    __table_args__ = (sa.Index("ix_mention_user_message", "user_id", "message_id"),)

    message_id: int = Field(sa_column_args=[sa.ForeignKey("message.id", ondelete="CASCADE")], sa_type=BigId, primary_key=True)
    user_id: int = link("user_account.id")
    channel_id: int = fk("channel.id", ondelete="CASCADE", index=False)
    seen_at: datetime | None = timestamp(nullable=True)


class Summary(SQLModel, table=True):
    """A summary one person asked for: only they see it until they share it,
    which posts it in the channel (`shared_message_id`)."""

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    channel_id: int = fk("channel.id", ondelete="CASCADE", index=False)
    thread_id: int | None = fk("message.id", ondelete="CASCADE", nullable=True, index=False, big=True)
    agent_id: int | None = fk("agent.id", ondelete="SET NULL", nullable=True, index=False)
    scope: str = Field(max_length=10)
    """What it covers: "unread" messages, the "latest" ones (nothing was unread) or a "thread"."""
    content: str = Field(sa_type=sa.Text())
    message_count: int = Field(default=0)
    created_at: datetime = timestamp()
    dismissed_at: datetime | None = timestamp(nullable=True)
    shared_message_id: int | None = fk("message.id", ondelete="SET NULL", nullable=True, index=False, big=True)


class ApiKey(SQLModel, table=True):
    """An API key. Only a hash of the secret is stored; `prefix` is what lists show."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = fk("user_account.id", ondelete="CASCADE")
    name: str = Field(max_length=limits.KEY_NAME_MAX)
    prefix: str = Field(max_length=20)
    key_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = timestamp()
    last_used_at: datetime | None = timestamp(nullable=True)
    expires_at: datetime | None = timestamp(nullable=True)
    revoked_at: datetime | None = timestamp(nullable=True)
    scopes: list[str] = Field(default_factory=lambda: list(SCOPES), sa_type=sa.JSON(), sa_column_kwargs={"server_default": SCOPES_JSON})
    agent_slugs: list[str] = json_list()  # the agents it is limited to (scopes: domain/scopes.py); []: all the owner's
    channel_slugs: list[str] = json_list()  # the channels likewise
    monthly_budget: int | None = Field(default=None, nullable=True)  # model calls a calendar month (UTC); None: none


class UsageEvent(SQLModel, table=True):
    """One model call or API request, for the usage dashboard."""

    __tablename__ = "usage_event"
    __table_args__ = (sa.Index("ix_usage_event_user_created", "user_id", "created_at"),)

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    created_at: datetime = timestamp()
    user_id: int = fk("user_account.id", ondelete="CASCADE", index=False)
    api_key_id: int | None = fk("api_key.id", ondelete="SET NULL", nullable=True, index=False)
    agent_id: int | None = fk("agent.id", ondelete="SET NULL", nullable=True, index=False)
    channel_id: int | None = fk("channel.id", ondelete="SET NULL", nullable=True, index=False)
    source: str = Field(max_length=10)
    model: str = Field(default="", max_length=limits.MODEL_NAME_MAX)
    prompt_tokens: int = Field(default=0)
    completion_tokens: int = Field(default=0)
    latency_ms: int = Field(default=0)
    outcome: str = Field(default="ok", max_length=20)
    tool_calls: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    agent_version: int | None = Field(default=None, nullable=True)


class KnowledgeDocument(SQLModel, table=True):
    """A file an agent's owner uploaded (or a page a crawl read, store/ingest_models.py;
    `filename` is then its URL); its text lives in knowledge_chunk. Processed in the background
    (services/knowledge/worker.py): `status` queued → reading → embedding → ready, or
    failed with `status_reason`; `progress_*` counts passages embedded; `claimed_at` is
    the working worker's lease (refreshed as it progresses)."""

    __tablename__ = "knowledge_document"

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = fk("agent.id", ondelete="CASCADE")
    owner_id: int = fk("user_account.id", ondelete="CASCADE")
    filename: str = Field(max_length=limits.FILENAME_MAX)
    content_type: str = Field(max_length=100)
    size_bytes: int
    chunk_count: int = Field(default=0)
    created_at: datetime = timestamp()
    text: str | None = Field(default=None, sa_type=sa.Text(), nullable=True)
    """The extracted text, so passages can be cut again (new chunk settings) without the file."""
    chunk_size: int = Field(default=800, sa_column_kwargs={"server_default": "800"})
    chunk_overlap: int = Field(default=150, sa_column_kwargs={"server_default": "150"})
    """The settings its passages were cut with; differing from its agent's means "re-chunk"."""
    embedding_model: str | None = Field(default=None, max_length=limits.MODEL_NAME_MAX, nullable=True)
    """The model all its passages have vectors of (None: some have none yet), so the
    background indexer finds work by scanning documents, not passages."""
    claimed_until: datetime | None = timestamp(nullable=True)
    """A host re-chunking or embedding it holds it until then (a lease: a dead host's work is taken over)."""
    status: str = Field(default="queued", max_length=16, index=True)
    status_reason: str = Field(default="", max_length=limits.DOCUMENT_REASON_MAX)
    progress_done: int = Field(default=0)
    progress_total: int = Field(default=0)
    claimed_at: datetime | None = timestamp(nullable=True)


KNOWLEDGE_SEARCH_COLUMN = "search_vector"
"""Postgres: knowledge_chunk's generated tsvector column (GIN-indexed), made by
the migration only, so it is not declared here; alembic/env.py ignores it."""
KNOWLEDGE_SEARCH_INDEX = "ix_knowledge_chunk_search"
KNOWLEDGE_FTS_TABLE = "knowledge_chunk_fts"
"""SQLite: the FTS5 index over knowledge_chunk.content (and its shadow tables,
named with this prefix), kept in sync by triggers; made by the migration only."""


class KnowledgeChunk(SQLModel, table=True):
    """A passage of a document, the unit of full-text retrieval. `agent_id` is
    copied from the document so a search touches one agent's chunks only."""

    __tablename__ = "knowledge_chunk"

    id: int | None = Field(default=None, sa_type=BigId, primary_key=True)
    document_id: int = fk("knowledge_document.id", ondelete="CASCADE")
    agent_id: int = Field(index=True)
    ordinal: int
    content: str = Field(sa_type=sa.Text())
    embedding: bytes | None = Field(default=None, sa_type=sa.LargeBinary(), nullable=True)
    """Its vector: normalised float32, little-endian (infra/embeddings.py), of `embedding_model`."""
    embedding_model: str | None = Field(default=None, max_length=limits.MODEL_NAME_MAX, nullable=True)
