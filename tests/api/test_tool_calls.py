"""Tools through the API with the official `openai` client: an agent runs its own tools
on the server (plain and streamed; only the final text comes back), the caller's own
tools come back as `tool_calls` (finish_reason "tool_calls", streamed as tool-call
deltas) and the conversation goes on with the caller's results, and image parts reach
the provider untouched. The app runs in-process (so the test sets its web search to a
fake SearXNG); the provider and SearXNG are real HTTP servers."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from pathlib import Path
from typing import Any

import certifi
import httpx
import openai
import pytest
import sqlalchemy as sa

from neurocache_ui.api.app import create_app
from neurocache_ui.services import agents, api_keys, channels, team, usage
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import UsageEvent
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from testkit.web_fakes import PNG_BYTES, FakeSearxng, PageServer, self_signed_certificate
from tests.integration.messaging_support import setup_stores

pytestmark = pytest.mark.timeout(90)

PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather at a place.",
        "parameters": {"type": "object", "properties": {"place": {"type": "string"}}, "required": ["place"]},
    },
}
SEARCH_THEN_ANSWER = [
    {"tool_calls": [{"id": "call_s", "name": "web_search", "arguments": {"query": "launch weather"}}]},
    "Clear skies at the launch site.",
]


@pytest.fixture
def searxng(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Any:
    with FakeSearxng() as server:
        setup_stores(
            request, use_settings, "postgres+redis", **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0",
            NEUROCACHE_SEARXNG_URL=server.url,
        )  # fmt: skip
        yield server


class Api:
    """Ada with a key, her agent Scout (web_search on) and Plain (no tools)."""

    def __init__(self) -> None:
        self.ada = create_user("Ada")
        self.scout = agents.create_agent(self.ada.id, {"name": "Scout", "model": "fake-model", "tools": ["web_search"]})
        self.plain = agents.create_agent(self.ada.id, {"name": "Plain", "model": "fake-model"})
        self.secret, self.key = api_keys.create_key(self.ada.id, "tools test")

    def client(self) -> openai.AsyncOpenAI:
        transport = httpx.ASGITransport(app=create_app())
        return openai.AsyncOpenAI(
            base_url="http://hub.test/api/v1", api_key=self.secret, max_retries=0,
            http_client=httpx.AsyncClient(transport=transport, base_url="http://hub.test"),
        )  # fmt: skip


def tool_names(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools") or []]


async def test_agent_runs_its_tools_on_the_server(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    fake_provider.configure(replies=list(SEARCH_THEN_ANSWER))
    async with api.client() as client:
        reply = await client.chat.completions.create(
            model="agent:scout", messages=[{"role": "user", "content": "weather at launch?"}]
        )
    choice = reply.choices[0]
    assert choice.message.content == "Clear skies at the launch site." and choice.finish_reason == "stop"
    assert not choice.message.tool_calls
    assert searxng.queries == ["launch weather"]
    first, second = (r["body"] for r in fake_provider.requests())
    assert tool_names(first) == ["web_search"]
    [result] = [m for m in second["messages"] if m["role"] == "tool"]
    assert result["tool_call_id"] == "call_s" and "https://example.org/1" in result["content"]
    assert reply.usage is not None and reply.usage.completion_tokens == 1 + 6  # both calls
    assert usage.flush()
    with get_engine().connect() as conn:
        rows = conn.execute(sa.select(UsageEvent.tool_calls, UsageEvent.completion_tokens).where(
            UsageEvent.api_key_id == api.key.id
        )).all()  # fmt: skip
    assert [tuple(row) for row in rows] == [(1, 7)]  # one record for the reply


async def test_the_collective_agents_use_their_tools(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    channel = channels.create_channel(api.ada.id, name=f"launch {uuid.uuid4().hex[:6]}", goal="Launch on time")
    team.add_agent(channel.id, api.ada.id, api.scout.id)
    fake_provider.configure(replies=[*SEARCH_THEN_ANSWER, "The team says: clear skies."])
    async with api.client() as client:
        reply = await client.chat.completions.create(
            model=f"channel:{channel.slug}", messages=[{"role": "user", "content": "weather at launch?"}]
        )
    assert reply.choices[0].message.content == "The team says: clear skies."
    assert searxng.queries == ["launch weather"]
    search, _answer, synthesis = (r["body"] for r in fake_provider.requests())
    assert tool_names(search) == ["web_search"] and "tools" not in synthesis
    assert "Clear skies at the launch site." in synthesis["messages"][-1]["content"]


async def test_agent_tools_streamed_carry_the_final_text(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    fake_provider.configure(replies=list(SEARCH_THEN_ANSWER))
    async with api.client() as client:
        stream = await client.chat.completions.create(
            model="agent:scout", messages=[{"role": "user", "content": "weather at launch?"}], stream=True,
            stream_options={"include_usage": True},
        )  # fmt: skip
        chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Clear skies at the launch site."
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    assert not any(c.choices[0].delta.tool_calls for c in chunks if c.choices)
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 7
    assert len(fake_provider.requests()) == 2


async def test_caller_tools_come_back_as_tool_calls_and_the_conversation_goes_on(
    searxng: FakeSearxng, fake_provider: FakeOpenAIServer
) -> None:
    api = Api()
    fake_provider.configure(replies=[
        {"tool_calls": [{"id": "call_w", "name": "get_weather", "arguments": {"place": "Kourou"}}]},
        "It is sunny in Kourou.",
    ])  # fmt: skip
    question = [{"role": "user", "content": "weather in Kourou?"}]
    async with api.client() as client:
        reply = await client.chat.completions.create(model="agent:scout", messages=question, tools=[WEATHER])
        choice = reply.choices[0]
        assert choice.finish_reason == "tool_calls" and not choice.message.content
        [asked] = choice.message.tool_calls or []
        assert (asked.id, asked.type, asked.function.name) == ("call_w", "function", "get_weather")
        assert json.loads(asked.function.arguments) == {"place": "Kourou"}
        sent = fake_provider.last_body()
        assert tool_names(sent) == ["web_search", "get_weather"]  # the agent's and the caller's together
        assert searxng.queries == []

        follow_up = [
            *question,
            choice.message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": "call_w", "content": "Sunny, 31 °C"},
        ]
        final = await client.chat.completions.create(model="agent:scout", messages=follow_up, tools=[WEATHER])
    assert final.choices[0].message.content == "It is sunny in Kourou." and final.choices[0].finish_reason == "stop"
    turns = fake_provider.last_body()["messages"][1:]
    assert turns[1]["role"] == "assistant" and turns[1]["tool_calls"][0]["id"] == "call_w"
    assert turns[2] == {"role": "tool", "tool_call_id": "call_w", "content": "Sunny, 31 °C"}


async def test_caller_tool_calls_streamed(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    fake_provider.configure(
        reuse_tool_index=True,
        replies=[{"tool_calls": [
            {"id": "call_1", "name": "get_weather", "arguments": {"place": "Kourou"}},
            {"id": "call_2", "name": "get_weather", "arguments": {"place": "Baikonur"}},
        ]}],
    )  # fmt: skip
    async with api.client() as client:
        stream = await client.chat.completions.create(
            model="agent:plain", messages=[{"role": "user", "content": "weather?"}], tools=[WEATHER], stream=True
        )
        chunks = [chunk async for chunk in stream]
    calls: dict[int, dict[str, str]] = {}
    for chunk in chunks:
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            entry = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
            entry["id"] += delta.id or ""
            entry["name"] += delta.function.name or "" if delta.function else ""
            entry["arguments"] += delta.function.arguments or "" if delta.function else ""
    assert [(c["id"], c["name"], json.loads(c["arguments"])) for c in calls.values()] == [
        ("call_1", "get_weather", {"place": "Kourou"}),
        ("call_2", "get_weather", {"place": "Baikonur"}),
    ]
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]


async def test_image_parts_reach_the_provider(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    content = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": {"url": PIXEL, "detail": "low"}},
    ]
    async with api.client() as client:
        for model in ("agent:plain", "agent:scout"):
            fake_provider.reset()
            reply = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": content}])
            assert reply.choices[0].message.content == "Echo: What is in this picture?"
            body = fake_provider.last_body()
            assert body["messages"][-1] == {"role": "user", "content": content}
            assert ("tools" in body) == (model == "agent:scout")  # never `tools: []`


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",  # not https, and the metadata service
        "https://169.254.169.254/latest/meta-data/",
        "https://127.0.0.1:8080/admin.png",
        "file:///etc/passwd",
        "ftp://example.org/a.png",
        "data:text/html;base64,PHNjcmlwdD4=",
        "data:image/png;base64,bm90IGEgcG5n",  # says PNG, is not one
    ],
)
async def test_image_parts_other_than_data_or_public_https_are_a_422(
    searxng: FakeSearxng, fake_provider: FakeOpenAIServer, url: str
) -> None:
    """Before, these went to the provider as sent: a provider that fetches URLs itself
    would have fetched them from the operator's network."""
    api = Api()
    content = [{"type": "text", "text": "Describe it."}, {"type": "image_url", "image_url": {"url": url}}]
    async with api.client() as client:
        with pytest.raises(openai.UnprocessableEntityError) as raised:
            await client.chat.completions.create(model="agent:plain", messages=[{"role": "user", "content": content}])
    assert "messages[0].content[1].image_url" in str(raised.value)
    assert fake_provider.requests() == []


