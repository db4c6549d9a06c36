"""Key scopes, reach and budget over HTTP against the production-like hub.

The first test walks the API's own OpenAPI document: every /api/v1 operation must
declare exactly one scope (its security requirement), GETs must need `read` and the
model-calling routes `chat`, and a key lacking the declared scope gets 403 naming it
while a key with it gets past the check. A new route without a scope fails here."""

from __future__ import annotations

import re

import httpx
import openai
import pytest

from neurocache_ui.api.app import create_app
from neurocache_ui.domain.scopes import SCOPES, KeyLimits
from neurocache_ui.services import agents, api_keys, channels
from tests.api.conftest import Caller, Workspace
from tests.api.test_keys import assert_openai_error

CHAT_ROUTES = {
    ("post", "/api/v1/chat/completions"),
    ("post", "/api/v1/channels/{slug}/query"),
    ("post", "/api/v1/embeddings"),
}
"""Routes that ask a model on the caller's behalf (docs/API.md, "Key scopes")."""
KEYLESS = {("post", "/api/v1/hooks/{secret}")}
"""An incoming webhook's URL is its own permission (docs/API.md, "Incoming webhooks"): no key, no scope."""
PLACEHOLDERS = {"slug": "no-such-thing", "agent": "no-such-agent", "emoji": "thumbsup", "model": "agent:nobody"}


def _operations() -> list[tuple[str, str, str]]:
    """(method, path template, the scope it declares) for every operation of the API."""
    found = []
    for path, operations in create_app().openapi()["paths"].items():
        for method, operation in operations.items():
            if (method, path) in KEYLESS:
                assert not operation.get("security"), f"{method.upper()} {path} takes no key"
                continue
            requirements = operation.get("security") or [{}]
            assert len(requirements) == 1, (method, path)
            declared = requirements[0].get("ApiKey")
            assert declared is not None and len(declared) == 1 and declared[0] in SCOPES, (
                f"{method.upper()} {path} declares no scope: take ReadKey, WriteKey or ChatKey (api/deps.py)"
            )
            found.append((method, path, declared[0]))
    return found


def _filled(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PLACEHOLDERS.get(m.group(1), "1"), path)


def _key(caller: Caller, name: str, scopes: tuple[str, ...]) -> str:
    return api_keys.create_key(caller.user_id, name, limits=KeyLimits(scopes=scopes))[0]  # type: ignore[arg-type]


def test_every_route_declares_its_scope_and_refuses_a_key_without_it(caller: Caller) -> None:
    operations = _operations()
    assert len(operations) >= 60 and all(path.startswith("/api/v1/") for _, path, _ in operations)
    for method, path, scope in operations:
        expected = "chat" if (method, path) in CHAT_ROUTES else "read" if method == "get" else None
        assert expected in (None, scope), f"{method.upper()} {path} declares {scope!r}, the rule says {expected!r}"
    lacking = {scope: _key(caller, f"no {scope}", tuple(s for s in SCOPES if s != scope)) for scope in SCOPES}
    having = {scope: _key(caller, f"only {scope}", (scope,)) for scope in SCOPES}  # one key per group: rate limits
    origin = caller.base_url.removesuffix("/api/v1")
    with httpx.Client(base_url=origin, timeout=30) as http:
        for method, path, scope in operations:
            body = {} if method != "get" else None
            refused = http.request(method.upper(), _filled(path), json=body, headers={"Authorization": f"Bearer {lacking[scope]}"})
            error = assert_openai_error(refused, 403, "insufficient_scope")
            assert f"lacks the '{scope}' scope" in error["message"], (method, path, error)
            passed = http.request(method.upper(), _filled(path), json=body, headers={"Authorization": f"Bearer {having[scope]}"})
            assert passed.status_code != 403 or passed.json()["error"]["code"] != "insufficient_scope", (method, path)
            assert passed.status_code < 500, (method, path, passed.text)


