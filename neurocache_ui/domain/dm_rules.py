"""Direct messages: who may be in one, how a set of members is named and keyed,
and how the API names members. Pure rules; services/dms.py applies them.

A DM is a private channel of kind "dm" whose members are fixed when it starts: the
same set of people and agents always finds the same DM (`member_key`), so nobody
renames it, invites to it or archives it, and its name is the other members' names
as each viewer sees them ("Bob", "Bob, Writer")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from neurocache_ui.domain.errors import Invalid

DM = "dm"
CHANNEL = "channel"
MAX_MEMBERS = 8
"""People and agents in one DM, the person starting it included."""
AGENT_PREFIX = "agent:"
FIXED = "A direct message keeps the members it started with: start a new message with other people instead."
"""The refusal for renaming, inviting to, archiving, deleting or leaving a DM, or changing its agents."""


@dataclass(frozen=True)
class MemberRefs:
    """Members as the API names them: account emails and agent slugs (`agent:<slug>`)."""

    emails: tuple[str, ...]
    agent_slugs: tuple[str, ...]


def parse_members(refs: Sequence[str]) -> MemberRefs:
    """Split the API's member list; blanks are refused, repeats count once."""
    emails: dict[str, None] = {}
    slugs: dict[str, None] = {}
    for ref in refs:
        text = (ref or "").strip()
        if text.lower().startswith(AGENT_PREFIX):
            slug = text[len(AGENT_PREFIX):].strip().lower()
            if not slug:
                raise Invalid("An agent member needs its slug: agent:<slug>.", "members")
            slugs[slug] = None
        elif text:
            emails[text.lower()] = None
        else:
            raise Invalid("A member is empty: give an account email or agent:<slug>.", "members")
    if not emails and not slugs:
        raise Invalid("Choose at least one person or agent to message.", "members")
    return MemberRefs(tuple(emails), tuple(slugs))


def check_size(user_ids: Iterable[int], agent_ids: Iterable[int], starter_id: int) -> None:
    """At least one member besides the starter, at most MAX_MEMBERS in all."""
    people, agents = set(user_ids) | {starter_id}, set(agent_ids)
    if len(people) + len(agents) < 2:
        raise Invalid("Choose at least one other person or an agent to message.", "members")
    if len(people) + len(agents) > MAX_MEMBERS:
        raise Invalid(
            f"A direct message has at most {MAX_MEMBERS} members, you included "
            f"(this one would have {len(people) + len(agents)}). Use a channel for a bigger group.",
            "members",
        )


def member_key(user_ids: Iterable[int], agent_ids: Iterable[int]) -> str:
    """The one key of a set of members (the starter included), whatever their order."""
    return ".".join([f"u{i}" for i in sorted(set(user_ids))] + [f"a{i}" for i in sorted(set(agent_ids))])


def title(other_names: Iterable[str]) -> str:
    """A DM's name for one viewer: the other members' names, sorted ("Bob, Writer");
    with nobody else left, "Just you"."""
    names = sorted({" ".join(n.split()) for n in other_names if n.strip()}, key=str.casefold)
    return ", ".join(names) or "Just you"


__all__ = [
    "AGENT_PREFIX",
    "CHANNEL",
    "DM",
    "FIXED",
    "MAX_MEMBERS",
    "MemberRefs",
    "check_size",
    "member_key",
    "parse_members",
    "title",
]
