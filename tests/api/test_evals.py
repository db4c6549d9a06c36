"""Test sets and evaluation runs through the API (httpx against the running hub): create,
read, change and delete a set, run it in the background and poll it the way a
deployment gate would, compare two runs; a stranger's key gets 404 on every path."""

from __future__ import annotations

import time
from typing import Any

import httpx

from neurocache_ui.services import agents
from testkit.fake_provider import FakeOpenAIServer
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error

CASES = [
    {"input": "Say hello", "checks": [{"type": "contains", "value": "hello"}]},
    {"input": "Say goodbye", "checks": [{"type": "not_contains", "value": "hello"}, {"type": "max_latency_ms", "value": 60000}]},
]


def wait_for(http: httpx.Client, path: str) -> dict[str, Any]:
    for _ in range(200):
        run = http.get(path).json()
        if run["status"] not in ("queued", "running"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"{path} did not finish")


def test_a_set_is_made_run_polled_and_compared(caller: Caller, fake_provider: FakeOpenAIServer) -> None:
    agent = agents.create_agent(caller.user_id, {"name": "Greeter", "model": "fake-model"})
    base = f"/agents/{agent.slug}/evals"
    with caller.http() as http:
        created = http.post(base, json={"name": "Greetings", "cases": CASES})
        assert created.status_code == 201, created.text
        set_id = created.json()["id"]
        assert http.get(base).json()["data"][0] | {"created_at": 0, "updated_at": 0} == {
            "id": set_id, "name": "Greetings", "judge_model": "", "cases": 2, "created_at": 0, "updated_at": 0}
        one = http.get(f"{base}/{set_id}").json()
        assert [c["input"] for c in one["cases"]] == ["Say hello", "Say goodbye"]
        assert one["cases"][0]["checks"] == [{"type": "contains", "value": "hello", "ignore_case": True}]
        bad = assert_openai_error(http.post(base, json={"name": "X", "cases": [{"input": "a", "checks": [{"type": "smells", "value": 1}]}]}), 422)
        assert "type" in (bad["param"] or "") or "smells" in bad["message"]
        bad = assert_openai_error(http.post(base, json={"name": "X", "cases": [{"input": "a", "checks": [{"type": "regex", "value": "(("}]}]}), 422)
        assert "regular expression" in bad["message"]

        fake_provider.configure(rules=[{"when": "Say hello", "reply": "hello there"}, {"when": "Say goodbye", "reply": "hello, bye"}])
        started = http.post(f"{base}/{set_id}/runs", json={})
        assert started.status_code == 201, started.text
        first = wait_for(http, f"{base}/{set_id}/runs/{started.json()['id']}")
        assert (first["status"], first["progress"], first["passed"], first["total"], first["version"]) == ("completed", 1.0, 1, 2, 1)
        goodbye = next(r for r in first["results"] if r["input"] == "Say goodbye")
        assert goodbye["passed"] is False and goodbye["reply"] == "hello, bye" and goodbye["latency_ms"] >= 0
        assert [c["passed"] for c in goodbye["checks"]] == [False, True] and goodbye["completion_tokens"] == 2

        patched = http.patch(f"/agents/{agent.slug}", json={"instructions": "Never say hello when leaving."})
        assert patched.json()["version"] == 2
        fake_provider.configure(rules=[{"when": "Say hello", "reply": "hello there"}, {"when": "Say goodbye", "reply": "bye"}])
        second = wait_for(http, f"{base}/{set_id}/runs/{http.post(f'{base}/{set_id}/runs').json()['id']}")
        assert (second["passed"], second["version"]) == (2, 2)
        assert [r["id"] for r in http.get(f"{base}/{set_id}/runs").json()["data"]] == [second["id"], first["id"]]
        compared = http.get(f"{base}/{set_id}/runs/{second['id']}/compare/{first['id']}").json()
        assert compared["headline"] == "v2 vs v1: 2/2 vs 1/2, 1 fixed, 0 broken"
        assert compared["cases"][0] == {"case_id": goodbye["case_id"], "input": "Say goodbye", "change": "fixed",
                                        "after": True, "before": False}
        old = http.post(f"{base}/{set_id}/runs", json={"version": 1})
        assert old.status_code == 201 and old.json()["version"] == 1
        wait_for(http, f"{base}/{set_id}/runs/{old.json()['id']}")
        assert_openai_error(http.post(f"{base}/{set_id}/runs", json={"version": 7}), 404)

        renamed = http.patch(f"{base}/{set_id}", json={"name": "Hellos", "cases": [{"input": "Only this"}]})
        assert renamed.status_code == 200 and renamed.json()["name"] == "Hellos" and len(renamed.json()["cases"]) == 1
        assert http.delete(f"{base}/{set_id}").status_code == 204
        assert_openai_error(http.get(f"{base}/{set_id}"), 404)


def test_a_stranger_gets_404_on_every_path(new_caller, fake_provider: FakeOpenAIServer) -> None:
    owner, stranger = new_caller("Ada"), new_caller("Eve")
    agent = agents.create_agent(owner.user_id, {"name": "Private", "model": "fake-model"})
    base = f"/agents/{agent.slug}/evals"
    with owner.http() as http:
        set_id = http.post(base, json={"name": "Secret set", "cases": CASES}).json()["id"]
        run_id = http.post(f"{base}/{set_id}/runs").json()["id"]
        wait_for(http, f"{base}/{set_id}/runs/{run_id}")
    agents.create_agent(stranger.user_id, {"name": "Private", "model": "fake-model"})  # the same slug, his own
    calls = [("GET", base), ("POST", base), ("GET", f"{base}/{set_id}"), ("PATCH", f"{base}/{set_id}"),
             ("DELETE", f"{base}/{set_id}"), ("POST", f"{base}/{set_id}/runs"), ("GET", f"{base}/{set_id}/runs"),
             ("GET", f"{base}/{set_id}/runs/{run_id}"), ("POST", f"{base}/{set_id}/runs/{run_id}/stop"),
             ("GET", f"{base}/{set_id}/runs/{run_id}/compare/{run_id}")]
    requests_before = len(fake_provider.requests())
    with stranger.http() as http:
        for method, path in calls:
            body = {"name": "Mine now", "cases": []} if method in ("POST", "PATCH") and path in (base, f"{base}/{set_id}") else None
            response = http.request(method, path, json=body)
            if (method, path) in (("GET", base), ("POST", base)):  # his own agent of that slug: his own (empty) sets
                assert "Secret set" not in response.text
                continue
            assert response.status_code == 404, (method, path, response.text)
            assert "Secret" not in response.text
    with owner.http() as http:
        assert http.get(f"{base}/{set_id}").json()["name"] == "Secret set"
        assert len(http.get(f"{base}/{set_id}/runs").json()["data"]) == 1
    assert len(fake_provider.requests()) == requests_before