def test_read_only_key_cannot_chat_and_a_chat_key_cannot_change_agents(caller: Caller, workspace: Workspace) -> None:
    reader = caller.openai(_key(caller, "reader", ("read",)))
    with pytest.raises(openai.PermissionDeniedError) as refused:
        reader.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "hi"}])
    assert refused.value.code == "insufficient_scope" and "'chat'" in refused.value.message
    assert {m.id for m in reader.models.list()} >= {"agent:scout", "agent:critic"}  # reading is fine
    chatter = _key(caller, "chatter", ("chat",))
    with caller.http(chatter) as http:
        assert_openai_error(http.patch("/agents/scout", json={"instructions": "x"}), 403, "insufficient_scope")
        assert_openai_error(http.get("/agents"), 403, "insufficient_scope")
    answer = caller.openai(chatter).chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "Echo: hi"


def test_a_key_limited_to_agents_and_channels_sees_nothing_else(caller: Caller, workspace: Workspace) -> None:
    other = channels.create_channel(caller.user_id, name="Other room")
    secret, _ = api_keys.create_key(
        caller.user_id, "scout only", limits=KeyLimits(agents=("scout",), channels=(workspace.channel.slug,))
    )
    client = caller.openai(secret)
    assert {m.id for m in client.models.list() if m.owned_by != "hub"} == {"agent:scout", f"channel:{workspace.channel.slug}"}
    with pytest.raises(openai.NotFoundError) as missing:
        client.chat.completions.create(model="agent:critic", messages=[{"role": "user", "content": "hi"}])
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model=f"channel:{other.slug}", messages=[{"role": "user", "content": "hi"}])
    reply = client.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "Echo: hi"
    with caller.http(secret) as http:
        assert [a["slug"] for a in http.get("/agents").json()["data"]] == ["scout"]
        assert [c["slug"] for c in http.get("/channels").json()["data"]] == [workspace.channel.slug]
        for path in (
            "/agents/critic", "/agents/critic/knowledge", "/agents/critic/versions", "/agents/critic/evals",
            f"/channels/{other.slug}", f"/channels/{other.slug}/messages", f"/channels/{other.slug}/pins",
            f"/channels/{other.slug}/members", f"/channels/{other.slug}/notifications", "/models/agent:critic",
        ):
            assert_openai_error(http.get(path), 404)
        assert_openai_error(http.post(f"/channels/{other.slug}/messages", json={"content": "x"}), 404)
        assert http.get(f"/channels/{workspace.channel.slug}/messages").status_code == 200
        assert http.get("/agents/scout").status_code == 200
        # Routes that reach messages of any channel are refused to a channel-limited key.
        assert_openai_error(http.get("/search", params={"q": "hello"}), 403, "key_restricted")
        assert_openai_error(http.get("/saved"), 403, "key_restricted")
    with caller.http() as http:  # the owner's unlimited key still sees both
        assert {c["slug"] for c in http.get("/channels").json()["data"]} >= {workspace.channel.slug, other.slug}


def test_a_budget_of_two_refuses_the_third_model_call(caller: Caller, workspace: Workspace) -> None:
    secret, key = api_keys.create_key(caller.user_id, "metered", limits=KeyLimits(budget=2))
    client = caller.openai(secret)
    client.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "one"}])
    client.embeddings.create(model="default", input="two")  # embeddings are model calls too
    with pytest.raises(openai.RateLimitError) as refused:
        client.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "three"}])
    assert refused.value.code == "budget_exceeded" and "budget of 2 model calls" in refused.value.message
    with caller.http(secret) as http:
        assert_openai_error(http.post(f"/channels/{workspace.channel.slug}/query", json={"question": "x"}), 429, "budget_exceeded")
        assert http.get("/agents").status_code == 200  # reading costs no model call
    listed = {k.id: k for k in api_keys.list_keys(caller.user_id)}
    assert listed[key.id].monthly_budget == 2
    # Another key of the same owner has its own (no) budget.
    assert caller.openai().chat.completions.create(
        model="agent:scout", messages=[{"role": "user", "content": "four"}]
    ).choices[0].message.content == "Echo: four"


def test_agents_created_after_the_key_are_outside_its_list(caller: Caller) -> None:
    agents.create_agent(caller.user_id, {"name": "Scout"})
    secret, _ = api_keys.create_key(caller.user_id, "scout", limits=KeyLimits(agents=("scout",)))
    agents.create_agent(caller.user_id, {"name": "Newcomer"})
    with caller.http(secret) as http:
        assert [a["slug"] for a in http.get("/agents", params={"search": ""}).json()["data"]] == ["scout"]
        assert_openai_error(http.get("/agents/newcomer"), 404)
