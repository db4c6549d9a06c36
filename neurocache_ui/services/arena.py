"""The channel arena: `/arena @a @b question` makes two of the channel's agents
answer the same question, shown as "A" and "B" in one card on the question's
message; each member votes once ("A is better", "B is better", "Tie"); the reveal
(when everyone in the channel has voted, or when someone who voted or the starter
asks) names the agents and moves their Elo ratings (domain/arena.py). The answers
read the question alone, not the channel, so both get the same input."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence

from neurocache_ui.domain import arena as rules
from neurocache_ui.domain.errors import Invalid, NeurocacheError, NotFound
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import channels, messaging
from neurocache_ui.services.agent_runs import delivery, pipeline, runner
from neurocache_ui.store.arena_models import ArenaMatch
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Agent, utcnow
from neurocache_ui.store.repositories import arena as repo
from neurocache_ui.store.repositories import team as team_rows
from sqlmodel import Session

log = logging.getLogger(__name__)

NOT_FOUND = "That arena does not exist."
NOT_READY = "Wait until both answers are written."
CLOSED = "This arena's votes are closed."
VOTED = "You have already voted in this arena."
MAY_NOT_REVEAL = "Vote first: whoever voted (or started the arena) may reveal it."
INTERRUPTED = "The answer was interrupted (the hub restarted). Start a new arena."


def _seated(session: Session, channel_id: int, slugs: Sequence[str]) -> list[Agent]:
    by_slug = {agent.slug.lower(): agent for agent in team_rows.agents_of(session, channel_id)}
    missing = [slug for slug in slugs if slug not in by_slug]
    if missing:
        raise Invalid(f"@{missing[0]} is not an agent in this channel. Add it first, or pick another.", "content")
    return [by_slug[slug] for slug in slugs]


def _card(session: Session, match: ArenaMatch) -> dict[str, object]:
    voters = [user_id for user_id, _ in repo.votes(session, match.id or 0)]
    reveal = None
    if match.result is not None:
        tally = {choice: 0 for choice in rules.CHOICES}
        for _, choice in repo.votes(session, match.id or 0):
            tally[choice] += 1
        reveal = rules.Reveal(
            match.result, match.name_a, match.name_b, tally, match.rating_a, match.rating_b, match.change_a, match.change_b,
        )
    return rules.card(
        answers=((match.answer_a, match.status_a), (match.answer_b, match.status_b)),
        started_by=match.started_by, voters=voters, reveal=reveal,
    )


async def start(user_id: int, channel_id: int, text: str) -> MessageView:
    """Post the question with its card and start both answers in the background.
    Invalid for a malformed command or agents not in the channel."""
    view, match_id, question = await asyncio.to_thread(_open, user_id, channel_id, text)
    runner.spawn(_play(match_id, user_id, question), name=f"arena-{match_id}")
    return view


def _open(user_id: int, channel_id: int, text: str) -> tuple[MessageView, int, str]:
    try:
        command = rules.parse(text)
    except ValueError as error:
        raise Invalid(str(error), "content") from None
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        channels.ensure_can_post(channel_id, user_id, session=session)
        pair = _seated(session, channel_id, [command.first, command.second])
    random.shuffle(pair)  # which is "A" is not the order they were named in
    view = messaging.post_message(channel_id, user_id=user_id, content=command.question)
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        match = ArenaMatch(
            channel_id=channel_id, message_id=view.id, started_by=user_id,
            agent_a_id=pair[0].id, agent_b_id=pair[1].id, name_a=pair[0].name, name_b=pair[1].name,
            version_a=pair[0].version, version_b=pair[1].version,
        )
        session.add(match)
        session.flush()
        shown = repo.show_card(session, view.id, _card(session, match))
        match_id = match.id
    assert shown is not None and match_id is not None
    messaging.published_update(shown)
    log.info("arena %s in channel %s: %s vs %s", match_id, channel_id, pair[0].slug, pair[1].slug)
    return shown, match_id, command.question


async def _answer(agent_id: int | None, question: str, caller: pipeline.Caller) -> tuple[str, str]:
    """(text, status) of one agent's answer to the question alone."""
    chunks: list[str] = []

    async def keep(text: str) -> None:
        chunks[:] = [text]

    try:
        agent = await asyncio.to_thread(_agent, agent_id)
        reply = await pipeline.prepare(agent, pipeline.PrivateChat([{"role": "user", "content": question}]), caller)
    except NeurocacheError as error:
        return str(error), delivery.ERROR
    await delivery.stream_reply(reply, keep, asyncio.Event())
    await reply.record()
    return delivery.final_text(reply, stopped_by="")


