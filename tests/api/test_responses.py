"""The Responses API (POST/GET/DELETE /responses) with the official `openai` client
against the app: plain and streamed (the event types the client reads), continued
server-side with previous_response_id (the provider gets the earlier turns), store:
false, the caller's function tools round trip, images, channel models, the agent's
web searches as output items with url_citation annotations, ownership (404), clear
schema errors, usage records, and stored responses going with their agent and with
retention. The app runs in-process (its web search points at a fake SearXNG); the
provider and SearXNG are real HTTP servers; Postgres, and SQLite where storage is
the point."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import openai
import pytest
import sqlalchemy as sa

from neurocache_ui.api.app import create_app
from neurocache_ui.services import agents, api_keys, channels, retention, team, usage
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import UsageEvent, utcnow
from neurocache_ui.store.response_models import StoredResponse
from testkit.factories import create_user
from testkit.fake_provider import FakeOpenAIServer
from testkit.web_fakes import FakeSearxng
from tests.integration.messaging_support import setup_stores

pytestmark = pytest.mark.timeout(90)

PIXEL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather at a place.",
    "parameters": {"type": "object", "properties": {"place": {"type": "string"}}, "required": ["place"]},
}
SEARCH_THEN_CITE = [
    {"tool_calls": [{"id": "call_s", "name": "web_search", "arguments": {"query": "launch weather"}}]},
    "Clear skies, says https://example.org/2 today.",
]
MESSAGE_EVENTS = [
    "response.output_item.added", "response.content_part.added", "response.output_text.delta",
    "response.output_text.done", "response.content_part.done", "response.output_item.done",
]


class Hub:
    """Ada with a key, her agents Scout (web_search on) and Plain (no tools), and the app in-process."""

    def __init__(self) -> None:
        self.ada = create_user("Ada")
        self.scout = agents.create_agent(
            self.ada.id, {"name": "Scout", "model": "fake-model", "tools": ["web_search"], "instructions": "Be brief."}
        )
        self.plain = agents.create_agent(self.ada.id, {"name": "Plain", "model": "fake-model"})
        self.secret, self.key = api_keys.create_key(self.ada.id, "responses test")
        self.app = create_app()

    def client(self, secret: str | None = None) -> openai.AsyncOpenAI:
        transport = httpx.ASGITransport(app=self.app)
        return openai.AsyncOpenAI(
            base_url="http://hub.test/api/v1", api_key=secret or self.secret, max_retries=0,
            http_client=httpx.AsyncClient(transport=transport, base_url="http://hub.test"),
        )  # fmt: skip

    def other_key(self) -> str:
        bob = create_user("Bob")
        agents.create_agent(bob.id, {"name": "Plain", "model": "fake-model"})
        return api_keys.create_key(bob.id, "bob's key")[0]


def _hub(request: pytest.FixtureRequest, use_settings, combo: str, fake_provider: FakeOpenAIServer) -> AsyncIterator[Hub]:
    with FakeSearxng() as searxng:
        setup_stores(
            request, use_settings, combo, **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0",
            NEUROCACHE_SEARXNG_URL=searxng.url, NEUROCACHE_RETENTION_DAYS="30",
        )  # fmt: skip
        hub = Hub()
        hub.searxng = searxng  # type: ignore[attr-defined]
        yield hub


@pytest.fixture
def hub(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Any:
    yield from _hub(request, use_settings, "postgres+redis", fake_provider)


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def any_hub(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Any:
    """The hub on either database, for what stores responses."""
    yield from _hub(request, use_settings, request.param, fake_provider)


def stored(response_id: str) -> StoredResponse | None:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(StoredResponse.id).where(StoredResponse.id == response_id)).first()


# ---------------------------------------------------------------- plain and streamed


async def test_plain_text_input_with_instructions(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    async with hub.client() as client:
        reply = await client.responses.create(
            model="agent:scout", input="where is the source", instructions="Answer in English.", temperature=0.2,
            max_output_tokens=50, metadata={"ticket": "42"},
        )  # fmt: skip
    assert reply.id.startswith("resp_") and reply.object == "response" and reply.status == "completed"
    assert reply.model == "agent:scout" and reply.metadata == {"ticket": "42"}
    assert reply.output_text == "Echo: where is the source"
    [message] = reply.output
    assert message.type == "message" and message.role == "assistant" and message.content[0].annotations == []
    assert reply.usage is not None and reply.usage.output_tokens == 5
    assert reply.usage.total_tokens == reply.usage.input_tokens + reply.usage.output_tokens
    sent = fake_provider.last_body()
    assert sent["temperature"] == 0.2 and sent["max_tokens"] == 50
    system = sent["messages"][0]["content"]
    assert "Be brief." in system and "Answer in English." in system
    assert sent["messages"][-1] == {"role": "user", "content": "where is the source"}
    assert usage.flush()
    with get_engine().connect() as conn:
        rows = conn.execute(sa.select(UsageEvent.source, UsageEvent.completion_tokens, UsageEvent.agent_id).where(
            UsageEvent.api_key_id == hub.key.id
        )).all()  # fmt: skip
    assert [tuple(row) for row in rows] == [("api", 5, hub.scout.id)]


async def test_streamed_with_the_responses_event_types(hub: Hub) -> None:
    async with hub.client() as client:
        async with client.responses.stream(model="agent:plain", input="stream this please") as stream:
            events = [event async for event in stream]
            final = await stream.get_final_response()
        again = await client.responses.retrieve(final.id)
    kinds = [event.type for event in events]
    assert kinds[:2] == ["response.created", "response.in_progress"]
    assert kinds[-1] == "response.completed"
    middle = kinds[2:-1]
    assert [kind for n, kind in enumerate(middle) if n == 0 or middle[n - 1] != kind] == MESSAGE_EVENTS  # deltas run together
    assert kinds.count("response.output_text.delta") == 4  # token by token
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert final.output_text == "Echo: stream this please" and final.status == "completed"
    assert events[0].response.id == final.id and final.usage is not None and final.usage.output_tokens == 4
    done = next(e for e in events if e.type == "response.output_text.done")
    assert done.text == final.output_text
    assert again.id == final.id and again.output_text == final.output_text


async def test_rate_limited_like_chat_completions(hub: Hub, use_settings) -> None:
    use_settings(NEUROCACHE_RATE_LIMIT="2/minute")
    async with hub.client() as client:
        for _ in range(2):
            await client.responses.create(model="agent:plain", input="hi")
        with pytest.raises(openai.RateLimitError) as caught:
            await client.responses.create(model="agent:plain", input="hi")
    assert "Rate limit reached" in caught.value.body["message"] and caught.value.response.headers["Retry-After"]


async def test_provider_failure_is_a_clear_error(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    fake_provider.configure(fail_status=401, fail_times=-1)
    async with hub.client() as client:
        with pytest.raises(openai.APIStatusError) as caught:
            await client.responses.create(model="agent:plain", input="x")
        assert caught.value.status_code == 502 and "rejected the API key" in caught.value.body["message"]
        with pytest.raises(openai.APIStatusError) as caught:
            async with client.responses.stream(model="agent:plain", input="x") as stream:
                [event async for event in stream]
        assert caught.value.status_code == 502


async def test_a_stream_that_breaks_ends_with_response_failed(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    fake_provider.configure(drop_after_tokens=2)
    async with hub.client() as client:
        async with client.responses.stream(model="agent:plain", input="one two three four") as stream:
            events = [event async for event in stream]
        with pytest.raises(openai.NotFoundError):  # a failed response is not kept
            await client.responses.retrieve(events[0].response.id)
    failed = events[-1]
    assert failed.type == "response.failed" and failed.response.status == "failed"
    assert failed.response.error is not None and failed.response.error.message
    [message] = failed.response.output
    assert message.status == "incomplete" and message.content[0].text == "Echo: one"
    assert "response.completed" not in [event.type for event in events]


# ---------------------------------------------------------------- continued, stored or not


async def test_previous_response_id_continues_the_conversation(any_hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    async with any_hub.client() as client:
        first = await client.responses.create(model="agent:plain", input="first question", instructions="Talk like a pirate.")
        second = await client.responses.create(model="agent:plain", input="second question", previous_response_id=first.id)
        third = await client.responses.create(model="agent:plain", input="third question", previous_response_id=second.id)
    assert third.previous_response_id == second.id and third.output_text == "Echo: third question"
    sent = fake_provider.last_body()["messages"]
    assert sent[1:] == [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "Echo: first question"},
        {"role": "user", "content": "second question"},
        {"role": "assistant", "content": "Echo: second question"},
        {"role": "user", "content": "third question"},
    ]
    assert "pirate" not in sent[0]["content"]  # instructions are the response's own, not carried over


async def test_store_false_is_not_kept_and_cannot_be_continued(any_hub: Hub) -> None:
    async with any_hub.client() as client:
        reply = await client.responses.create(model="agent:plain", input="forget me", store=False)
        assert reply.store is False and reply.output_text == "Echo: forget me"
        assert stored(reply.id) is None
        with pytest.raises(openai.NotFoundError):
            await client.responses.retrieve(reply.id)
        with pytest.raises(openai.NotFoundError) as caught:
            await client.responses.create(model="agent:plain", input="and then?", previous_response_id=reply.id)
    assert "store: false" in caught.value.body["message"]


async def test_a_conversation_is_continued_up_to_its_turn_limit(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    turns = [{"role": "user", "content": f"note {n}"} for n in range(499)]
    async with hub.client() as client:
        long = await client.responses.create(model="agent:plain", input=turns)  # 499 turns and the answer: 500
        fake_provider.reset()
        with pytest.raises(openai.UnprocessableEntityError) as caught:
            await client.responses.create(model="agent:plain", input="one more", previous_response_id=long.id)
        assert "too long to continue (501 turns, at most 500)" in caught.value.body["message"]
        with pytest.raises(openai.UnprocessableEntityError):
            await client.responses.create(model="agent:plain", input=[*turns, *turns[:2]])
    assert fake_provider.requests() == []


async def test_get_and_delete_are_the_owners_only(any_hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    async with any_hub.client() as client:
        reply = await client.responses.create(model="agent:plain", input="mine")
    async with any_hub.client(any_hub.other_key()) as bob:
        for attempt in (bob.responses.retrieve(reply.id), bob.responses.delete(reply.id),
                        bob.responses.create(model="agent:plain", input="peek", previous_response_id=reply.id)):
            with pytest.raises(openai.NotFoundError):
                await attempt
    assert stored(reply.id) is not None
    async with any_hub.client() as client:
        assert (await client.responses.retrieve(reply.id)).output_text == "Echo: mine"
        await client.responses.delete(reply.id)
        assert stored(reply.id) is None
        for attempt in (client.responses.retrieve(reply.id), client.responses.delete(reply.id),
                        client.responses.retrieve("resp_" + "0" * 32), client.responses.retrieve("x" * 300)):
            with pytest.raises(openai.NotFoundError):
                await attempt


async def test_stored_responses_go_with_their_agent_and_with_retention(any_hub: Hub) -> None:
    async with any_hub.client() as client:
        gone_with_agent = await client.responses.create(model="agent:scout", input="one")
        old = await client.responses.create(model="agent:plain", input="two")
        kept = await client.responses.create(model="agent:plain", input="three")
    agents.delete_agent(any_hub.ada.id, any_hub.scout.id)
    assert stored(gone_with_agent.id) is None
    with get_engine().begin() as conn:
        conn.execute(sa.update(StoredResponse).where(StoredResponse.id == old.id).values(
            created_at=utcnow() - timedelta(days=31)
        ))  # fmt: skip
    report = retention.run_retention()
    assert report.responses_deleted >= 1 and "stored API responses" in report.summary()
    assert stored(old.id) is None and stored(kept.id) is not None


# ---------------------------------------------------------------- tools, images, channels, search


async def test_function_tools_round_trip(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    fake_provider.configure(replies=[
        {"tool_calls": [{"id": "call_w", "name": "get_weather", "arguments": {"place": "Kourou"}}]},
        "It is sunny in Kourou.",
    ])  # fmt: skip
    async with hub.client() as client:
        asked = await client.responses.create(model="agent:scout", input="weather in Kourou?", tools=[WEATHER])
        [call] = asked.output
        assert (call.type, call.call_id, call.name) == ("function_call", "call_w", "get_weather")
        assert json.loads(call.arguments) == {"place": "Kourou"} and asked.output_text == ""
        sent = fake_provider.last_body()
        assert [t["function"]["name"] for t in sent["tools"]] == ["web_search", "get_weather"]
        answered = await client.responses.create(
            model="agent:scout", previous_response_id=asked.id, tools=[WEATHER],
            input=[{"type": "function_call_output", "call_id": "call_w", "output": "Sunny, 31 °C"}],
        )  # fmt: skip
    assert answered.output_text == "It is sunny in Kourou."
    turns = fake_provider.last_body()["messages"][1:]
    assert turns[0] == {"role": "user", "content": "weather in Kourou?"}
    assert turns[1]["role"] == "assistant" and turns[1]["tool_calls"][0]["id"] == "call_w"
    assert turns[2] == {"role": "tool", "tool_call_id": "call_w", "content": "Sunny, 31 °C"}


async def test_function_calls_streamed(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    fake_provider.configure(replies=[{"tool_calls": [
        {"id": "call_1", "name": "get_weather", "arguments": {"place": "Kourou"}},
        {"id": "call_2", "name": "get_weather", "arguments": {"place": "Baikonur"}},
    ]}])  # fmt: skip
    async with hub.client() as client:
        async with client.responses.stream(model="agent:plain", input="weather?", tools=[WEATHER]) as stream:
            events = [event async for event in stream]
            final = await stream.get_final_response()
    done = [e.arguments for e in events if e.type == "response.function_call_arguments.done"]
    assert [json.loads(a) for a in done] == [{"place": "Kourou"}, {"place": "Baikonur"}]
    assert [(item.type, item.call_id) for item in final.output] == [("function_call", "call_1"), ("function_call", "call_2")]


async def test_images_reach_the_provider(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    content = [{"type": "input_text", "text": "What is in this picture?"},
               {"type": "input_image", "image_url": PIXEL, "detail": "low"}]
    async with hub.client() as client:
        reply = await client.responses.create(model="agent:plain", input=[{"role": "user", "content": content}])
        assert reply.output_text == "Echo: What is in this picture?"
        assert fake_provider.last_body()["messages"][-1] == {"role": "user", "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": PIXEL, "detail": "low"}},
        ]}  # fmt: skip
        fake_provider.reset()
        bad = [{"type": "input_image", "image_url": "http://169.254.169.254/latest/meta-data/"}]
        with pytest.raises(openai.UnprocessableEntityError) as caught:
            await client.responses.create(model="agent:plain", input=[{"role": "user", "content": bad}])
    assert "image_url must be a data: URL" in caught.value.body["message"]
    assert fake_provider.requests() == []


async def test_channel_model_synthesises_every_agent(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    channel = channels.create_channel(hub.ada.id, name=f"Research {uuid.uuid4().hex[:6]}", goal="Answer with sources")
    team.add_agent(channel.id, hub.ada.id, hub.plain.id)
    team.add_agent(channel.id, hub.ada.id, hub.scout.id)
    async with hub.client() as client:
        reply = await client.responses.create(model=f"channel:{channel.slug}", input="is it true")
        async with client.responses.stream(model=f"channel:{channel.slug}", input="and now?",
                                           previous_response_id=reply.id) as stream:
            final = await stream.get_final_response()
    assert "Plain (@plain)" in reply.output_text and "Scout (@scout)" in reply.output_text
    assert "Echo: is it true" in reply.output_text and reply.usage is not None and reply.usage.input_tokens > 0
    assert len([r for r in fake_provider.requests() if r["path"].endswith("/chat/completions")]) == 6
    agent_turns = fake_provider.requests()[3]["body"]["messages"]
    assert {"role": "user", "content": "is it true"} in agent_turns  # the channel heard the earlier turn
    assert "Echo: and now?" in final.output_text


async def test_web_search_calls_and_url_citations(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    text = "Clear skies, says https://example.org/2 today."
    fake_provider.configure(replies=list(SEARCH_THEN_CITE))
    async with hub.client() as client:
        reply = await client.responses.create(model="agent:scout", input="weather at launch?")
        fake_provider.configure(replies=list(SEARCH_THEN_CITE))
        async with client.responses.stream(model="agent:scout", input="and streamed?") as stream:
            events = [event async for event in stream]
            streamed = await stream.get_final_response()
    for made in (reply, streamed):
        search, message = made.output
        assert search.type == "web_search_call" and search.status == "completed"
        assert search.action.type == "search" and search.action.query == "launch weather"
        assert made.output_text == text
        citations = message.content[0].annotations
        assert [c.url for c in citations] == [f"https://example.org/{n}" for n in range(1, 6)]
        assert all(c.type == "url_citation" and c.title.startswith("Result ") for c in citations)
        cited = next(c for c in citations if c.url == "https://example.org/2")
        assert text[cited.start_index:cited.end_index] == "https://example.org/2"
        assert all((c.start_index, c.end_index) == (0, len(text)) for c in citations if c is not cited)
    kinds = [event.type for event in events]
    assert kinds.count("response.output_text.annotation.added") == 5
    assert kinds.index("response.output_item.added") < kinds.index("response.content_part.added")
    assert events[kinds.index("response.output_item.added")].item.type == "web_search_call"


async def test_a_channels_agents_searches_are_reported_too(hub: Hub, fake_provider: FakeOpenAIServer) -> None:
    channel = channels.create_channel(hub.ada.id, name=f"Launch {uuid.uuid4().hex[:6]}", goal="Launch on time")
    team.add_agent(channel.id, hub.ada.id, hub.scout.id)
    fake_provider.configure(replies=[*SEARCH_THEN_CITE, "The team says: clear skies (https://example.org/3)."])
    async with hub.client() as client:
        reply = await client.responses.create(model=f"channel:{channel.slug}", input="weather at launch?")
    search, message = reply.output
    assert (search.type, search.action.query) == ("web_search_call", "launch weather")
    assert reply.output_text == "The team says: clear skies (https://example.org/3)."
    citations = message.content[0].annotations
    assert [c.url for c in citations] == [f"https://example.org/{n}" for n in range(1, 6)]
    cited = citations[2]
    assert reply.output_text[cited.start_index:cited.end_index] == "https://example.org/3"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"model": "agent:plain"}, 422, "input: Field required"),
        ({"model": "agent:plain", "input": []}, 422, "input must contain at least one message"),
        ({"model": "agent:plain", "input": [{"type": "item_reference", "id": "x"}]}, 422, "input[0].type 'item_reference'"),
        ({"model": "agent:plain", "input": [{"role": "user", "content": [{"type": "input_file"}]}]}, 422,
         "input[0].content[0].type 'input_file' is not supported"),
        ({"model": "agent:plain", "input": [{"role": "robot", "content": "hi"}]}, 422, "input[0].role"),
        ({"model": "agent:plain", "input": [{"type": "function_call_output", "output": "x"}]}, 422, "input[0].call_id"),
        ({"model": "agent:plain", "input": "hi", "tools": [{"type": "web_search"}]}, 422, "tools[0].type 'web_search'"),
        ({"model": "agent:plain", "input": "hi", "tools": [{"type": "function", "name": "bad name!"}]}, 422,
         "tools[0].name must be 1-64"),
        ({"model": "agent:plain", "input": "hi", "temperature": 5}, 422, "temperature"),
        ({"model": "gpt-4o", "input": "hi"}, 404, "agent:<slug> or channel:<slug>"),
        ({"model": "agent:plain", "input": "hi", "previous_response_id": "resp_nothing"}, 404, "Response not found"),
    ],
)
async def test_schema_errors_are_clear(hub: Hub, fake_provider: FakeOpenAIServer, body: dict[str, Any], status: int,
                                       says: str) -> None:
    transport = httpx.ASGITransport(app=hub.app)
    headers = {"Authorization": f"Bearer {hub.secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test/api/v1", headers=headers) as http:
        answer = await http.post("/responses", json=body)
    assert answer.status_code == status, answer.text
    assert says in answer.json()["error"]["message"]
    assert fake_provider.requests() == []
