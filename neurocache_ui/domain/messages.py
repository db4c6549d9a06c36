"""A message as every viewer sees it, and its place in a channel's order.

`score_of` (microseconds since 1970 UTC) orders messages the same way in the
cache window, the keyset cursor and the database, so pages meet without gaps."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, NamedTuple

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.media import MediaRef, media_of
from neurocache_ui.domain.reactions import ReactionGroup
from neurocache_ui.domain.tools import Source

AuthorKind = Literal["user", "agent", "system", "integration"]
ATTACHMENT_PATH = "/attachments"
"""Where the hub serves a message's images (api/attachments.py), same origin."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_parse_time = datetime.fromisoformat


def score_of(created_at: datetime) -> int:
    """Microseconds since 1970 UTC: integer, exact, ordered like `created_at`."""
    return (created_at - _EPOCH) // timedelta(microseconds=1)


def datetime_of(score: int) -> datetime:
    """The inverse of `score_of`."""
    return _EPOCH + timedelta(microseconds=score)


@dataclass(frozen=True, slots=True)
class MessageView:
    """Author name included, so a cached copy needs no database lookup to render.
    Timestamps are aware UTC."""

    id: int
    channel_id: int
    user_id: int | None
    agent_id: int | None
    author_name: str
    author_kind: AuthorKind
    content: str
    status: str
    created_at: datetime
    edited_at: datetime | None
    sources: tuple[Source, ...] = ()
    """The pages an agent's reply drew on, listed under it as links."""
    attachments: tuple[AttachmentRef, ...] = ()
    """The images sent with the message, in the order they were attached."""
    thread_id: int | None = None
    """The root of the thread this message replies in; None in the channel itself."""
    reply_count: int = 0
    """A root's thread replies."""
    reactions: tuple[ReactionGroup, ...] = ()
    version_count: int = 1
    """How many texts the reply has had (regenerated: more than 1); this is the newest."""
    notes: tuple[str, ...] = ()
    """What went wrong while an agent wrote it ("Web search failed: …")."""
    arena: str = ""
    """An arena's card as JSON text ("" for other messages): see domain/arena.py."""
    media: tuple[MediaRef, ...] = ()
    """The video and audio sent with the message (domain/media.py)."""

    @property
    def cursor(self) -> str:
        """Keyset cursor for `older_messages(before=...)`: messages strictly older than this one."""
        return encode_cursor(self.created_at, self.id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: datetimes as ISO 8601 strings."""
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["edited_at"] = self.edited_at.isoformat() if self.edited_at else None
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MessageView:
        """Accepts `to_dict()` output (ISO strings) or datetimes. Positional on
        purpose: this runs 100 times per cached channel read."""
        created, edited, sources = data["created_at"], data.get("edited_at"), data.get("sources")
        attached, reactions = data.get("attachments"), data.get("reactions")
        return cls(
            data["id"],
            data["channel_id"],
            data.get("user_id"),
            data.get("agent_id"),
            data["author_name"],
            data["author_kind"],
            data["content"],
            data["status"],
            created if isinstance(created, datetime) else datetime.fromisoformat(created),
            edited if edited is None or isinstance(edited, datetime) else datetime.fromisoformat(edited),
            sources_of(sources) if sources else (),
            attachments_of(attached) if attached else (),
            data.get("thread_id"),
            data.get("reply_count", 0),
            reactions_of(reactions) if reactions else (),
            data.get("version_count", 1),
            tuple(data.get("notes") or ()),
            data.get("arena") or "",
            media_of(data.get("media")),
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> MessageView:
        return cls.from_dict(json.loads(raw))

    def to_row(self) -> list[Any]:
        """The cache window's form: a JSON array in field order, so a worker's first
        read of a window builds each view without key lookups (see `from_row`)."""
        return [
            self.id,
            self.channel_id,
            self.user_id,
            self.agent_id,
            self.author_name,
            self.author_kind,
            self.content,
            self.status,
            self.created_at.isoformat(),
            self.edited_at.isoformat() if self.edited_at else None,
            [[s.title, s.url, s.document_id, s.chunk_id] if s.is_knowledge else [s.title, s.url] for s in self.sources],
            [[a.id, a.filename, a.width, a.height] for a in self.attachments],
            self.thread_id,
            self.reply_count,
            [[r.emoji, r.user_ids, r.names] for r in self.reactions],
            self.version_count,
            list(self.notes),
            self.arena,
            [m.to_row() for m in self.media],
        ]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> MessageView:
        """The inverse of `to_row`. ISO strings, not integer microseconds: parsing one
        costs a quarter of `_EPOCH + timedelta(...)`. Raises ValueError or TypeError
        on a row of another shape."""
        (id_, channel, user, agent, author, kind, content, status, created, edited, sources, attached, thread, replies,
         reactions, versions, notes, arena, media) = row
        return cls(
            id_,
            channel,
            user,
            agent,
            author,
            kind,
            content,
            status,
            _parse_time(created),
            _parse_time(edited) if edited is not None else None,
            tuple(Source(*source) for source in sources) if sources else (),
            tuple(AttachmentRef(*item) for item in attached) if attached else (),
            thread,
            replies,
            tuple(ReactionGroup(emoji, tuple(ids), tuple(names)) for emoji, ids, names in reactions) if reactions else (),
            versions,
            tuple(notes) if notes else (),
            arena,
            media_of(media),
        )


@dataclass(frozen=True, slots=True)
class AttachmentRef:
    """What a viewer needs to show an attached image; the bytes are served by
    ATTACHMENT_PATH to members of the channel only."""

    id: int
    filename: str
    width: int
    height: int

    @property
    def url(self) -> str:
        return f"{ATTACHMENT_PATH}/{self.id}"

    @property
    def thumbnail_url(self) -> str:
        return f"{ATTACHMENT_PATH}/{self.id}/thumbnail"


def attachments_of(items: Any) -> tuple[AttachmentRef, ...]:
    """Attachment refs from their dict form (`to_dict()`) or as they are."""
    return tuple(
        item if isinstance(item, AttachmentRef) else AttachmentRef(item["id"], item["filename"], item["width"], item["height"])
        for item in items
    )


def reactions_of(items: Any) -> tuple[ReactionGroup, ...]:
    """Reaction groups from their dict form (`to_dict()` or as stored in
    `message.reactions`) or as they are."""
    return tuple(
        item if isinstance(item, ReactionGroup)
        else ReactionGroup(item["emoji"], tuple(item.get("user_ids", item.get("users", ()))), tuple(item["names"]))
        for item in items
    )


def sources_of(items: Any) -> tuple[Source, ...]:
    """Sources from their stored form (`[{"title", "url"}]`, knowledge ones with
    "document_id" and "chunk_id") or as they are."""
    return tuple(
        item if isinstance(item, Source)
        else Source(item["title"], item["url"], item.get("document_id"), item.get("chunk_id"))
        for item in items
    )


def stored_sources(sources: Iterable[Source]) -> list[dict[str, Any]]:
    """The column's form of `clean_sources(sources)`."""
    return [
        {"title": s.title, "url": s.url, **({"document_id": s.document_id, "chunk_id": s.chunk_id} if s.is_knowledge else {})}
        for s in clean_sources(sources)
    ]


MAX_VERSIONS = 10
"""A regenerated reply keeps at most this many texts (the oldest go)."""
MAX_NOTES = 10
NOTE_MAX = 300


def arena_text(card: Mapping[str, Any] | None) -> str:
    """A stored arena card as the view carries it: compact JSON text, "" for none."""
    return json.dumps(card, separators=(",", ":"), ensure_ascii=False, sort_keys=True) if card else ""


def clean_notes(notes: Iterable[str]) -> tuple[str, ...]:
    """The notes worth showing under a reply: one line each, cut, each once, a few."""
    kept = dict.fromkeys(" ".join(note.split())[:NOTE_MAX] for note in notes)
    return tuple(note for note in kept if note)[:MAX_NOTES]


MAX_SOURCES = 20
SOURCE_TITLE_MAX = 300
SOURCE_URL_MAX = 2048


def clean_sources(sources: Iterable[Source]) -> tuple[Source, ...]:
    """The sources worth listing under a reply: knowledge documents (each once) and
    http(s) links (they become `href`s; each URL once), at most MAX_SOURCES; an
    empty title shows the URL."""
    kept: dict[str, Source] = {}
    for source in sources:
        if source.is_knowledge:
            key = f"document:{source.document_id}"
            if len(kept) < MAX_SOURCES and key not in kept:
                kept[key] = Source(" ".join(source.title.split())[:SOURCE_TITLE_MAX] or "document", "",
                                   source.document_id, source.chunk_id)
            continue
        url = source.url.strip()
        if len(kept) >= MAX_SOURCES or url in kept or len(url) > SOURCE_URL_MAX:
            continue
        if not url.lower().startswith(("http://", "https://")):
            continue
        title = " ".join(source.title.split())[:SOURCE_TITLE_MAX] or url[:SOURCE_TITLE_MAX]
        kept[url] = Source(title, url)
    return tuple(kept.values())


class Cursor(NamedTuple):
    """A position in a channel's history: the `(created_at, id)` of a message."""

    created_at: datetime
    id: int


def encode_cursor(created_at: datetime, message_id: int) -> str:
    return f"{score_of(created_at)}_{message_id}"


def decode_cursor(value: str) -> Cursor:
    try:
        micros, message_id = (int(part) for part in value.split("_"))
        return Cursor(datetime_of(micros), message_id)
    except (ValueError, OverflowError):
        raise Invalid("That page position is not valid; reload the channel.", "before") from None
