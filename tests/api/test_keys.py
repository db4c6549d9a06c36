"""API keys against the running app: hash-only storage, revocation and expiry on
every worker, 401s in OpenAI's error shape, and owners' isolation (404)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
import openai
import pytest
import sqlalchemy as sa

from neurocache_ui.services import api_keys
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import utcnow
from tests.api.conftest import Caller, Workspace

REQUESTS_PER_CHECK = 6  # fresh connections: they spread over both workers


def _statuses(caller: Caller, key: str | None) -> set[int]:
    statuses = set()
    for _ in range(REQUESTS_PER_CHECK):
        with caller.http(key) as http:  # a new connection each time
            statuses.add(http.get("/models").status_code)
    return statuses


def assert_openai_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert {"message", "type", "code"} <= set(body["error"])
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_key_is_stored_as_hash_only(caller: Caller) -> None:
    assert caller.key.startswith("nck_") and len(caller.key) >= 4 + 43
    with get_engine().connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM api_key WHERE id = :id"), {"id": caller.key_id}).mappings().one()
    assert row["key_hash"] == hashlib.sha256(caller.key.encode()).hexdigest()
    assert all(caller.key not in str(value) for value in row.values())
    assert caller.key.startswith(row["prefix"]) and len(row["prefix"]) < 20
    listed = api_keys.list_keys(caller.user_id)
    assert caller.key not in repr(listed) and listed[0].prefix == row["prefix"]


def test_last_used_is_recorded(caller: Caller) -> None:
    assert api_keys.list_keys(caller.user_id)[0].last_used_at is None
    with caller.http() as http:
        assert http.get("/models").status_code == 200
    assert api_keys.list_keys(caller.user_id)[0].last_used_at is not None


def test_revoke_takes_effect_at_once_on_every_worker(caller: Caller) -> None:
    assert _statuses(caller, "__own__") == {200}
    api_keys.revoke_key(caller.user_id, caller.key_id)
    assert _statuses(caller, "__own__") == {401}
    with pytest.raises(openai.AuthenticationError):
        caller.openai().models.list()


def test_expired_key_is_refused(caller: Caller) -> None:
    with get_engine().begin() as conn:
        conn.execute(
            sa.text("UPDATE api_key SET expires_at = :t WHERE id = :id"),
            {"t": utcnow() - timedelta(seconds=1), "id": caller.key_id},
        )
    assert _statuses(caller, "__own__") == {401}
    secret, key = api_keys.create_key(caller.user_id, "short-lived", utcnow() + timedelta(hours=1))
    assert _statuses(caller, secret) == {200}


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Bearer nck_short", "Bearer sk-abc", "nck_" + "a" * 43,
     "Bearer nck_" + "a" * 43, "Bearer " + "x" * 5000],
)
def test_missing_or_malformed_key_is_401(caller: Caller, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    with httpx.Client(base_url=caller.base_url, timeout=30) as http:
        for method, path in (("GET", "/models"), ("POST", "/chat/completions"), ("POST", "/responses"), ("GET", "/agents")):
            response = http.request(method, path, headers=headers, json={"model": "agent:x", "messages": []})
            error = assert_openai_error(response, 401)
            assert error["code"] in ("missing_api_key", "invalid_api_key")
            assert response.headers["www-authenticate"] == "Bearer"


def test_another_users_agents_and_channels_are_404(new_caller, caller: Caller, workspace: Workspace) -> None:
    other = new_caller("Mallory")
    slug = workspace.channel.slug
    with caller.http() as http:
        answered = http.post("/responses", json={"model": "agent:scout", "input": "hi"})
        assert answered.status_code == 200, answered.text
        response_id = answered.json()["id"]
    with other.http() as http:
        assert [m["owned_by"] for m in http.get("/models").json()["data"]] == ["hub"]  # the embedding model only
        for method, path, body in [
            ("GET", "/agents/scout", None),
            ("PATCH", "/agents/scout", {"name": "Mine now"}),
            ("DELETE", "/agents/scout", None),
            ("GET", f"/channels/{slug}", None),
            ("GET", f"/channels/{slug}/messages", None),
            ("POST", f"/channels/{slug}/messages", {"content": "hello"}),
            ("POST", f"/channels/{slug}/agents", {"agent": "scout"}),
            ("DELETE", f"/channels/{slug}/agents/scout", None),
            ("POST", f"/channels/{slug}/query", {"question": "hi"}),
            ("GET", "/models/agent:scout", None),
            ("POST", "/chat/completions", {"model": "agent:scout", "messages": [{"role": "user", "content": "hi"}]}),
            ("POST", "/chat/completions", {"model": f"channel:{slug}", "messages": [{"role": "user", "content": "hi"}]}),
            ("POST", "/responses", {"model": "agent:scout", "input": "hi"}),
            ("POST", "/responses", {"model": f"channel:{slug}", "input": "hi"}),
            ("POST", "/responses", {"model": "agent:x", "input": "hi", "previous_response_id": response_id}),
            ("GET", f"/responses/{response_id}", None),
            ("DELETE", f"/responses/{response_id}", None),
        ]:
            assert_openai_error(http.request(method, path, json=body), 404)
    # Nothing changed for the owner.
    with caller.http() as http:
        assert http.get("/agents/scout").json()["name"] == "Scout"
        assert http.get(f"/channels/{slug}/messages").json()["data"] == []
        assert http.get(f"/responses/{response_id}").json()["output"][0]["content"][0]["text"] == "Echo: hi"
