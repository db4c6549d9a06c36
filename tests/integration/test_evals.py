"""Evaluations (services/evals) on Postgres and on SQLite, against the fake provider:
a test set with every check type answered by scripted good and bad replies and graded
by a scripted judge; runs of two versions compared; a run stopped, one refused by the
hourly quota, one left behind by a restart; cases imported from CSV and JSONL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.eval_cases import ImportFailed
from neurocache_ui.services import agents, knowledge
from neurocache_ui.services.evals import history, runs, sets
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import UsageEvent
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import make_user

SCHEMA = {"type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}
PRICING = b"# Pricing\n\nThe Pro plan costs 20 dollars per month. The Team plan costs 50 dollars per month."


def judge(rubric: str, verdict: bool, reasoning: str) -> dict[str, Any]:
    """The judge's scripted verdict: its prompt is the only one that holds the rubric's text."""
    return {"when": rubric, "reply": json.dumps({"pass": verdict, "reasoning": reasoning})}


def answer(question: str, reply: str | dict[str, Any]) -> dict[str, Any]:
    return {"when": question, "reply": reply}


def every_check_type(doc_id: int) -> list[dict[str, Any]]:
    return [
        {"input": "What is the capital of France?", "checks": [
            {"type": "contains", "value": "PARIS"}, {"type": "not_contains", "value": "London"},
            {"type": "regex", "value": r"capital of \w+\.$"}, {"type": "max_latency_ms", "value": 60000},
            {"type": "max_cost_usd", "value": 1}, {"type": "rubric", "value": "RUBRIC-A names Paris"}]},
        {"input": "What is the capital of Spain?", "checks": [
            {"type": "contains", "value": "Madrid"}, {"type": "rubric", "value": "RUBRIC-B names Madrid"},
            {"type": "max_cost_usd", "value": 0.0000001}]},
        {"input": "Give me the city as JSON", "checks": [{"type": "json_schema", "value": SCHEMA}]},
        {"input": "Give me broken JSON", "checks": [{"type": "json_schema", "value": json.dumps(SCHEMA)},
                                                    {"type": "max_latency_ms", "value": 0}]},
        {"input": "What does the Pro plan cost per month?", "checks": [{"type": "cites", "value": doc_id}]},
        {"input": "Read the page please", "checks": [{"type": "calls_tool", "value": "fetch_url"}]},
    ]


SCRIPT = [
    judge("RUBRIC-A", True, "It names Paris."),
    judge("RUBRIC-B", False, "It says Barcelona, not Madrid."),
    answer("capital of France", "Paris is the capital of France."),
    answer("capital of Spain", "Barcelona, I think."),
    answer("city as JSON", '```json\n{"city": "Paris"}\n```'),
    answer("broken JSON", '{"city": 3}'),
    answer("Pro plan", "It costs 20 dollars per month."),
    answer("Read the page", {"content": "I read it.", "tool_calls": [{"name": "fetch_url", "arguments": {"url": "http://127.0.0.1:9/x"}}]}),
]


@pytest.fixture
def owner(unshared_database: str, fake_provider: FakeOpenAIServer, use_settings) -> tuple[int, agents.AgentPublic, int]:
    use_settings(**fake_provider.env(), NEUROCACHE_MODEL_PRICES="fake-model=1000/1000", NEUROCACHE_AGENT_MAX_STEPS="2",
                 NEUROCACHE_EVAL_CONCURRENCY="3")
    user = make_user("Ada")
    agent = agents.create_agent(user, {"name": "Guide", "model": "fake-model", "tools": ["fetch_url"], "knowledge_enabled": True})
    doc = knowledge.add_document(user, agent.id, "pricing.md", PRICING)
    return user, agent, doc.id


async def finished(user: int, agent: int, set_id: int, run_id: int) -> tuple[runs.RunView, list[runs.ResultView]]:
    for _ in range(300):
        run, results = await asyncio.to_thread(runs.get_run, user, agent, set_id, run_id)
        if run.status not in (runs.QUEUED, runs.RUNNING):
            return run, results
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish: {run}")


async def test_every_check_type_against_scripted_answers_and_a_scripted_judge(owner, fake_provider: FakeOpenAIServer) -> None:
    user, agent, doc_id = owner
    fake_provider.configure(rules=SCRIPT)
    made = sets.create_set(user, agent.id, "Capitals", every_check_type(doc_id))
    assert made.cases == 6 and made.judge == "gpt-4o-mini"  # the hub's default model judges
    started = await runs.start(user, agent.id, made.id)
    assert started.status == runs.QUEUED and started.version == agent.version == 1
    run, results = await finished(user, agent.id, made.id, started.id)
    assert (run.status, run.passed, run.total, run.progress) == (runs.COMPLETED, 4, 6, 1.0)
    by_input = {result.input: result for result in results}
    france = by_input["What is the capital of France?"]
    assert france.passed and [c["type"] for c in france.checks] == ["contains", "not_contains", "regex", "max_latency_ms",
                                                                     "max_cost_usd", "rubric"]
    assert france.checks[-1] == {"type": "rubric", "passed": True, "reason": "It names Paris.", "judge": "gpt-4o-mini"}
    assert france.reply == "Paris is the capital of France." and france.prompt_tokens > 0 and france.completion_tokens == 6
    assert france.cost_usd == pytest.approx((france.prompt_tokens + 6) * 1000 / 1e6)
    spain = by_input["What is the capital of Spain?"]
    assert not spain.passed and [c["passed"] for c in spain.checks] == [False, False, False]
    assert spain.checks[1]["reason"] == "It says Barcelona, not Madrid." and "'Madrid' is not in the reply" in spain.checks[0]["reason"]
    assert by_input["Give me the city as JSON"].passed
    broken = by_input["Give me broken JSON"]
    assert [c["reason"] for c in broken.checks][0] == "Invalid at city: 3 is not of type 'string'" and not broken.passed
    assert by_input["What does the Pro plan cost per month?"].checks[0]["reason"] == "Cites pricing.md."
    tool = by_input["Read the page please"]
    assert tool.passed and tool.reply.endswith("I read it.") and tool.checks[0]["reason"] == "Called fetch_url."
    judged = [r["body"] for r in fake_provider.requests() if "RUBRIC" in json.dumps(r["body"]["messages"])]
    assert {body["model"] for body in judged} == {"gpt-4o-mini"} and len(judged) == 2
    with session_scope() as session:  # answers and judge calls are usage, with the version that answered
        rows = session.execute(sa.select(UsageEvent.model, UsageEvent.agent_version).where(UsageEvent.user_id == user)).all()
    assert sorted(rows, key=str) == sorted([("fake-model", 1)] * 6 + [("gpt-4o-mini", None)] * 2, key=str)


async def test_two_versions_compared_name_fixed_and_broken_cases(owner, fake_provider: FakeOpenAIServer) -> None:
    user, agent, _ = owner
    cases = [{"input": f"Question {n}", "checks": [{"type": "contains", "value": "yes"}]} for n in range(4)]
    made = sets.create_set(user, agent.id, "Gate", cases)
    fake_provider.configure(rules=[answer("Question 0", "yes"), answer("Question 1", "yes"), answer("Question 2", "no")])
    first, _ = await finished(user, agent.id, made.id, (await runs.start(user, agent.id, made.id)).id)
    v2 = agents.update_agent(user, agent.id, {"instructions": "SECOND VERSION"})
    assert v2.version == 2
    fake_provider.configure(rules=[answer("Question 0", "no"), answer("Question 1", "yes"), answer("Question 2", "yes"),
                                   answer("Question 3", "yes")])
    second, _ = await finished(user, agent.id, made.id, (await runs.start(user, agent.id, made.id)).id)
    assert (first.passed, second.passed, second.version) == (2, 3, 2)
    diff = history.compare_runs(user, agent.id, made.id, second.id, first.id)
    assert diff.headline == "v2 vs v1: 3/4 vs 2/4, 2 fixed, 1 broken"
    assert [(c.input, c.change) for c in diff.cases[:3]] == [("Question 0", "broken"), ("Question 2", "fixed"), ("Question 3", "fixed")]
    assert [p.label for p in history.score_chart(user, agent.id, made.id)] == ["v1: 2/4", "v2: 3/4"]
    # An earlier version answers with its own settings snapshot.
    fake_provider.reset()
    old, _ = await finished(user, agent.id, made.id, (await runs.start(user, agent.id, made.id, version=1)).id)
    assert old.version == 1
    systems = [r["body"]["messages"][0]["content"] for r in fake_provider.requests()]
    assert systems and not any("SECOND VERSION" in text for text in systems)
    with pytest.raises(NotFound, match="version"):
        runs.create_run(user, agent.id, made.id, version=9)


async def test_a_run_stops_when_asked_and_the_quota_fails_one(owner, fake_provider: FakeOpenAIServer, use_settings) -> None:
    user, agent, _ = owner
    made = sets.create_set(user, agent.id, "Slow", [{"input": f"Slow {n}"} for n in range(9)])
    fake_provider.configure(first_token_delay=0.4)
    started = await runs.start(user, agent.id, made.id)
    with pytest.raises(Invalid, match="already being run"):
        runs.create_run(user, agent.id, made.id)
    await asyncio.sleep(0.6)
    runs.request_stop(user, agent.id, made.id, started.id)
    run, results = await finished(user, agent.id, made.id, started.id)
    assert run.status == runs.STOPPED and 0 < run.done == len(results) < 9
    fake_provider.reset()
    use_settings(NEUROCACHE_USER_MODEL_CALLS_PER_HOUR="2")
    run, results = await finished(user, agent.id, made.id, (await runs.start(user, agent.id, made.id)).id)
    assert run.status == runs.FAILED and "model calls for this hour" in run.error and len(results) < 9


async def test_a_run_whose_worker_is_gone_fails_saying_the_hub_restarted(owner) -> None:
    user, agent, _ = owner
    made = sets.create_set(user, agent.id, "Orphan", [{"input": "Anyone there?"}])
    queued = runs.create_run(user, agent.id, made.id)  # never started: its worker "restarted"
    assert runs.sweep(stale_after=3600) == []
    assert queued.id in runs.sweep(stale_after=0)
    run, _ = runs.get_run(user, agent.id, made.id, queued.id)
    assert (run.status, run.error) == (runs.FAILED, runs.RESTARTED)


def test_sets_belong_to_their_owner_and_cases_are_checked(owner) -> None:
    user, agent, _ = owner
    stranger = make_user("Eve")
    made = sets.create_set(user, agent.id, "  Mine  ", [{"input": "Hi"}], judge_model="fake-model")
    assert made.name == "Mine" and made.judge == "fake-model"
    for call in (lambda: sets.get_set(stranger, agent.id, made.id), lambda: sets.list_sets(stranger, agent.id),
                 lambda: sets.delete_set(stranger, agent.id, made.id), lambda: runs.list_runs(stranger, agent.id, made.id),
                 lambda: sets.add_case(stranger, agent.id, made.id, {"input": "x"})):
        with pytest.raises(NotFound):
            call()
    with pytest.raises(Invalid, match="Case 2: Unknown check type 'smells'"):
        sets.create_set(user, agent.id, "Bad", [{"input": "a"}, {"input": "b", "checks": [{"type": "smells", "value": "x"}]}])
    with pytest.raises(Invalid, match="not a valid regular expression"):
        sets.add_case(user, agent.id, made.id, {"input": "a", "checks": [{"type": "regex", "value": "(("}]})
    with pytest.raises(Invalid, match="schema is not valid"):
        sets.add_case(user, agent.id, made.id, {"input": "a", "checks": [{"type": "json_schema", "value": {"type": 7}}]})
    case = sets.add_case(user, agent.id, made.id, {"input": "Hello", "checks": [{"type": "contains", "value": "hi", "ignore_case": False}]})
    assert case.checks == [{"type": "contains", "value": "hi", "ignore_case": False}]
    updated = sets.update_set(user, agent.id, made.id, {"name": "Renamed", "cases": [{"input": "Only one"}]})
    assert (updated.name, updated.cases) == ("Renamed", 1)
    sets.delete_set(user, agent.id, made.id)
    assert sets.list_sets(user, agent.id) == []


def test_cases_import_from_csv_and_jsonl_with_each_wrong_row_named(owner) -> None:
    user, agent, _ = owner
    made = sets.create_set(user, agent.id, "Imported")
    csv_file = (b'input,expected,contains,contains,max_latency_ms,json_schema\n'
                b'"Hello, there",Hi!,hi,there,2000,\n'
                b'Give JSON,,,,,"{""type"": ""object""}"\n')
    added = sets.import_file(user, agent.id, made.id, "cases.csv", csv_file)
    assert [c.input for c in added] == ["Hello, there", "Give JSON"]
    assert added[0].checks == [{"type": "contains", "value": "hi", "ignore_case": True},
                               {"type": "contains", "value": "there", "ignore_case": True},
                               {"type": "max_latency_ms", "value": 2000}] and added[0].expected == "Hi!"
    assert added[1].checks == [{"type": "json_schema", "value": {"type": "object"}}]
    jsonl = b'{"input": "One", "checks": [{"type": "regex", "value": "^O"}]}\n\n{"input": "Two", "turns": [{"role": "user", "content": "Before"}]}\n'
    assert [c.turns for c in sets.import_file(user, agent.id, made.id, "more.jsonl", jsonl)] == [[], [{"role": "user", "content": "Before"}]]
    with pytest.raises(ImportFailed) as failed:
        sets.import_file(user, agent.id, made.id, "bad.jsonl", b'{"input": "ok"}\nnot json\n{"checks": []}\n{"input": "x", "checks": [{"type": "max_cost_usd", "value": "lots"}]}\n')
    assert failed.value.errors == [
        "Line 2: not JSON (Expecting value).", "Line 3: Write the message the agent is asked (input).",
        "Line 4: A max_cost_usd check needs a number, got 'lots'.",
    ]
    with pytest.raises(ImportFailed, match="Line 1: unknown column"):
        sets.import_file(user, agent.id, made.id, "bad.csv", b"input,question,contains\nx,y,z\n")
    with pytest.raises(ImportFailed, match="Line 3: .*number"):
        sets.import_file(user, agent.id, made.id, "bad.csv", b"input,max_latency_ms\nfine,10\nslow,soon\n")
    assert sets.get_set(user, agent.id, made.id)[0].cases == 4  # nothing of the failed files
