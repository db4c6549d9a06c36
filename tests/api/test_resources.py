"""Agents, channels, messages, the collective query and usage through the API."""

from __future__ import annotations

import time

from neurocache_ui.services import messaging
from tests.api.conftest import Caller, Workspace
from tests.api.test_keys import assert_openai_error


def test_agent_crud_uses_the_form_model_and_its_rules(caller: Caller) -> None:
    with caller.http() as http:
        created = http.post("/agents", json={"name": "Data  Wrangler", "temperature": 0.3, "reply_mode": "all"})
        assert created.status_code == 201, created.text
        agent = created.json()
        assert agent["slug"] == "data-wrangler" and agent["name"] == "Data Wrangler" and agent["reply_mode"] == "all"
        assert http.get("/agents/data-wrangler").json()["id"] == agent["id"]
        assert [a["slug"] for a in http.get("/agents").json()["data"]] == ["data-wrangler"]
        # The same validation as the hub's form: every field's own rules.
        error = assert_openai_error(http.post("/agents", json={"name": "X", "temperature": 5}), 422)
        assert error["param"] == "temperature"
        assert_openai_error(http.post("/agents", json={"name": "X", "slug": "Bad Slug!"}), 422)
        assert_openai_error(http.post("/agents", json={"name": "X", "unknown": 1}), 422)
        taken = assert_openai_error(http.post("/agents", json={"name": "Other", "slug": "data-wrangler"}), 422)
        assert "already" in taken["message"]
        patched = http.patch("/agents/data-wrangler", json={"instructions": "Tidy data.", "max_tokens": 300})
        assert patched.status_code == 200 and patched.json()["max_tokens"] == 300
        assert patched.json()["temperature"] == 0.3  # untouched
        assert_openai_error(http.patch("/agents/data-wrangler", json={"context_size": 0}), 422)
        assert http.delete("/agents/data-wrangler").status_code == 204
        assert_openai_error(http.get("/agents/data-wrangler"), 404)


def test_channels_agents_and_messages(caller: Caller, workspace: Workspace) -> None:
    with caller.http() as http:
        made = http.post("/channels", json={"name": "Launch plan", "description": "Q3", "goal": "Ship it"})
        assert made.status_code == 201, made.text
        slug = made.json()["slug"]
        assert made.json()["goal"] == "Ship it" and made.json()["agents"] == []
        assert slug in [c["slug"] for c in http.get("/channels").json()["data"]]
        added = http.post(f"/channels/{slug}/agents", json={"agent": "scout"})
        assert added.status_code == 201 and added.json()["slug"] == "scout"
        assert [a["slug"] for a in http.get(f"/channels/{slug}").json()["agents"]] == ["scout"]
        assert_openai_error(http.post(f"/channels/{slug}/agents", json={"agent": "ghost"}), 404)
        assert http.delete(f"/channels/{slug}/agents/scout").status_code == 204
        assert_openai_error(http.delete(f"/channels/{slug}/agents/scout"), 404)

        posted = [http.post(f"/channels/{slug}/messages", json={"content": f"note {i}"}) for i in range(5)]
        assert all(p.status_code == 201 for p in posted)
        assert posted[0].json()["author_kind"] == "user" and posted[0].json()["user_id"] == caller.user_id
        page = http.get(f"/channels/{slug}/messages", params={"limit": 3}).json()
        assert [m["content"] for m in page["data"]] == ["note 2", "note 3", "note 4"] and page["has_more"]
        older = http.get(f"/channels/{slug}/messages", params={"limit": 3, "before": page["first_cursor"]}).json()
        assert [m["content"] for m in older["data"]] == ["note 0", "note 1"] and not older["has_more"]
        by_id = http.get(f"/channels/{slug}/messages", params={"before": str(posted[1].json()["id"])}).json()
        assert [m["content"] for m in by_id["data"]] == ["note 0"]
        assert_openai_error(http.get(f"/channels/{slug}/messages", params={"before": "nonsense"}), 422)
        assert_openai_error(http.get(f"/channels/{slug}/messages", params={"limit": 0}), 422)
        assert_openai_error(http.post(f"/channels/{slug}/messages", json={"content": "   "}), 422)
    # What the API posted is in the store the hub reads.
    stored = messaging.recent_messages(made.json()["id"], 10, viewer_id=caller.user_id)
    assert [m.content for m in stored] == [f"note {i}" for i in range(5)]


