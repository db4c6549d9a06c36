"""Response bodies of `GET /api/v1/search` (pydantic): a page of message hits with
plain-text snippets, so a client never renders markup it did not write."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class SnippetPartPublic(BaseModel):
    text: str
    hit: bool = Field(description="A word that matched the query (show it highlighted).")


class SearchHitPublic(BaseModel):
    id: int = Field(description="The message's id.")
    channel_id: int
    channel_slug: str
    channel_name: str
    author_name: str
    author_kind: Literal["user", "agent", "system", "integration"]
    created_at: datetime
    thread_id: int | None = Field(description="The thread's root message when the hit is a thread reply.")
    snippet: list[SnippetPartPublic] = Field(description="About 30 words around the matches, as plain-text parts.")
    url: str = Field(description="The hub page that opens the channel at this message.")


class SearchPage(BaseModel):
    object: Literal["list"] = "list"
    data: list[SearchHitPublic] = Field(description="Newest first.")
    has_more: bool
    next_cursor: str | None = Field(description="Pass as `before` for the next (older) page; null on the last page.")
