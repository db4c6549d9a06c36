"""The pure rules of direct messages (domain/dm_rules.py) and who answers in one
(domain/reply_rules.choose_repliers with `direct`)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from neurocache_ui.domain import dm_rules
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.reply_rules import choose_repliers


@dataclass(frozen=True)
class FakeAgent:
    id: int
    slug: str
    reply_mode: str = "mentions"


@dataclass(frozen=True)
class Said:
    content: str
    author_kind: str = "user"
    agent_id: int | None = None


def test_one_key_per_set_of_members_whatever_the_order() -> None:
    assert dm_rules.member_key([5, 1, 5], [9, 3]) == dm_rules.member_key([1, 5], [3, 9]) == "u1.u5.a3.a9"
    assert dm_rules.member_key([1, 5], []) != dm_rules.member_key([1, 5], [3])


def test_names_are_the_others_sorted() -> None:
    assert dm_rules.title(["writer", "Bob", "  Ada  Lovelace "]) == "Ada Lovelace, Bob, writer"
    assert dm_rules.title([]) == "Just you"


def test_api_members_split_into_emails_and_agents() -> None:
    parsed = dm_rules.parse_members(["Bob@Example.com", "agent:Writer", "bob@example.com"])
    assert parsed == dm_rules.MemberRefs(("bob@example.com",), ("writer",))
    for refs in ([], [" "], ["agent:"]):
        with pytest.raises(Invalid):
            dm_rules.parse_members(refs)


def test_size_counts_the_starter_and_needs_someone_else() -> None:
    dm_rules.check_size([2], [], starter_id=1)
    dm_rules.check_size(range(2, 8), [9], starter_id=1)  # eight in all
    with pytest.raises(Invalid, match="at least one other"):
        dm_rules.check_size([1], [], starter_id=1)
    with pytest.raises(Invalid, match="at most 8"):
        dm_rules.check_size(range(2, 9), [9], starter_id=1)


def test_in_a_dm_every_agent_answers_a_person_unless_some_are_named() -> None:
    scout, critic = FakeAgent(1, "scout"), FakeAgent(2, "critic")
    assert choose_repliers(Said("hello"), [scout, critic], 0) == []
    assert choose_repliers(Said("hello"), [scout, critic], 0, direct=True) == [scout, critic]
    assert choose_repliers(Said("@critic you"), [scout, critic], 0, direct=True) == [critic]
    # An agent's message still wakes only those it mentions, and never itself.
    assert choose_repliers(Said("done", "agent", 1), [scout, critic], 1, direct=True) == []
    assert choose_repliers(Said("over to @critic", "agent", 1), [scout, critic], 1, direct=True) == [critic]
