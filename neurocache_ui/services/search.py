"""Message search: every word of the query must appear in a message (the last
one may be the start of a word, so results follow the typing), in the channels
the searcher is a member of (archived ones too: their history stays readable),
thread replies included and agents' replies still being written left out;
newest first, in keyset pages. The database's full-text engine does the matching
(store/repositories/search.py) without stemming, so any language matches word for
word. User text reaches the query language only as quoted letter-and-digit words,
and a snippet's highlights come back as (text, hit) parts, never as markup."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.messages import (
    AuthorKind,
    Cursor,
    decode_cursor,
    encode_cursor,
)
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import search as repo
from neurocache_ui.store.repositories.messages import SYSTEM_NAME

QUERY_MAX = 200
"""Characters a query may have (the search box and the API refuse longer ones)."""
WORDS_MAX = 16
PAGE = 20
PAGE_MAX = 50
SNIPPET_CHARS = 300
"""A snippet's text is cut to about this many characters (a message of one huge word)."""
UNAVAILABLE = "Search is unavailable right now because the database is unreachable. Try again in a moment."
NO_WORDS = "Type at least one word (letters or digits) to search for."
TOO_LONG = f"A search may have at most {QUERY_MAX} characters."
BAD_CURSOR = "before must be the next_cursor of an earlier page of the same search."
_BIGINT_MAX = 2**63 - 1
_WORD = re.compile(r"[^\W_]+")  # the words both engines index: underscores and punctuation separate them


@dataclass(frozen=True, slots=True)
class SnippetPart:
    text: str
    hit: bool


@dataclass(frozen=True, slots=True)
class MessageHit:
    """One found message, as the search results list it."""

    id: int
    channel_id: int
    channel_slug: str
    channel_name: str
    author_name: str
    author_kind: AuthorKind
    created_at: datetime
    thread_id: int | None
    snippet: tuple[SnippetPart, ...]

    @property
    def cursor(self) -> str:
        """The `before` of the page after the one this hit ends."""
        return encode_cursor(self.created_at, self.id)

    @property
    def url(self) -> str:
        """The hub page that opens the channel at this message (history around it)."""
        return f"/channels/{self.channel_slug}?m={self.id}"


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[MessageHit]
    has_more: bool
    next_cursor: str | None
    words: tuple[str, ...]


def query_words(query: str) -> tuple[str, ...]:
    """The query's distinct words, lower-cased, in order (at most WORDS_MAX).
    Invalid when it is too long or has no word at all (only punctuation)."""
    text = unicodedata.normalize("NFC", (query or "").replace("\x00", "")).strip()
    if len(text) > QUERY_MAX:
        raise Invalid(TOO_LONG, "q")
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word not in words:
            words.append(word)
    if not words:
        raise Invalid(NO_WORDS, "q")
    # The last word typed is the prefix; a repeat of an earlier one keeps its place.
    last = _WORD.findall(text.lower())[-1]
    words.remove(last)
    words.append(last)
    return tuple(words[-WORDS_MAX:])


def _cursor(before: str | None) -> Cursor | None:
    if not before:
        return None
    try:
        cursor = decode_cursor(before)
    except Invalid:
        raise Invalid(BAD_CURSOR, "before") from None
    if not 1 <= cursor.id <= _BIGINT_MAX:
        raise Invalid(BAD_CURSOR, "before")
    return cursor


def search_messages(user_id: int, query: str, *, before: str | None = None, limit: int = PAGE) -> SearchPage:
    """A page of the messages matching `query` that `user_id` may read, newest
    first; `before` is the previous page's `next_cursor`."""
    if not 1 <= limit <= PAGE_MAX:
        raise Invalid(f"Ask for between 1 and {PAGE_MAX} results.", "limit")
    words = query_words(query)
    cursor = _cursor(before)
    with database_guard(UNAVAILABLE), session_scope() as session:
        rows = repo.search(session, user_id, words, cursor, limit + 1)
    hits = [_hit(row) for row in rows[:limit]]
    has_more = len(rows) > limit
    return SearchPage(hits, has_more, hits[-1].cursor if has_more else None, words)


def _hit(row: sa.Row[Any]) -> MessageHit:
    if row.user_id is not None:
        kind: AuthorKind = "user"
        name = row.user_name
    elif row.agent_id is not None:
        kind, name = "agent", row.agent_name
    elif row.integration:
        kind, name = "integration", row.integration
    else:
        kind, name = "system", SYSTEM_NAME
    return MessageHit(
        row.id, row.channel_id, row.channel_slug, row.channel_name, name, kind, row.created_at, row.thread_id,
        snippet_parts(row.snippet or "", row.content or ""),
    )


def snippet_parts(snippet: str, content: str) -> tuple[SnippetPart, ...]:
    """A marked-up snippet (repo.START / repo.STOP around hits) as parts, with
    "…" where the message goes on (the first or last word is not the message's),
    at most about SNIPPET_CHARS characters. A message that holds the marker
    characters itself (only SQLite keeps them in the snippet) gets no highlights
    rather than ones it chose."""
    if repo.START in content or repo.STOP in content:
        snippet = snippet.replace(repo.START, "").replace(repo.STOP, "")
    parts: list[SnippetPart] = []
    for number, chunk in enumerate(snippet.split(repo.START)):
        hit, _, rest = chunk.partition(repo.STOP) if number else ("", "", chunk)
        parts += [SnippetPart(text, flag) for text, flag in ((hit, True), (rest.replace(repo.STOP, ""), False)) if text]
    shown, words = _WORD.findall("".join(part.text for part in parts)), _WORD.findall(content)
    if shown and words and shown[0] != words[0]:
        parts.insert(0, SnippetPart("…", False))
    if shown and words and shown[-1] != words[-1]:
        parts.append(SnippetPart("…", False))
    return _cut(parts)


def _cut(parts: list[SnippetPart]) -> tuple[SnippetPart, ...]:
    kept: list[SnippetPart] = []
    budget = SNIPPET_CHARS
    for part in parts:
        if budget <= 0:
            break
        if len(part.text) > budget:
            kept.append(SnippetPart(part.text[:budget] + "…", part.hit))
            break
        kept.append(part)
        budget -= len(part.text)
    return tuple(kept)


__all__ = ["MessageHit", "SearchPage", "SnippetPart", "query_words", "search_messages", "snippet_parts"]
