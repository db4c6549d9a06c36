"""The official `openai` package against the running app: models, completions
(plain and streamed, with usage) for an agent and for a channel."""

from __future__ import annotations

import openai
import pytest

from tests.api.conftest import Caller, Workspace


def test_models_list_has_agents_and_channels(caller: Caller, workspace: Workspace) -> None:
    models = caller.openai().models.list()
    assert {model.id for model in models if model.owned_by != "hub"} == {"agent:scout", "agent:critic", f"channel:{workspace.channel.slug}"}
    assert [model.id for model in models if model.owned_by == "hub"] == ["wordllama-256"]  # POST /embeddings
    assert caller.openai().models.retrieve("agent:scout").id == "agent:scout"


def test_agent_completion(caller: Caller, workspace: Workspace, fake_provider) -> None:
    reply = caller.openai().chat.completions.create(
        model="agent:scout",
        messages=[{"role": "system", "content": "Answer in English."}, {"role": "user", "content": "where is the source"}],
        temperature=0.2,
        max_tokens=50,
    )
    assert reply.object == "chat.completion"
    assert reply.model == "agent:scout"
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content == "Echo: where is the source"
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage is not None and reply.usage.completion_tokens == 5
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens
    # The agent's own instructions and the caller's system message reached the provider.
    sent = fake_provider.last_body()
    assert sent["temperature"] == 0.2 and sent["max_tokens"] == 50
    system = sent["messages"][0]["content"]
    assert "Be brief." in system and "Answer in English." in system and "Scout" in system


def test_agent_completion_streamed_with_usage(caller: Caller, workspace: Workspace, fake_provider) -> None:
    stream = caller.openai().chat.completions.create(
        model="agent:scout",
        messages=[{"role": "user", "content": "stream this please"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Echo: stream this please"
    assert len([c for c in chunks if c.choices and c.choices[0].delta.content]) == 4  # token by token
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["stop"]
    usage = chunks[-1].usage
    assert usage is not None and not chunks[-1].choices
    assert usage.completion_tokens == 4 and usage.total_tokens == usage.prompt_tokens + 4


def test_stream_without_usage_ends_with_done(caller: Caller, workspace: Workspace) -> None:
    with caller.http() as http:
        with http.stream("POST", "/chat/completions", json={
            "model": "agent:critic", "stream": True, "messages": [{"role": "user", "content": "hi"}]
        }) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    assert all(line.startswith("data: ") for line in lines)
    assert '"usage"' not in "".join(lines)


def test_channel_as_model_synthesises_every_agent(caller: Caller, workspace: Workspace, fake_provider) -> None:
    reply = caller.openai().chat.completions.create(
        model=f"channel:{workspace.channel.slug}", messages=[{"role": "user", "content": "is it true"}]
    )
    bodies = [r["body"] for r in fake_provider.requests() if r["path"].endswith("/chat/completions")]
    assert len(bodies) == 3  # two agents in parallel, then the synthesis
    synthesis = reply.choices[0].message.content
    # The fake echoes the synthesis prompt: it carries both agents' answers and the goal.
    assert "Scout (@scout)" in synthesis and "Critic (@critic)" in synthesis
    assert "Echo: is it true" in synthesis
    assert "Answer with sources" in bodies[-1]["messages"][0]["content"]
    assert reply.usage.prompt_tokens > 0 and reply.usage.completion_tokens > 0


def test_channel_model_streamed(caller: Caller, workspace: Workspace) -> None:
    stream = caller.openai().chat.completions.create(
        model=f"channel:{workspace.channel.slug}", messages=[{"role": "user", "content": "go"}], stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "Scout (@scout)" in text and chunks[-1].usage is not None


def test_unknown_model_is_404(caller: Caller, workspace: Workspace) -> None:
    for model in ("gpt-4o", "agent:nobody", "channel:nowhere", "agent:"):
        with pytest.raises(openai.NotFoundError) as caught:
            caller.openai().chat.completions.create(model=model, messages=[{"role": "user", "content": "x"}])
        assert caught.value.body["code"] == "model_not_found"


def test_provider_failure_is_a_clear_error(caller: Caller, workspace: Workspace, fake_provider) -> None:
    fake_provider.configure(fail_status=401, fail_times=-1)
    with pytest.raises(openai.APIStatusError) as caught:
        caller.openai().chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 502
    assert "rejected the API key" in caught.value.body["message"]
    with pytest.raises(openai.APIStatusError) as caught:
        list(caller.openai().chat.completions.create(model="agent:scout", stream=True, messages=[{"role": "user", "content": "x"}]))
    assert caught.value.status_code == 502