async def test_a_public_https_image_is_fetched_by_the_hub_and_sent_as_data(
    searxng: FakeSearxng, fake_provider: FakeOpenAIServer, use_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An https image URL is fetched through the one safe client (here a local server
    allowed as an intranet host, with its own certificate) and reaches the provider as
    a data URL, never as the URL."""
    pem = self_signed_certificate(tmp_path)
    monkeypatch.setattr(certifi, "where", lambda: str(pem))
    with PageServer(tls_pem=pem) as pictures:
        use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=f"localhost:{pictures.port}")
        api = Api()
        url = f"https://localhost:{pictures.port}/image.png"
        content = [{"type": "text", "text": "Describe it."}, {"type": "image_url", "image_url": {"url": url, "detail": "low"}}]
        async with api.client() as client:
            await client.chat.completions.create(model="agent:plain", messages=[{"role": "user", "content": content}])
        assert [seen.path for seen in pictures.requests] == ["/image.png"]
    sent = fake_provider.last_body()["messages"][-1]["content"][1]
    assert sent == {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(PNG_BYTES).decode(), "detail": "low"}}


async def test_a_bad_caller_tool_name_is_a_422(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    bad = {"type": "function", "function": {"name": "get weather!", "parameters": {"type": "object"}}}
    async with api.client() as client:
        with pytest.raises(openai.UnprocessableEntityError) as raised:
            await client.chat.completions.create(model="agent:plain", messages=[{"role": "user", "content": "hi"}], tools=[bad])
    assert "tools[0].function.name" in str(raised.value)
    assert fake_provider.requests() == []


async def test_a_caller_tool_named_like_the_agents_own_is_a_422(searxng: FakeSearxng, fake_provider: FakeOpenAIServer) -> None:
    api = Api()
    clash = {"type": "function", "function": {"name": "web_search", "parameters": {"type": "object"}}}
    async with api.client() as client:
        with pytest.raises(openai.UnprocessableEntityError) as raised:
            await client.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "hi"}], tools=[clash])
    assert "own tool named 'web_search'" in str(raised.value)
    assert fake_provider.requests() == []


async def test_channel_messages_carry_the_sources_of_an_agents_reply(
    searxng: FakeSearxng, fake_provider: FakeOpenAIServer
) -> None:
    """A reply that searched lists its pages as structured `sources` in GET
    /channels/{slug}/messages, not pasted into its text."""
    api = Api()
    channel = channels.create_channel(api.ada.id, name=f"Launch {uuid.uuid4().hex[:6]}")
    team.add_agent(channel.id, api.ada.id, api.scout.id)
    fake_provider.configure(replies=list(SEARCH_THEN_ANSWER))
    transport = httpx.ASGITransport(app=create_app())
    headers = {"Authorization": f"Bearer {api.secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test/api/v1", headers=headers) as http:
        posted = await http.post(f"/channels/{channel.slug}/messages", json={"content": "@scout weather at launch?"})
        assert posted.status_code == 201
        for _ in range(200):
            data = (await http.get(f"/channels/{channel.slug}/messages")).json()["data"]
            replies = [m for m in data if m["author_kind"] == "agent" and m["status"] == "complete"]
            if replies:
                break
            await asyncio.sleep(0.05)
    [reply] = replies
    assert reply["content"] == "Clear skies at the launch site."
    assert [s["url"] for s in reply["sources"]] == [f"https://example.org/{n}" for n in range(1, 6)]
    assert all(s["title"] for s in reply["sources"])
    assert [m["sources"] for m in data if m["author_kind"] == "user"] == [[]]
