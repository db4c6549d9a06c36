"""domain/prompts.py and the knowledge query (domain/reply_rules.py): what the model is told, from plain data."""

from __future__ import annotations

import pytest

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.prompts import (
    AgentProfile,
    ChannelInfo,
    Excerpt,
    HistoryMessage,
    Teammate,
    Turn,
    build_api_messages,
    build_channel_messages,
    build_team_messages,
    build_try_messages,
    parse_api_messages,
    system_prompt,
)
from neurocache_ui.domain.reply_rules import knowledge_query, latest_user_text

SCOUT = AgentProfile(
    id=7,
    slug="scout",
    name="Scout",
    description="Finds facts and sources.",
    instructions="Always answer in British English.\nList sources at the end.",
    context_size=4,
)
LAUNCH = ChannelInfo(name="launch", goal="Ship the v2 launch plan by Friday.", description="Launch coordination")
TEAM = [
    Teammate(slug="scout", name="Scout", description="Finds facts and sources."),
    Teammate(slug="writer", name="Writer", description="Drafts copy and announcements."),
    Teammate(slug="critic", name="Critic", description="Reviews drafts for risks."),
]


def user(name: str, text: str) -> HistoryMessage:
    return HistoryMessage(author_name=name, content=text, author_kind="user")


def agent_msg(name: str, agent_id: int, text: str, status: str = "complete") -> HistoryMessage:
    return HistoryMessage(author_name=name, content=text, author_kind="agent", agent_id=agent_id, status=status)


def test_system_message_has_identity_instructions_channel_and_goal() -> None:
    messages = build_channel_messages(SCOUT, LAUNCH, [user("Ada", "@scout what changed?")])
    system = messages[0]
    assert system["role"] == "system"
    text = system["content"]
    assert "You are Scout (@scout)" in text
    assert "Finds facts and sources." in text
    assert "Always answer in British English.\nList sources at the end." in text  # verbatim
    assert "#launch" in text and "Launch coordination" in text
    assert "Ship the v2 launch plan by Friday." in text
    # The order: who you are, then your instructions, then the channel.
    assert text.index("You are Scout") < text.index("British English") < text.index("#launch")


def test_teammates_listed_with_slugs_and_how_to_hand_over() -> None:
    text = system_prompt(SCOUT, channel=LAUNCH, teammates=TEAM)
    assert "- @writer (Writer): Drafts copy and announcements." in text
    assert "- @critic (Critic): Reviews drafts for risks." in text
    assert "@scout (Scout)" not in text  # the agent is not its own teammate
    assert "mention them by @slug" in text


def test_no_team_section_when_alone() -> None:
    text = system_prompt(SCOUT, channel=LAUNCH, teammates=[TEAM[0]])
    assert "## Your team" not in text


def test_history_roles_and_authors() -> None:
    history = [
        user("Ada", "Hi team"),
        agent_msg("Scout", 7, "Hello Ada, how can I help?"),
        agent_msg("Writer", 8, "I can draft the post."),
        user("Grace", "@scout find the release date"),
    ]
    messages = build_channel_messages(SCOUT, LAUNCH, history, teammates=TEAM)
    assert messages[1:] == [
        {"role": "user", "content": "Ada: Hi team"},
        {"role": "assistant", "content": "Hello Ada, how can I help?"},
        {"role": "user", "content": "Writer: I can draft the post."},
        {"role": "user", "content": "Grace: @scout find the release date"},
    ]


def test_history_keeps_only_the_last_context_size_usable_messages() -> None:
    history = [user("Ada", f"message {n}") for n in range(10)]
    history.insert(8, HistoryMessage(author_name="Neurocache", content="No model provider.", author_kind="system"))
    history.append(agent_msg("Scout", 7, "", status="streaming"))  # this reply, in progress
    messages = build_channel_messages(SCOUT, LAUNCH, history)
    assert [m["content"] for m in messages[1:]] == [f"Ada: message {n}" for n in (6, 7, 8, 9)]


def test_own_messages_matched_by_name_when_ids_are_unknown() -> None:
    agent = AgentProfile(slug="scout", name="Scout")
    history = [HistoryMessage(author_name="Scout", content="Earlier answer", author_kind="agent")]
    assert build_channel_messages(agent, LAUNCH, history)[1]["role"] == "assistant"


