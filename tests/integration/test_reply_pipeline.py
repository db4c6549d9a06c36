"""One reply pipeline: the channel, Try it, the API (`agent:<slug>`) and the collective
(`channel:<slug>`) tell the model the same thing about the same agent for the same
question. Each path runs as its caller runs it (the runner on a stored message,
Try it's service, the FastAPI app in-process with the official `openai` client),
and the prompts are compared as the fake provider received them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import openai
import pytest

from neurocache_ui.api.app import create_app
from neurocache_ui.domain.tools import Source
from neurocache_ui.services import (
    agents,
    api_keys,
    channels,
    knowledge,
    messaging,
    team,
    usage,
)
from neurocache_ui.services.agent_runs import private, runner
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)

QUESTION = "When does the launch window open for the rocket?"
NOTES = b"# Launch\n\nThe launch window opens on the ninth of March at dawn.\n\nThe rocket is called Ada."
SETTINGS = {
    "name": "Scout",
    "description": "Finds facts",
    "instructions": "Answer like a ship's navigator.",
    "model": "fake-model",
    "temperature": 0.3,
    "max_tokens": 321,
    "reply_mode": "all",
}


@pytest.fixture
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis", **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


@pytest.fixture(autouse=True)
async def no_leftover_replies() -> AsyncIterator[None]:
    yield
    await runner.shutdown()


class Hub:
    """Ada, her agent Scout (with a knowledge document) alone in a channel with a goal, and an API key."""

    def __init__(self) -> None:
        self.ada = create_user("Ada")
        self.scout = agents.create_agent(self.ada.id, SETTINGS)
        knowledge.add_document(self.ada.id, self.scout.id, "launch-notes.md", NOTES)
        self.channel = channels.create_channel(self.ada.id, name=f"launch {uuid.uuid4().hex[:6]}", goal="Launch on time")
        team.add_agent(self.channel.id, self.ada.id, self.scout.id)
        self.secret, _ = api_keys.create_key(self.ada.id, "pipeline test")

    def api(self) -> openai.AsyncOpenAI:
        transport = httpx.ASGITransport(app=create_app())
        return openai.AsyncOpenAI(
            base_url="http://hub.test/api/v1", api_key=self.secret, max_retries=0,
            http_client=httpx.AsyncClient(transport=transport, base_url="http://hub.test"),
        )  # fmt: skip


async def in_channel(hub: Hub, provider: FakeOpenAIServer) -> dict[str, Any]:
    """Ada asks in the channel; Scout (who answers every message) replies through the runner."""
    view = await asyncio.to_thread(lambda: messaging.post_message(hub.channel.id, user_id=hub.ada.id, content=QUESTION))
    runner.trigger(view, triggered_by_user_id=hub.ada.id)
    await runner.drain(timeout=60)
    [request] = provider.requests()
    return request["body"]


async def in_try_it(hub: Hub, provider: FakeOpenAIServer) -> dict[str, Any]:
    """What the agent page's Try it panel runs for Ada's first turn."""
    shown: list[str] = []

    async def show(text: str) -> None:
        shown.append(text)

    turns = [{"role": "user", "content": QUESTION, "status": "complete"}]
    sources: list[Source] = []
    content, status = await private.answer(hub.ada.id, hub.scout.id, turns, show=show, stop=asyncio.Event(), sources=sources)
    assert status == "complete" and shown
    assert [(s.title, s.is_knowledge) for s in sources] == [("launch-notes.md", True)]  # cited under the answer
    [request] = provider.requests()
    return request["body"]


async def via_api(hub: Hub, provider: FakeOpenAIServer) -> dict[str, Any]:
    async with hub.api() as client:
        reply = await client.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": QUESTION}])
    assert reply.choices[0].message.content == f"Echo: {QUESTION}"
    [request] = provider.requests()
    return request["body"]


async def via_collective(hub: Hub, provider: FakeOpenAIServer) -> dict[str, Any]:
    async with hub.api() as client:
        await client.chat.completions.create(
            model=f"channel:{hub.channel.slug}", messages=[{"role": "user", "content": QUESTION}]
        )
    member, synthesis = provider.requests()  # Scout's answer, then the synthesis
    assert "combine their answers" in synthesis["body"]["messages"][0]["content"]
    return member["body"]


def sections(system: str) -> dict[str, str]:
    """The system message by section heading; the agent's identity comes first, untitled."""
    first, *rest = system.split("\n\n## ")
    titled = {part.split("\n", 1)[0]: part for part in rest}
    return {"identity": first, **titled}


AGENT_PART = ("identity", "Your instructions", "Knowledge")


async def test_the_four_callers_build_the_same_prompt_for_the_same_question(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    hub = Hub()
    bodies: dict[str, dict[str, Any]] = {}
    for name, path in {"channel": in_channel, "try it": in_try_it, "api": via_api, "collective": via_collective}.items():
        fake_provider.reset()
        bodies[name] = await path(hub, fake_provider)

    # The same model call: the agent's model and settings.
    assert {(b["model"], b["temperature"], b["max_tokens"]) for b in bodies.values()} == {("fake-model", 0.3, 321)}

    # The same agent part of the prompt: who it is, its instructions, and the same
    # knowledge excerpts (the same query and number of hits) ...
    systems = {name: b["messages"][0]["content"] for name, b in bodies.items()}
    parts = {name: {title: sections(text)[title] for title in AGENT_PART} for name, text in systems.items()}
    assert parts["channel"] == parts["try it"] == parts["api"] == parts["collective"]
    assert "ninth of March" in parts["api"]["Knowledge"] and '[1] from "launch-notes.md"' in parts["api"]["Knowledge"]
    assert parts["api"]["identity"].startswith("You are Scout (@scout)")

    # ... and the same question, last (in a channel, said by its author).
    assert bodies["channel"]["messages"][1:] == [{"role": "user", "content": f"{hub.ada.name}: {QUESTION}"}]
    for name in ("try it", "api", "collective"):
        assert bodies[name]["messages"][1:] == [{"role": "user", "content": QUESTION}], name

    # What differs is the situation only, in the sections that describe it.
    situation = {name: [title for title in sections(text) if title not in AGENT_PART] for name, text in systems.items()}
    assert situation == {
        "channel": ["The channel", "How to reply"],
        "try it": ["How to reply"],
        "api": ["How to reply"],
        "collective": ["How to reply", "Your team"],
    }
    assert systems["collective"].startswith(systems["api"] + "\n\n## Your team\n")
    assert usage.flush()  # the API's usage rows reach this test's database, not a later one's
