"""infra/llm against the fake OpenAI-compatible server, over real HTTP with the real client."""

from __future__ import annotations

import asyncio
import time

import pytest

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.infra import llm
from neurocache_ui.infra.llm import NO_PROVIDER_NOTICE
from testkit.fake_provider import FakeOpenAIServer
from testkit.servers import free_port

SECRET_KEY = "sk-test-Very5ecretKeyThatMustNeverLeak0123456789"
MESSAGES = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": "say hello to the team"},
]


@pytest.fixture
def provider(fake_provider: FakeOpenAIServer, use_settings) -> FakeOpenAIServer:
    use_settings(
        OPENAI_BASE_URL=fake_provider.base_url,
        OPENAI_API_KEY=SECRET_KEY,
        NEUROCACHE_LLM_MAX_RETRIES=None,
        NEUROCACHE_LLM_TIMEOUT_SECONDS=None,
        NEUROCACHE_LLM_FIRST_TOKEN_TIMEOUT_SECONDS=None,
    )
    return fake_provider


async def stream_all(**kwargs) -> tuple[list[str], llm.CompletionResult]:
    stream = llm.stream_chat(MESSAGES, model="fake-model", **kwargs)
    deltas: list[str] = []
    async with stream:
        async for delta in stream:
            deltas.append(delta)
    assert stream.result is not None
    return deltas, stream.result


async def test_stream_tokens_arrive_in_order_with_usage(provider: FakeOpenAIServer) -> None:
    deltas, result = await stream_all(temperature=0.3, max_tokens=50)
    assert deltas == ["Echo:", " say", " hello", " to", " the", " team"]
    assert result.outcome == "ok" and result.error is None and result.ok
    assert result.text == "Echo: say hello to the team"
    # The fake counts words: 3 + 5 prompt words, 6 reply tokens.
    assert (result.prompt_tokens, result.completion_tokens) == (8, 6)
    assert not result.usage_estimated
    assert result.finish_reason == "stop"
    assert result.attempts == 1
    assert result.latency_ms >= 0 and result.first_token_ms is not None

    [request] = provider.requests()
    body = request["body"]
    assert body["messages"] == MESSAGES
    assert body["model"] == "fake-model" and body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0.3 and body["max_tokens"] == 50
    assert request["headers"]["authorization"] == f"Bearer {SECRET_KEY}"


async def test_tokens_are_handed_over_as_they_arrive(provider: FakeOpenAIServer) -> None:
    """Each delta reaches the caller before the next one is produced."""
    provider.configure(reply="one two three", token_delay=0.2)
    stream = llm.stream_chat(MESSAGES, model="fake-model")
    seen: list[tuple[str, float]] = []
    async with stream:
        async for delta in stream:
            seen.append((delta, time.monotonic()))
    assert [d for d, _ in seen] == ["one", " two", " three"]
    assert seen[-1][1] - seen[0][1] >= 0.3  # spread out, not delivered in one lump


async def test_usage_is_estimated_when_the_server_sends_none(provider: FakeOpenAIServer) -> None:
    provider.configure(send_usage=False, reply="a" * 40)
    _, result = await stream_all()
    assert result.outcome == "ok" and result.usage_estimated
    assert result.completion_tokens == 10  # 40 characters / 4
    assert result.prompt_tokens > 0


async def test_server_errors_twice_then_success_is_retried(provider: FakeOpenAIServer) -> None:
    provider.configure(fail_status=500, fail_times=2)
    deltas, result = await stream_all()
    assert result.outcome == "ok"
    assert "".join(deltas) == "Echo: say hello to the team"  # nothing duplicated
    assert result.attempts == 3
    assert len(provider.requests()) == 3


async def test_rate_limit_is_retried_honouring_retry_after(provider: FakeOpenAIServer) -> None:
    provider.configure(fail_status=429, fail_times=1, retry_after="0")
    _, result = await stream_all()
    assert result.outcome == "ok" and result.attempts == 2


