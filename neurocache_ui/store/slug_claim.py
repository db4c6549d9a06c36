"""Inserting a row under a free slug. The slug is picked from the taken ones and
claimed by the unique index in the same transaction; when another transaction
claimed it in between, the insert fails and the next attempt picks again."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurocache_ui.domain import slugs
from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.domain.slugs import SlugTaken
from neurocache_ui.store.db import session_scope

T = TypeVar("T")


def insert_with_free_slug(
    base: str,
    *,
    max_length: int,
    taken: Callable[[Session, str], Collection[str]],
    insert: Callable[[Session, str], T],
    busy: str,
    fixed: bool = False,
    reserved: Collection[str] = (),
) -> T:
    """`insert(session, slug)` under `base` or its first free alternative; its result.

    `taken(session, prefix)` lists the slugs in use that start with `prefix`.
    With `fixed`, `base` is the only slug wanted: SlugTaken instead of an
    alternative. Unavailable(`busy`) when every attempt lost its race."""
    for attempt in range(slugs.ATTEMPTS):
        slug = base
        try:
            with session_scope() as session:
                if fixed:
                    if base in taken(session, base):
                        raise SlugTaken(base)
                else:
                    in_use = {*taken(session, slugs.taken_prefix(base, max_length)), *reserved}
                    slug = slugs.candidate(base, in_use, attempt=attempt, max_length=max_length)
                return insert(session, slug)
        except IntegrityError:
            with session_scope() as session:
                if slug not in taken(session, slug):
                    raise  # not a slug race (e.g. the owner no longer exists)
            if fixed:
                raise SlugTaken(slug) from None
    raise Unavailable(busy)
