"""One test case answered and graded: a case is like a person's message, so it takes
its model calls from its own call budget (spend.take_message_call: the answer, and
each rubric's judge) and every call passes the owner's hourly quota. The answer comes
from the one reply pipeline, exactly as Try it gets one (agent_runs/private.respond),
asked as an API caller would ask (earlier turns, an image); then each check is judged
(domain/eval_checks.py, rubric checks by judge.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from neurocache_ui.domain import eval_checks
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.domain.eval_cases import CaseSpec
from neurocache_ui.infra.llm import Refusal
from neurocache_ui.services import spend
from neurocache_ui.services.agent_runs import delivery, pipeline, private
from neurocache_ui.services.evals import judge
from neurocache_ui.settings import get_settings

STOPPED = "The run was stopped before this case finished."


@dataclass
class Graded:
    passed: bool
    checks: list[dict[str, Any]]
    reply: str
    error: str = ""
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    refusal: Refusal | None = None
    """Set when the owner's hourly quota (or the allow-list) refused a call: the run cannot go on."""
    stopped: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


async def _nothing(_: str) -> None:
    """Evaluations show no text while it streams: only the finished reply is graded."""


def _prices() -> dict[str, tuple[float, float]]:
    return {model: (prompt, completion) for model, prompt, completion in get_settings().model_prices}


async def _take_call(budget_key: str) -> str | None:
    """None when the case's call budget has room; else why not."""
    call = await asyncio.to_thread(spend.take_message_call, budget_key)
    return None if call.allowed else spend.message_budget_notice()


async def grade(
    agent: pipeline.AnsweringAgent, case: CaseSpec, caller: pipeline.Caller, *, judge_model: str, stop: asyncio.Event,
    budget_key: str,
) -> Graded:
    """The case's answer by `agent` and every check's outcome."""
    refused = await _take_call(budget_key)
    if refused is not None:
        return Graded(False, [], "", error=refused)
    try:
        situation = pipeline.ApiChat.of(case.conversation())
    except NeurocacheError as error:
        return Graded(False, [], "", error=str(error))
    reply, content, status = await private.respond(agent, situation, caller, show=_nothing, stop=stop)
    result = reply.stream.result if reply is not None else None
    if result is not None and result.outcome == "stopped" and stop.is_set():
        return Graded(False, [], result.text, error=STOPPED, stopped=True)
    failed = None if status == delivery.COMPLETE else (result.error if result is not None and result.error else content)
    text = result.text if result is not None else ""
    prompt_tokens = result.prompt_tokens if result is not None else 0
    completion_tokens = result.completion_tokens if result is not None else 0
    cost = eval_checks.cost_usd(_prices(), result.model, prompt_tokens, completion_tokens) if result is not None else None
    seen = eval_checks.Observed(
        text=text,
        latency_ms=result.latency_ms if result is not None else 0,
        cost_usd=cost,
        documents=[(source.document_id, source.title) for source in (reply.sources if reply else []) if source.document_id],
        tools=reply.tools_called if reply is not None else [],
        failed=failed,
    )
    outcomes: list[dict[str, Any]] = []
    for check in case.checks:
        if check.type != "rubric":
            outcomes.append(eval_checks.evaluate(check, seen).as_dict())
        elif failed is not None:
            outcomes.append({"type": "rubric", "passed": False, "reason": f"The reply failed: {failed}", "judge": judge_model})
        elif stop.is_set():
            return Graded(False, outcomes, text, error=STOPPED, stopped=True)
        elif (why := await _take_call(budget_key)) is not None:
            outcomes.append({"type": "rubric", "passed": False, "reason": why, "judge": judge_model})
        else:
            outcomes.append(await judge.grade(caller, judge_model, str(check.value), case.input, text, case.expected))
    passed = failed is None and all(outcome["passed"] for outcome in outcomes)
    return Graded(
        passed, outcomes, text, error=failed or "", latency_ms=seen.latency_ms, prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens, cost_usd=cost, refusal=result.refusal if result is not None else None,
    )
