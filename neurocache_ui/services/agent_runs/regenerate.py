""""Regenerate" (a finished reply) and "Retry" (a failed one): the same agent
answers the same message again, in the same place. Everything that could refuse
is checked before the reply changes; then its text becomes an earlier version
(services/reply_versions.py) and the runner writes it again in the background."""

from __future__ import annotations

import asyncio

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.services import reply_versions, spend, team
from neurocache_ui.services.agent_runs import pipeline, runner


async def regenerate(message_id: int, user_id: int) -> None:
    """Have reply `message_id` written again for `user_id` (a member of its channel,
    whose quota the call counts against). Invalid or NotFound, with nothing
    changed, when it cannot be: not an agent's reply, still being written, the
    agent left the channel, no provider, or the message's call budget is spent."""
    reply, reply_to_id = await asyncio.to_thread(reply_versions.check, message_id, viewer_id=user_id)
    agents = await asyncio.to_thread(team.team, reply.channel_id)
    agent = next((a for a in agents if a.id == reply.agent_id), None)
    if agent is None:
        raise Invalid(f"{reply.author_name} is no longer in this channel, so it cannot write this reply again.")
    try:
        pipeline.ensure_provider()
    except pipeline.NoProvider as missing:
        raise Invalid(str(missing)) from None
    asked = await asyncio.to_thread(reply_versions.asked_message, reply, reply_to_id)
    if asked is None:
        raise Invalid("The message this reply answered is gone, so it cannot be written again.")
    # The asked message's budget: regenerating again and again stops where a chain of hand-offs would.
    call = await asyncio.to_thread(spend.take_message_call, asked.id)
    if not call.allowed:
        raise Invalid(spend.message_budget_notice())
    restarted = await asyncio.to_thread(reply_versions.restart, message_id, agent.version)
    runner.rewrite(agent, reply.channel_id, asked, restarted.id, triggered_by=user_id, teammates=agents)
