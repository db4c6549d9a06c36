"""/search: messages of the key owner's channels that hold every word of `q`,
newest first, in keyset pages (services/search.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from neurocache_ui.api.deps import ReadKey
from neurocache_ui.api.search_schemas import SearchHitPublic, SearchPage, SnippetPartPublic
from neurocache_ui.services import search

router = APIRouter(tags=["search"])


@router.get("/search", response_model=SearchPage, summary="Search the messages of your channels")
def search_messages(
    key: ReadKey,
    q: Annotated[
        str,
        Query(max_length=search.QUERY_MAX, description="Words that must all appear; the last may be the start of a word."),
    ],
    limit: Annotated[int, Query(ge=1, le=search.PAGE_MAX)] = search.PAGE,
    before: Annotated[str | None, Query(max_length=40, description="The `next_cursor` of the previous page.")] = None,
) -> SearchPage:
    """Every channel you are a member of (archived ones too), thread replies
    included; no stemming, so words match as written in any language (case
    aside). 422 when `q` has no letters or digits."""
    page = search.search_messages(key.user_id, q, before=before, limit=limit)
    return SearchPage(
        data=[
            SearchHitPublic(
                id=hit.id, channel_id=hit.channel_id, channel_slug=hit.channel_slug, channel_name=hit.channel_name,
                author_name=hit.author_name, author_kind=hit.author_kind, created_at=hit.created_at,
                thread_id=hit.thread_id, snippet=[SnippetPartPublic(text=p.text, hit=p.hit) for p in hit.snippet],
                url=hit.url,
            )
            for hit in page.hits
        ],
        has_more=page.has_more,
        next_cursor=page.next_cursor,
    )