def test_knowledge_excerpts_are_numbered_named_and_cited() -> None:
    excerpts = [
        Excerpt(filename="pricing.md", content="The Pro plan costs 20 EUR per month."),
        Excerpt(filename="faq.pdf", content="Refunds are possible within 14 days."),
    ]
    text = build_channel_messages(SCOUT, LAUNCH, [user("Ada", "price?")], knowledge=excerpts)[0]["content"]
    assert '[1] from "pricing.md":' in text and "The Pro plan costs 20 EUR per month." in text
    assert '[2] from "faq.pdf":' in text and "Refunds are possible within 14 days." in text
    assert text.index("[1] from") < text.index("[2] from")
    assert "cite it with its number and document name" in text
    assert "## Knowledge" not in system_prompt(SCOUT, channel=LAUNCH)


def test_long_excerpts_are_trimmed() -> None:
    text = system_prompt(SCOUT, knowledge=[Excerpt(filename="big.txt", content="x" * 5000)])
    assert "x" * 1499 in text and "x" * 1501 not in text


def test_empty_sections_are_left_out() -> None:
    bare = AgentProfile(slug="bot", name="Bot")
    text = system_prompt(bare, channel=ChannelInfo(name="general"))
    assert "## Your instructions" not in text and "goal" not in text
    assert "#general" in text


def test_try_it_chat_has_no_channel() -> None:
    turns = [Turn("user", "Hi"), Turn("assistant", "Hello!"), {"role": "user", "content": "What can you do?"}]
    messages = build_try_messages(SCOUT, turns, knowledge=[Excerpt("notes.txt", "Scout reads PDFs.")])
    assert messages[0]["role"] == "system"
    assert "## The channel" not in messages[0]["content"] and "## Your team" not in messages[0]["content"]
    assert "private chat" in messages[0]["content"] and "British English" in messages[0]["content"]
    assert "notes.txt" in messages[0]["content"]
    assert messages[1:] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "What can you do?"},
    ]


def test_try_it_chat_keeps_context_size_turns() -> None:
    turns = [Turn("user" if n % 2 == 0 else "assistant", f"t{n}") for n in range(9)]
    assert [m["content"] for m in build_try_messages(SCOUT, turns)[1:]] == ["t5", "t6", "t7", "t8"]


def test_api_messages_put_the_agent_first_and_merge_caller_system() -> None:
    messages = build_api_messages(
        SCOUT,
        parse_api_messages([
            {"role": "system", "content": "Answer in one line."},
            {"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "there"}]},
            {"role": "assistant", "content": "Hi."},
            {"role": "tool", "content": "dropped"},
            {"role": "user", "content": "Who are you?"},
        ]),
    )
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    system = messages[0]["content"]
    assert system.startswith("You are Scout (@scout)")
    assert "Neurocache API" in system
    assert system.endswith("## Additional instructions from the caller\nAnswer in one line.")
    assert messages[1]["content"] == "Hello\nthere"


@pytest.mark.parametrize(
    "bad",
    [[], [{"role": "system", "content": "only system"}], [{"role": "wizard", "content": "x"}], ["not a dict"]],
)
def test_api_messages_reject_unusable_input(bad: list) -> None:
    with pytest.raises(Invalid):
        parse_api_messages(bad)


def test_a_team_member_is_told_about_the_team_after_its_api_prompt() -> None:
    critic = AgentProfile(id=8, slug="critic", name="Critic", description="Reviews drafts for risks.")
    request = parse_api_messages([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Go?"}])
    messages = build_team_messages(SCOUT, LAUNCH, [SCOUT, critic], request)
    alone = build_api_messages(SCOUT, request)
    assert messages[1:] == alone[1:] == [{"role": "user", "content": "Go?"}]
    system = messages[0]["content"]
    assert system.startswith(alone[0]["content"] + "\n\n## Your team\nYou are one of the agents of the channel #launch")
    assert "The channel's goal: Ship the v2 launch plan by Friday." in system
    assert "- Critic (@critic): Reviews drafts for risks." in system and "- Scout (@scout)" not in system


def test_knowledge_query_is_the_message_being_answered() -> None:
    assert knowledge_query("  What is the refund policy?  ") == "What is the refund policy?"
    assert knowledge_query("x" * 900) == "x" * 500
    conversation = [{"role": "user", "content": [{"type": "text", "text": "pricing?"}]}, {"role": "assistant", "content": "x"}]
    assert latest_user_text(conversation) == "pricing?"
    assert latest_user_text([{"role": "system", "content": "only system"}]) is None
