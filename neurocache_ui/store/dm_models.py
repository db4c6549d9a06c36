"""Direct messages: which channel is the one conversation of a set of members.

A DM is a channel (`channel.kind` = "dm"), so messages, agents, threads, unread
counts and the API all work on it unchanged; this table only gives each set of
members (people and agents, domain/dm_rules.member_key) exactly one DM. The unique
key makes "New message" with the same people find the existing DM, also when two
people start it at the same moment."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from neurocache_ui.domain import limits
from neurocache_ui.store.models import link


class DirectMessage(SQLModel, table=True):
    __tablename__ = "direct_message"

    channel_id: int = link("channel.id")
    member_key: str = Field(max_length=limits.DM_KEY_MAX, unique=True, index=True)
