"""Arena matches and votes (store/arena_models.py), and the card on the match's message."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.store.arena_models import ArenaMatch, ArenaVote
from neurocache_ui.store.models import Agent, ChannelMember
from neurocache_ui.store.repositories import messages as message_rows


def by_message(session: Session, message_id: int, *, lock: bool = False) -> ArenaMatch | None:
    """The match shown on `message_id`; `lock` holds it (Postgres) until the transaction ends,
    so two voters finishing a match at once reveal it once."""
    query = sa.select(ArenaMatch).where(ArenaMatch.message_id == message_id)  # type: ignore[arg-type]
    return session.scalars(query.with_for_update() if lock else query).first()


def get(session: Session, match_id: int) -> ArenaMatch | None:
    return session.get(ArenaMatch, match_id, populate_existing=True)


def set_answer(session: Session, match_id: int, side: str, text: str, status: str) -> bool:
    """One side's ("a" or "b") answer, written in one statement; False if the match is gone."""
    values = {f"answer_{side}": text, f"status_{side}": status}
    return bool(session.connection().execute(sa.update(ArenaMatch).where(ArenaMatch.id == match_id).values(**values)).rowcount)  # type: ignore[arg-type]


def votes(session: Session, match_id: int) -> Sequence[sa.Row[Any]]:
    """(user_id, choice) in the order they were cast."""
    return session.execute(
        sa.select(ArenaVote.user_id, ArenaVote.choice).where(ArenaVote.match_id == match_id).order_by(ArenaVote.id)  # type: ignore[arg-type]
    ).all()


def add_vote(session: Session, match_id: int, user_id: int, choice: str) -> None:
    session.add(ArenaVote(match_id=match_id, user_id=user_id, choice=choice))
    session.flush()


def people(session: Session, channel_id: int) -> int:
    """How many people are in the channel (who may vote)."""
    return int(session.scalar(sa.select(sa.func.count()).where(ChannelMember.channel_id == channel_id)) or 0)  # type: ignore[arg-type]


def agents(session: Session, agent_ids: Sequence[int]) -> dict[int, Agent]:
    """The agents by id, locked (Postgres) while their ratings change."""
    found = session.scalars(sa.select(Agent).where(Agent.id.in_(agent_ids)).with_for_update()).all()  # type: ignore[union-attr]
    return {agent.id: agent for agent in found if agent.id is not None}


def show_card(session: Session, message_id: int, card: Mapping[str, Any]) -> MessageView | None:
    """Write the card on the match's message; the message as viewers get it."""
    return message_rows.update(session, message_id, {"arena": dict(card)}, sa.true())
