"""A rubric check graded by a judge model: the set's judge (default: the hub's default
model) reads the question, the reply, the expected answer and the rubric and says pass
or fail with its reasoning, which the result keeps. The judge's call goes through the
same spending gate as every model call and is recorded as the run owner's usage."""

from __future__ import annotations

from typing import Any

from neurocache_ui.domain import eval_checks
from neurocache_ui.services.agent_runs import pipeline

JUDGE_MAX_TOKENS = 400


async def grade(caller: pipeline.Caller, model: str, rubric: str, question: str, reply: str, expected: str) -> dict[str, Any]:
    """The rubric check's outcome as stored: {"type", "passed", "reason", "judge"} (reason: the judge's reasoning)."""
    stream = pipeline.call_model(eval_checks.judge_messages(rubric, question, reply, expected), model=model, caller=caller,
                                 temperature=0, max_tokens=JUDGE_MAX_TOKENS)
    result = await stream.collect()
    await pipeline.record_usage(caller, result)
    if not result.ok:
        reason = result.refusal.message if result.refusal is not None else result.error or "the call failed"
        return {"type": "rubric", "passed": False, "reason": f"The judge could not grade it: {reason}", "judge": model}
    verdict, reasoning = eval_checks.read_verdict(result.text)
    if verdict is None:
        return {"type": "rubric", "passed": False, "judge": model,
                "reason": f"The judge answered neither pass nor fail: {reasoning}"}
    return {"type": "rubric", "passed": verdict, "reason": reasoning, "judge": model}