def _agent(agent_id: int | None) -> Agent:
    with session_scope() as session:
        agent = session.get(Agent, agent_id) if agent_id is not None else None
        if agent is None:
            raise NotFound("The agent was deleted.")
        session.expunge(agent)
        return agent


async def _play(match_id: int, user_id: int, question: str) -> None:
    """Both answers at once; each shows on the card as soon as it is done."""
    with session_scope() as session:
        match = repo.get(session, match_id)
        assert match is not None
        sides, channel_id = {"a": match.agent_a_id, "b": match.agent_b_id}, match.channel_id
    caller = pipeline.Caller(user_id, channel_id=channel_id)

    async def one(side: str) -> None:
        try:
            text, status = await _answer(sides[side], question, caller)
        except asyncio.CancelledError:
            text, status = INTERRUPTED, delivery.ERROR
            await asyncio.to_thread(_finish, match_id, side, text, status)
            raise
        await asyncio.to_thread(_finish, match_id, side, text, status)

    await asyncio.gather(one("a"), one("b"))


def _finish(match_id: int, side: str, text: str, status: str) -> None:
    """Store one side's answer, then draw the card from the match as it is now: the write
    comes first, so the other side finishing at the same time is seen (or waits)."""
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        if not repo.set_answer(session, match_id, side, text or "(no answer)", status):
            return  # the channel or message went meanwhile
        match = repo.get(session, match_id)
        assert match is not None
        shown = repo.show_card(session, match.message_id, _card(session, match))
    if shown is not None:
        messaging.published_update(shown)


def _open_match(session: Session, user_id: int, message_id: int) -> ArenaMatch:
    match = repo.by_message(session, message_id, lock=True)
    if match is None:
        raise NotFound(NOT_FOUND)
    channels.ensure_member(match.channel_id, user_id, session=session)
    if match.result is not None:
        raise Invalid(CLOSED)
    if "streaming" in (match.status_a, match.status_b):
        raise Invalid(NOT_READY)
    return match


def vote(user_id: int, message_id: int, choice: str) -> MessageView:
    """The member's one vote; the match is revealed when everyone in the channel has voted."""
    if choice not in rules.CHOICES:
        raise Invalid("Vote for A, B or a tie.")
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        match = _open_match(session, user_id, message_id)
        if any(voter == user_id for voter, _ in repo.votes(session, match.id or 0)):
            raise Invalid(VOTED)
        repo.add_vote(session, match.id or 0, user_id, choice)
        if len(repo.votes(session, match.id or 0)) >= repo.people(session, match.channel_id):
            _reveal(session, match)
        shown = repo.show_card(session, message_id, _card(session, match))
    assert shown is not None
    messaging.published_update(shown)
    return shown


def reveal(user_id: int, message_id: int) -> MessageView:
    """Close the votes now (someone who voted, or the starter, may)."""
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        match = _open_match(session, user_id, message_id)
        voters = [voter for voter, _ in repo.votes(session, match.id or 0)]
        if user_id not in voters and user_id != match.started_by:
            raise Invalid(MAY_NOT_REVEAL)
        _reveal(session, match)
        shown = repo.show_card(session, message_id, _card(session, match))
    assert shown is not None
    messaging.published_update(shown)
    return shown


def _reveal(session: Session, match: ArenaMatch) -> None:
    """The result from the votes, and both ratings moved by it (none without votes)."""
    result = rules.outcome([choice for _, choice in repo.votes(session, match.id or 0)])
    match.result, match.revealed_at = result or "none", utcnow()
    found = repo.agents(session, [i for i in (match.agent_a_id, match.agent_b_id) if i is not None])
    a, b = found.get(match.agent_a_id or 0), found.get(match.agent_b_id or 0)
    if result is not None and a is not None and b is not None:
        rating_a, rating_b = rules.rated(a.arena_rating, b.arena_rating, result)
        match.change_a, match.change_b = rating_a - a.arena_rating, rating_b - b.arena_rating
        a.arena_rating, b.arena_rating = rating_a, rating_b
        a.arena_games, b.arena_games = a.arena_games + 1, b.arena_games + 1
        session.add_all([a, b])
    match.rating_a = a.arena_rating if a is not None else None
    match.rating_b = b.arena_rating if b is not None else None
    session.add(match)
    session.flush()
