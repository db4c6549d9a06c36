"""Agent queries, always within one owner's agents: someone else's agent is
not found, exactly like one that does not exist."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, delete, select

from neurocache_ui.store.models import Agent


def _owned_by(owner_id: int, key: int | str) -> sa.ColumnElement[bool] | None:
    """By id (an int) or slug (a str); None for anything else."""
    if isinstance(key, bool) or not isinstance(key, int | str):
        return None
    return sa.and_(Agent.id == key if isinstance(key, int) else Agent.slug == key, Agent.owner_id == owner_id)


def owned(session: Session, owner_id: int, key: int | str) -> Agent | None:
    match = _owned_by(owner_id, key)
    return None if match is None else session.exec(select(Agent).where(match)).first()


def _matching(owner_id: int, search: str) -> sa.ColumnElement[bool]:
    """Name, slug or description contain the search, case-insensitively
    (on SQLite only ASCII letters fold case)."""
    mine = Agent.owner_id == owner_id
    term = " ".join((search or "").split()).lower()
    if not term:
        return mine
    columns = (Agent.name, Agent.slug, Agent.description)
    return sa.and_(mine, sa.or_(*(sa.func.lower(c).contains(term, autoescape=True) for c in columns)))


def page(session: Session, owner_id: int, search: str, limit: int, offset: int) -> Sequence[Agent]:
    query = select(Agent).where(_matching(owner_id, search))
    return session.exec(query.order_by(sa.func.lower(Agent.name), Agent.id).limit(limit).offset(offset)).all()


def count(session: Session, owner_id: int, search: str) -> int:
    return int(session.exec(select(sa.func.count()).select_from(Agent).where(_matching(owner_id, search))).one())


def slugs_starting(session: Session, owner_id: int, prefix: str, *, except_id: int | None = None) -> set[str]:
    query = select(Agent.slug).where(Agent.owner_id == owner_id, Agent.slug.startswith(prefix))
    if except_id is not None:
        query = query.where(Agent.id != except_id)
    return set(session.exec(query).all())


def delete_owned(session: Session, owner_id: int, key: int | str) -> bool:
    """True if the owner had that agent."""
    match = _owned_by(owner_id, key)
    return match is not None and bool(session.exec(delete(Agent).where(match)).rowcount)
