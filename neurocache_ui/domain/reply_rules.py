"""Who answers a channel message, how far agents may hand work on, and what an
answer searches its knowledge for. Pure rules, shared by every agent reply:
the channel, Try it, the API and the collective."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from neurocache_ui.domain.prompts import HistoryLike, content_text

HOP_LIMIT = 3
"""A message that HOP_LIMIT agent replies led to triggers no further agent, so
two agents that keep mentioning each other stop."""
KNOWLEDGE_HITS = 4
"""Knowledge excerpts one reply is given."""
QUERY_MAX_CHARS = 500


class ReplierLike(Protocol):
    """An agent of the channel (models.Agent fits)."""

    @property
    def id(self) -> int | None: ...
    @property
    def slug(self) -> str: ...
    @property
    def reply_mode(self) -> str: ...


A = TypeVar("A", bound=ReplierLike)


def mentions(text: str, slugs: Iterable[str]) -> set[str]:
    """The slugs @mentioned in `text` as whole words, case-insensitively
    (`@scout-2` and `bob@scout` do not name `scout`)."""
    found = set()
    for slug in slugs:
        if re.search(rf"(?<![\w@])@{re.escape(slug)}(?!-?\w)", text, re.IGNORECASE):
            found.add(slug)
    return found


def starts_replies(message: HistoryLike, hop: int) -> bool:
    """Whether any agent may answer this message: system notices and messages at the
    hop limit trigger nobody, nor an empty one (a voice message, empty but for its media, does).
    `hop` is 0 for a person's message, the trigger's + 1 for a reply."""
    has_text = bool((message.content or "").strip() or getattr(message, "media", ()))
    return message.author_kind != "system" and hop < HOP_LIMIT and has_text


def choose_repliers(message: HistoryLike, agents: Sequence[A], hop: int, *, direct: bool = False) -> list[A]:
    """The agents that answer: those @mentioned, and for a person's (or an incoming
    webhook's) message also those answering every message; never the author itself. In a direct message
    (`direct`) a person is talking to its agents, so a person's message that names
    none of them is answered by all of them (naming some asks only those)."""
    if not starts_replies(message, hop):
        return []
    named = mentions(message.content, [a.slug for a in agents])
    by_person = message.author_kind in ("user", "integration")  # an incoming webhook may stand in for a person
    everyone = by_person and direct and not named
    return [
        agent
        for agent in agents
        if agent.id != message.agent_id
        and (everyone or agent.slug in named or (by_person and agent.reply_mode == "all"))
    ]


def knowledge_query(question: str) -> str:
    """What a reply searches its agent's knowledge with: the message it answers, trimmed."""
    return question.strip()[:QUERY_MAX_CHARS]


def latest_user_text(conversation: Sequence[Mapping[str, Any]]) -> str | None:
    """The newest user message's text in OpenAI-style messages (None: there is none):
    what an API caller, a Try it turn or a channel question asks."""
    for message in reversed(conversation):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return content_text(message.get("content")).strip()
    return None


MCP_WITHHELD_STEP = "Answering without its MCP tools: only its owner's messages may make it use them."
"""The step line of a reply that runs without the agent's MCP tools because someone
other than its owner set it off (and the owner did not allow members to)."""


def may_use_mcp(trigger: str, owner_id: int, asking_user_id: int) -> bool:
    """Whether a reply set off by `asking_user_id` may use the agent's MCP tools. Those
    tools act with the owner's tokens, so by default ("owner") only the owner's own
    messages (and chains they started) may; with "members", anyone in its channels."""
    return trigger == "members" or owner_id == asking_user_id


__all__ = [
    "HOP_LIMIT",
    "KNOWLEDGE_HITS",
    "MCP_WITHHELD_STEP",
    "choose_repliers",
    "knowledge_query",
    "latest_user_text",
    "may_use_mcp",
    "mentions",
    "starts_replies",
]