async def test_retries_give_up_with_a_clear_message(provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(NEUROCACHE_LLM_MAX_RETRIES="1")
    provider.configure(fail_status=503, fail_times=-1, retry_after="0")
    deltas, result = await stream_all()
    assert deltas == [] and result.outcome == "error"
    assert result.error == "The model provider had a server error (HTTP 503). Try again in a moment."
    assert len(provider.requests()) == 2


async def test_client_errors_are_not_retried(provider: FakeOpenAIServer) -> None:
    provider.configure(fail_status=404, fail_times=-1)
    _, result = await stream_all()
    assert result.outcome == "error" and "does not offer the model 'fake-model'" in (result.error or "")
    assert len(provider.requests()) == 1


async def test_no_retry_after_the_first_token(provider: FakeOpenAIServer) -> None:
    """A stream that breaks mid-reply ends the reply; it is never sent again."""
    provider.configure(reply="alpha beta gamma delta", drop_after_tokens=2)
    deltas, result = await stream_all()
    assert deltas == ["alpha", " beta"]
    assert result.outcome == "error" and result.text == "alpha beta"
    assert result.error == "The connection to the model provider broke off in the middle of the reply."
    assert len(provider.requests()) == 1


async def test_hang_times_out_quickly_with_a_clear_message(provider: FakeOpenAIServer) -> None:
    provider.configure(hang=True)
    started = time.monotonic()
    deltas, result = await stream_all(timeout=5, first_token_timeout=0.5)
    assert time.monotonic() - started < 3
    assert deltas == [] and result.outcome == "timeout"
    assert result.error == "The model provider did not start answering within 0.5 seconds."
    assert len(provider.requests()) == 1  # timeouts are not retried


async def test_overall_timeout_from_settings(provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(NEUROCACHE_LLM_TIMEOUT_SECONDS="1")
    provider.configure(hang=True)
    started = time.monotonic()
    _, result = await stream_all()
    assert time.monotonic() - started < 3
    assert result.outcome == "timeout"
    assert result.error == "The reply took longer than 1 seconds, so it was stopped."


async def test_silence_mid_reply_keeps_the_text_and_times_out(provider: FakeOpenAIServer) -> None:
    provider.configure(reply="first second third", hang_after_tokens=2)
    deltas, result = await stream_all(first_token_timeout=0.5)
    assert deltas == ["first", " second"]
    assert result.outcome == "timeout" and result.text == "first second"
    assert "stopped sending the reply" in (result.error or "")


async def test_leaving_early_marks_the_reply_stopped(provider: FakeOpenAIServer) -> None:
    provider.configure(reply="a b c d e f", token_delay=0.05)
    stream = llm.stream_chat(MESSAGES, model="fake-model")
    async with stream:
        async for delta in stream:
            if delta == " b":
                break
    assert stream.result is not None
    assert stream.result.outcome == "stopped" and stream.result.text == "a b"


async def test_cancelling_the_task_marks_the_reply_stopped(provider: FakeOpenAIServer) -> None:
    provider.configure(reply="a b c d e f", token_delay=0.3)
    stream = llm.stream_chat(MESSAGES, model="fake-model")
    got_first = asyncio.Event()

    async def consume() -> None:
        async with stream:
            async for _ in stream:
                got_first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(got_first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stream.result is not None and stream.result.outcome == "stopped"
    assert stream.result.text.startswith("a")


async def test_collect_returns_the_whole_reply(provider: FakeOpenAIServer) -> None:
    provider.configure(reply="The answer is 42.")
    result = await llm.stream_chat(MESSAGES, model="fake-model", max_tokens=100).collect()
    assert result.outcome == "ok" and result.text == "The answer is 42."
    assert result.completion_tokens == 4


async def test_max_tokens_is_passed_and_reported(provider: FakeOpenAIServer) -> None:
    provider.configure(reply="one two three four five")
    result = await llm.stream_chat(MESSAGES, model="fake-model", max_tokens=2).collect()
    assert result.text == "one two" and result.finish_reason == "length"


async def test_no_provider_configured(use_settings) -> None:
    use_settings(OPENAI_API_KEY=None, OPENAI_BASE_URL=None)
    assert llm.provider_configured() is False
    deltas, result = await stream_all()
    assert deltas == [] and result.outcome == "error" and result.error == NO_PROVIDER_NOTICE
    assert result.prompt_tokens == 0 and result.attempts == 0
    assert "OPENAI_API_KEY" in NO_PROVIDER_NOTICE and "OPENAI_BASE_URL" in NO_PROVIDER_NOTICE


async def test_base_url_without_key_is_configured(fake_provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(OPENAI_API_KEY=None, OPENAI_BASE_URL=fake_provider.base_url)
    assert llm.provider_configured() is True
    result = await llm.stream_chat(MESSAGES, model="fake-model").collect()
    assert result.outcome == "ok"
    assert fake_provider.requests()[0]["headers"]["authorization"] == f"Bearer {llm.PLACEHOLDER_KEY}"


async def test_a_refusing_gate_keeps_the_call_from_the_provider(provider: FakeOpenAIServer) -> None:
    """Spending limits plug in as the gate: a refusal ends the call before any request."""
    asked: list[str] = []

    async def gate(model: str) -> llm.Refusal | None:
        asked.append(model)
        return llm.Refusal("quota", "No more calls this hour.", retry_after=60) if len(asked) > 1 else None

    assert (await llm.stream_chat(MESSAGES, model="fake-model", gate=gate).collect()).ok
    deltas, result = await stream_all(gate=gate)
    assert deltas == [] and result.outcome == "error" and result.error == "No more calls this hour."
    assert result.refusal == llm.Refusal("quota", "No more calls this hour.", retry_after=60)
    assert result.attempts == 0 and result.prompt_tokens == 0
    assert asked == ["fake-model", "fake-model"] and len(provider.requests()) == 1


async def test_errors_never_contain_the_key(provider: FakeOpenAIServer) -> None:
    """Even a provider that echoes the key back (as some do on 401) cannot make us show it."""
    errors = {}
    for status in (401, 400, 429, 500):
        provider.reset()
        provider.configure(
            fail_status=status, fail_times=-1, retry_after="0", fail_message=f"Incorrect API key provided: {SECRET_KEY}."
        )
        _, result = await stream_all()
        assert result.outcome == "error" and result.error
        errors[status] = result.error
    for message in errors.values():
        assert SECRET_KEY not in message and SECRET_KEY[:12] not in message
        assert "Traceback" not in message
    assert errors[401] == "The model provider rejected the API key (HTTP 401). Check OPENAI_API_KEY."
    # A 400's own explanation is passed on, with the key taken out.
    assert errors[400] == "The model provider rejected the request (HTTP 400): Incorrect API key provided: [redacted]."


async def test_unreachable_provider_names_the_host_without_credentials(use_settings) -> None:
    use_settings(
        OPENAI_API_KEY=SECRET_KEY,
        OPENAI_BASE_URL=f"http://user:hunter2@127.0.0.1:{free_port()}/v1",
        NEUROCACHE_LLM_MAX_RETRIES="1",
    )
    _, result = await stream_all()
    assert result.outcome == "error"
    assert result.error and result.error.startswith("Could not reach the model provider at 127.0.0.1:")
    assert "hunter2" not in result.error and SECRET_KEY not in result.error


async def test_available_models(provider: FakeOpenAIServer, use_settings) -> None:
    assert await llm.available_models() == ["fake-model", "gpt-4o-mini"]
    provider.configure(models=[])
    assert await llm.available_models() == []  # a server that lists nothing
    use_settings(OPENAI_API_KEY=None, OPENAI_BASE_URL=None)
    assert await llm.available_models() == []


async def test_a_provider_that_cannot_list_its_models_is_unavailable(provider: FakeOpenAIServer, use_settings) -> None:
    """Told apart from "lists nothing", naming the host and never the key."""
    provider.configure(models_fail_status=500)
    with pytest.raises(Unavailable) as failed:
        await llm.available_models()
    assert str(failed.value).startswith("Could not list the models of 127.0.0.1:")
    use_settings(OPENAI_BASE_URL=f"http://user:hunter2@127.0.0.1:{free_port()}/v1")
    with pytest.raises(Unavailable) as unreachable:
        await llm.available_models(timeout=2)
    assert "hunter2" not in str(unreachable.value) and SECRET_KEY not in str(unreachable.value)


def test_fake_provider_speaks_openais_wire_format(fake_provider: FakeOpenAIServer) -> None:
    """The fake itself: server-sent events in OpenAI's chunk format, usage last, then [DONE]."""
    import json

    import httpx

    body = {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", f"{fake_provider.base_url}/chat/completions", json=body, timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = [line[len("data: ") :] for line in response.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["object"] == "chat.completion.chunk" and c["model"] == "m" for c in chunks)
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]) == (
        "Echo: say hello to the team"
    )
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["completion_tokens"] == 6
    assert fake_provider.last_body()["stream_options"] == {"include_usage": True}
