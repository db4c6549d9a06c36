"""The first-run path (/welcome): three steps that tick off from what the person
has really done, not from clicks remembered somewhere, so they stay true however
the thing was done (the hub, the API, a teammate's invite) and need no table.

- "Create your first agent": they own an agent;
- "Start a channel": they are a member of an active channel;
- "Invite a teammate": someone else is a member of one of their active channels.
"""

from __future__ import annotations

from dataclasses import dataclass

from neurocache_ui.store.db import session_scope
from neurocache_ui.store.repositories import onboarding as repo

AGENT, CHANNEL, INVITE = "agent", "channel", "invite"
STEPS: tuple[str, ...] = (AGENT, CHANNEL, INVITE)


@dataclass(frozen=True)
class Progress:
    done: frozenset[str]
    """The keys of the steps done (AGENT, CHANNEL, INVITE)."""
    first_channel_slug: str | None
    """Where to invite from: the active channel they joined first."""

    @property
    def open_steps(self) -> int:
        """How many steps are left; 0 once the person is set up."""
        return len(STEPS) - len(self.done)


def progress(user_id: int) -> Progress:
    """The person's first-run progress, in one database round trip."""
    with session_scope() as session:
        found = repo.set_up(session, user_id)
    done = {AGENT} if found.has_agent else set()
    if found.first_channel_slug is not None:
        done.add(CHANNEL)
    if found.has_teammate:
        done.add(INVITE)
    return Progress(frozenset(done), found.first_channel_slug)


__all__ = ["AGENT", "CHANNEL", "INVITE", "STEPS", "Progress", "progress"]