def test_posted_mention_triggers_the_agent(caller: Caller, workspace: Workspace) -> None:
    slug = workspace.channel.slug
    with caller.http() as http:
        assert http.post(f"/channels/{slug}/messages", json={"content": "@scout find it"}).status_code == 201
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            data = http.get(f"/channels/{slug}/messages").json()["data"]
            replies = [m for m in data if m["author_kind"] == "agent" and m["status"] == "complete"]
            if replies:
                break
            time.sleep(0.2)
    assert [r["author_name"] for r in replies] == ["Scout"]
    assert "find it" in replies[0]["content"]


def test_query_asks_every_agent_and_records(caller: Caller, workspace: Workspace) -> None:
    slug = workspace.channel.slug
    with caller.http() as http:
        response = http.post(f"/channels/{slug}/query", json={"question": "what do we know", "record": True})
        assert response.status_code == 200, response.text
        body = response.json()
        assert {a["agent"] for a in body["answers"]} == {"scout", "critic"}
        assert all(a["content"] == "Echo: what do we know" and a["outcome"] == "ok" for a in body["answers"])
        assert "Scout (@scout)" in body["answer"] and body["outcome"] == "ok"
        assert len(body["message_ids"]) == 4  # the question, two answers, the synthesis
        shown = http.get(f"/channels/{slug}/messages").json()["data"]
        assert [m["author_kind"] for m in shown] == ["user", "agent", "agent", "system"]
        assert_openai_error(http.post(f"/channels/{slug}/query", json={"question": ""}), 422)


def test_usage_counts_api_requests_per_key_and_agent(caller: Caller, workspace: Workspace) -> None:
    client = caller.openai()
    client.chat.completions.create(model="agent:scout", messages=[{"role": "user", "content": "one two"}])
    with caller.http() as http:
        http.get("/agents/nobody")  # an error, counted for the key
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # usage is written within a fraction of a second
            by_key = http.get("/usage", params={"group_by": "key"}).json()
            if by_key["data"] and by_key["data"][0]["errors"] >= 1 and by_key["data"][0]["completion_tokens"] >= 3:
                break
            time.sleep(0.2)
        row = by_key["data"][0]
        # The completion, the 404, and the /usage polls themselves (all attributed to the key).
        assert row["key"] == caller.key_id and row["requests"] >= 2 and row["errors"] == 1
        assert row["prompt_tokens"] > 0 and row["completion_tokens"] == 3
        by_agent = {r["label"]: r for r in http.get("/usage", params={"group_by": "agent"}).json()["data"]}
        assert by_agent["Scout"]["requests"] == 1 and by_agent["Scout"]["completion_tokens"] == 3
        days = http.get("/usage", params={"group_by": "day"}).json()
        assert len(days["data"]) >= 30 and days["total"]["requests"] >= 2
        assert_openai_error(http.get("/usage", params={"group_by": "year"}), 422)
        assert_openai_error(http.get("/usage", params={"since": "2999-01-01T00:00:00Z"}), 422)


def test_errors_have_the_openai_shape(caller: Caller) -> None:
    with caller.http() as http:
        assert_openai_error(http.get("/no/such/endpoint"), 404, "unknown_endpoint")
        too_big = http.post("/agents", content=b'{"name": "' + b"x" * 1_100_000 + b'"}', headers={"content-type": "application/json"})
        assert_openai_error(too_big, 413, "request_too_large")
        assert_openai_error(http.post("/agents", content=b"{not json", headers={"content-type": "application/json"}), 422)
        assert_openai_error(http.post("/chat/completions", json={"model": "agent:x", "messages": []}), 422)
        assert_openai_error(http.post("/chat/completions", json={"model": "agent:x", "n": 2, "messages": [{"role": "user", "content": "x"}]}), 422)
