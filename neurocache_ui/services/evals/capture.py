""""Add to test set" on an agent's reply in a channel: the message it answered (its
recorded question, else the person's message before it) becomes a case's input with
the turns before it, and the reply becomes the expected answer (a good reply: a
rubric "answers like the expected answer") or a note of what went wrong (a bad one,
the default when someone reacted 👎). Only the agent's owner may add its replies,
and only from a channel they are a member of."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain import eval_cases
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.eval_checks import EXPECTED_ANSWER_RUBRIC
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import agents, messaging, reply_versions
from neurocache_ui.services.evals import sets

EARLIER_TURNS = 6
THUMBS_DOWN = "👎"
NOT_YOURS = "Only the owner of this reply's agent can add it to a test set."
NOTE_EXCERPT = 1000


@dataclass(frozen=True)
class Capture:
    """What the dialog shows before anything is stored."""

    message_id: int
    agent_id: int
    agent_name: str
    input: str
    turns: list[dict[str, str]]
    reply: str
    verdict: str
    """"good" or "bad" (the default: bad when the reply has a 👎)."""
    sets: list[sets.SetView]


def _turn(message: MessageView, agent_id: int) -> dict[str, str]:
    if message.agent_id == agent_id:
        return {"role": "assistant", "content": message.content}
    return {"role": "user", "content": f"{message.author_name}: {message.content}"}


def _earlier(asked: MessageView, agent_id: int, viewer_id: int) -> list[dict[str, str]]:
    """The turns before the asked message, in its place (the channel, or its thread)."""
    if asked.thread_id is not None:
        root, replies = messaging.thread_messages(asked.thread_id, viewer_id=viewer_id)
        before = [root, *[reply for reply in replies if reply.id < asked.id]]
    else:
        before = messaging.older_messages(asked.channel_id, before=asked.id, limit=EARLIER_TURNS, viewer_id=viewer_id)
    return [_turn(message, agent_id) for message in before[-EARLIER_TURNS:] if message.content.strip()]


def inspect(user_id: int, message_id: int) -> Capture:
    """What adding reply `message_id` would store; NotFound/Invalid when it cannot be added."""
    reply, reply_to_id = reply_versions.check(int(message_id), viewer_id=user_id)
    assert reply.agent_id is not None
    try:
        agent = agents.get_agent(user_id, reply.agent_id)
    except NotFound:
        raise Invalid(NOT_YOURS) from None
    asked = reply_versions.asked_message(reply, reply_to_id)
    if asked is None or not asked.content.strip():
        raise Invalid("The message this reply answered is gone, so it cannot become a test case.")
    disliked = any(group.emoji == THUMBS_DOWN for group in reply.reactions)
    return Capture(
        reply.id, agent.id, agent.name, asked.content[: eval_cases.INPUT_MAX], _earlier(asked, agent.id, user_id)[-eval_cases.TURNS_MAX:],
        reply.content, "bad" if disliked else "good", sets.list_sets(user_id, agent.id),
    )


def case_of(capture: Capture, verdict: str, note: str = "") -> dict[str, Any]:
    """The case a capture makes: good → the reply is the expected answer; bad → a note, and a
    rubric asking not to repeat it."""
    note = " ".join(note.split())[: eval_cases.NOTE_MAX // 2]
    base: dict[str, Any] = {"input": capture.input, "turns": capture.turns}
    if verdict == "good":
        return {**base, "expected": capture.reply[: eval_cases.EXPECTED_MAX], "note": note,
                "checks": [{"type": "rubric", "value": EXPECTED_ANSWER_RUBRIC}]}
    if verdict != "bad":
        raise Invalid('Say whether the reply was "good" or "bad".', "verdict")
    excerpt = capture.reply[:NOTE_EXCERPT]
    why = f" What was wrong: {note}" if note else ""
    return {**base, "note": f"A bad reply was: {excerpt}{why}"[: eval_cases.NOTE_MAX],
            "checks": [{"type": "rubric", "value": f"Does better than this bad earlier reply, without its mistakes.{why} "
                                                   f"The bad reply: {excerpt}"}]}


def add(user_id: int, message_id: int, verdict: str, *, set_id: int | None = None, new_set: str = "",
        note: str = "") -> tuple[sets.SetView, sets.CaseView]:
    """Store the reply as a case of set `set_id`, or of a new set named `new_set`."""
    capture = inspect(user_id, message_id)
    case = case_of(capture, verdict, note)
    if set_id is None:
        made = sets.create_set(user_id, capture.agent_id, new_set, [case])
        return made, sets.get_set(user_id, capture.agent_id, made.id)[1][-1]
    added = sets.add_case(user_id, capture.agent_id, int(set_id), case)
    return sets.get_set(user_id, capture.agent_id, int(set_id))[0], added
