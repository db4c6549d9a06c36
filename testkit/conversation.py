"""A realistic channel, seeded through the real services: what a person sees after a
morning of work, not one message in an empty room.

Two people (accounts made by `services.auth`, so a browser can sign in as either with
`testkit.browser.sign_in`), an agent of the owner's in the channel that answered a
mention through the real reply runner (its model is whatever OPENAI_BASE_URL names:
the fake provider in tests), 22 messages with runs of one author (grouped on the
page) and alternation, a mention of the owner, a thread of three replies on a
message in the middle, and reactions. Chat tests start from it so that a bug that
shows only on the 2nd, the 10th or the last message cannot hide (issue 18: "Reply in
thread" was offered only on the first one).

The services write to whatever the settings name: point DATABASE_URL and REDIS_URL
at the hub's own stores first (the hub's channel windows live in that Redis), and
OPENAI_BASE_URL at a provider."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import agents, auth, channels, messaging, reactions, team
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.agents import AgentPublic
from neurocache_ui.services.channels import ChannelView
from testkit.factories import Account, new_account
from testkit.fake_provider import FakeOpenAIServer

AGENT_ANSWER = (
    "From the beta interviews: most people found the **Team** tier fair, three asked for "
    "monthly billing on Starter, and nobody mentioned the middle tier."
)
"""What the agent answers (the fake provider is told to say it)."""

ROOT = 9
"""Index in `Conversation.messages` of the thread's root: in the middle, not the first."""


def _script(owner: str, agent_slug: str) -> list[tuple[str, str]]:
    """(author, text) in order; "agent" is where the agent's answer to the line before goes."""
    return [
        ("ada", "Morning! I put the launch checklist in the channel goal."),
        ("ada", "Today: the venue, the pricing page and the beta invite list."),
        ("bob", "Morning. I can take the pricing page."),
        ("ada", "Great. Do we keep three tiers or go down to two?"),
        ("bob", "Two. The middle tier sold to almost nobody in the beta."),
        ("bob", "I'll draft the copy for **Starter** and **Team** by noon."),
        ("ada", f"@{agent_slug} what did the beta users say about pricing?"),
        ("agent", AGENT_ANSWER),
        ("bob", "That matches what I heard on the calls."),
        ("ada", "Venue: Lisbon or Porto for the launch meetup?"),
        ("bob", "Let's decide in the thread so the channel stays readable."),
        ("ada", "The invite list is at 140 people; we planned for 120."),
        ("ada", "Should we cap it, or ask for a bigger room?"),
        ("bob", f"@{owner} the venue can add 30 seats if we confirm by Thursday."),
        ("ada", "Then let's confirm by Thursday."),
        ("bob", "The pricing copy draft is in the doc; comments welcome."),
        ("bob", "I also moved the FAQ under the pricing table."),
        ("ada", "Reading it now. The FAQ works much better there."),
        ("bob", "One open question: do we announce the API on day one?"),
        ("ada", "Yes, with the code examples from the API keys page."),
        ("bob", "Then I'll write a short post about `agent:<slug>` models."),
        ("ada", "Perfect. Let's wrap up at 4 and ship the checklist."),
    ]


THREAD = [
    ("bob", "Lisbon has the better venue, Porto the cheaper flights."),
    ("ada", "Lisbon then: flights are a small part of the budget."),
    ("bob", "Booked a hold on the Lisbon venue until Friday."),
]


@dataclass(frozen=True)
class Person:
    id: int
    account: Account

    @property
    def name(self) -> str:
        return self.account.name


@dataclass(frozen=True)
class Conversation:
    channel: ChannelView
    owner: Person
    """"Ada": owns the channel and the agent."""
    member: Person
    """"Bob": invited."""
    agent: AgentPublic
    messages: tuple[MessageView, ...]
    """The channel's messages (thread replies aside), oldest first, the agent's answer included."""
    replies: tuple[MessageView, ...]
    """The thread's replies on `thread_root`, oldest first."""

    @property
    def url(self) -> str:
        return f"/channels/{self.channel.slug}"

    @property
    def thread_root(self) -> MessageView:
        return self.messages[ROOT]

    @property
    def agent_reply(self) -> MessageView:
        return next(m for m in self.messages if m.author_kind == "agent")

    @property
    def last(self) -> MessageView:
        return self.messages[-1]


def person(first: str, last: str) -> Person:
    """An account made through the sign-up service, with a unique email and a real-looking name."""
    account = replace(new_account(first), name=f"{first} {last}")
    user = auth.create_user(name=account.name, email=account.email, password=account.password)
    return Person(user.id, account)


def _answered(view: MessageView, by: int) -> None:
    """Run the agents' replies to `view` to the end, as the hub's runner does after a send
    (in a thread of its own: a test's event loop, if any, must not be disturbed)."""

    async def replies() -> None:
        await asyncio.gather(*await runner.handle_new_message(view, triggered_by_user_id=by))

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, replies()).result()


def seed_conversation(provider: FakeOpenAIServer, *, name: str = "launch-plan") -> Conversation:
    """Make the people, the channel, the agent and the whole conversation; see the module."""
    ada, bob = person("Ada", "Lovelace"), person("Bob", "Kahn")
    scout = agents.create_agent(ada.id, {"name": "Scout", "model": "fake-model",
                                         "instructions": "Answer from what the team learned in the beta."})
    channel = channels.create_channel(ada.id, name=name, description="Everything for Friday's launch",
                                      goal="Ship the launch plan by Friday")
    channels.invite(channel.id, ada.id, bob.account.email)
    team.add_agent(channel.id, ada.id, scout.id)
    authors = {"ada": ada, "bob": bob}
    script = _script(ada.name, scout.slug)
    provider.configure(reply=AGENT_ANSWER, token_delay=0)
    try:
        for (who, text), (after, _) in zip(script, [*script[1:], ("", "")]):
            if who != "agent":
                view = messaging.post_message(channel.id, user_id=authors[who].id, content=text)
            if after == "agent":
                _answered(view, ada.id)
    finally:
        provider.reset()
    messages = tuple(messaging.recent_messages(channel.id, 100, viewer_id=ada.id))
    root = messages[ROOT]
    replies = tuple(
        messaging.post_message(channel.id, user_id=authors[who].id, content=text, thread_id=root.id) for who, text in THREAD
    )
    reactions.react(messages[14].id, user_id=bob.id, emoji="👍", on=True)
    reactions.react(messages[14].id, user_id=ada.id, emoji="👍", on=True)
    reactions.react(messages[-1].id, user_id=bob.id, emoji="🎉", on=True)
    messages = tuple(messaging.recent_messages(channel.id, 100, viewer_id=ada.id))
    conversation = Conversation(channels.get_channel(channel.id, ada.id), ada, bob, scout, messages, replies)
    _check(conversation)
    return conversation


def _check(conversation: Conversation) -> None:
    """The seed is what its users rely on: a finished agent answer in its place, the thread on the middle message."""
    messages = conversation.messages
    assert len(messages) == len(_script("", "")), [m.content for m in messages]
    reply = conversation.agent_reply
    assert reply.status == "complete" and reply.content.startswith(AGENT_ANSWER), reply
    assert messages[ROOT].reply_count == len(THREAD) and messages[ROOT].content.startswith("Venue:")
