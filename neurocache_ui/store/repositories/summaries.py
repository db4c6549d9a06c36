"""Summary rows: written when someone asks for one, read back for their notice,
closed when they share or dismiss it. Each read and change names the asker, so
no one reaches another person's summary."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.store.models import Agent, Summary, User, utcnow


def insert(session: Session, row: Summary) -> Summary:
    session.add(row)
    session.flush()
    return row


def _with_author() -> sa.Select[tuple[Summary, str | None]]:
    return sa.select(Summary, Agent.name).outerjoin(Agent, Agent.id == Summary.agent_id)  # type: ignore[arg-type]


def own(session: Session, summary_id: int, user_id: int) -> tuple[Summary, str | None] | None:
    """The summary and its agent's name, if `user_id` asked for it."""
    found = session.exec(_with_author().where(Summary.id == summary_id, Summary.user_id == user_id)).first()  # type: ignore[call-overload]
    return (found[0], found[1]) if found is not None else None


def pending(session: Session, user_id: int, channel_id: int, thread_id: int | None) -> tuple[Summary, str | None] | None:
    """The asker's newest summary of the channel (or thread) whose notice is still open."""
    place = Summary.thread_id.is_(None) if thread_id is None else Summary.thread_id == thread_id  # type: ignore[union-attr]
    query = (
        _with_author()
        .where(
            Summary.user_id == user_id, Summary.channel_id == channel_id, place,
            Summary.dismissed_at.is_(None), Summary.shared_message_id.is_(None),  # type: ignore[union-attr]
        )
        .order_by(Summary.created_at.desc(), Summary.id.desc())  # type: ignore[attr-defined,union-attr]
        .limit(1)
    )  # fmt: skip
    found = session.exec(query).first()  # type: ignore[call-overload]
    return (found[0], found[1]) if found is not None else None


def close(session: Session, summary_id: int, user_id: int) -> bool:
    """Close the asker's open notice (dismissed, or about to be shared); False if it
    was not open. One conditional UPDATE, so two clicks cannot both close it."""
    result = session.connection().execute(
        sa.update(Summary)
        .where(
            Summary.id == summary_id, Summary.user_id == user_id,  # type: ignore[arg-type]
            Summary.dismissed_at.is_(None), Summary.shared_message_id.is_(None),  # type: ignore[union-attr]
        )
        .values(dismissed_at=utcnow())
    )  # fmt: skip
    return result.rowcount == 1


def reopen(session: Session, summary_id: int) -> None:
    """Undo `close` when sharing failed, so the notice comes back."""
    session.connection().execute(sa.update(Summary).where(Summary.id == summary_id).values(dismissed_at=None))  # type: ignore[arg-type]


def mark_shared(session: Session, summary_id: int, message_id: int) -> None:
    session.connection().execute(sa.update(Summary).where(Summary.id == summary_id).values(shared_message_id=message_id))  # type: ignore[arg-type]


def person_name(session: Session, user_id: int) -> str:
    """The asker's name, as the prompt and a shared summary call them."""
    return session.exec(sa.select(User.name).where(User.id == user_id)).one()[0]  # type: ignore[call-overload,arg-type]
