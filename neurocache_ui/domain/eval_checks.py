"""An evaluation case's checks: what each type means, how one written by a person
(a form, a CSV row, an API body) is checked, and how it is judged against what a
reply did. Pure: the reply's text, cited documents, tools, latency and cost come in
as an `Observed`; the `rubric` check needs a judge model, so this module only
writes the judge's question and reads its verdict (services/evals/judge.py asks)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema

from neurocache_ui.domain.errors import Invalid

CHECK_TYPES: dict[str, str] = {
    "contains": "must contain",
    "not_contains": "must not contain",
    "regex": "must match the pattern",
    "cites": "must cite the knowledge document",
    "calls_tool": "must call the tool",
    "json_schema": "must be JSON valid against the schema",
    "max_latency_ms": "must answer within (ms)",
    "max_cost_usd": "must cost at most (USD)",
    "rubric": "judged against the rubric",
}
"""Every check type, with how a person reads it (the form's choices, the results)."""
TEXT_TYPES = ("contains", "not_contains", "regex")
"""Checks with the `ignore_case` option (default on)."""
CHECK_VALUE_MAX = 4000
CHECKS_PER_CASE_MAX = 20
REGEX_MAX = 500
EXPECTED_ANSWER_RUBRIC = "Answers like the expected answer: the same facts and intent (wording may differ)."
"""The rubric a case made from a good reply gets."""


@dataclass(frozen=True)
class Check:
    type: str
    value: Any
    ignore_case: bool = True

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"type": self.type, "value": self.value}
        if self.type in TEXT_TYPES:
            found["ignore_case"] = self.ignore_case
        return found

    @property
    def label(self) -> str:
        shown = self.value if isinstance(self.value, str) else json.dumps(self.value)
        return f"{CHECK_TYPES[self.type]} {shown}"


@dataclass(frozen=True)
class Outcome:
    """One check's result: passed or not, and why, in a sentence people read."""

    type: str
    passed: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "passed": self.passed, "reason": self.reason}


@dataclass(frozen=True)
class Observed:
    """What a reply did, as the checks see it."""

    text: str
    latency_ms: int = 0
    cost_usd: float | None = None
    """None when the model has no price (NEUROCACHE_MODEL_PRICES)."""
    documents: Sequence[tuple[int, str]] = ()
    """(document id, filename) of the knowledge documents the reply was given."""
    tools: Sequence[str] = ()
    """Names of the tools the model called, in order."""
    failed: str | None = None
    """Why the reply has no answer (an error), when it has none."""
    extra: Mapping[str, Any] = field(default_factory=dict)


def _number(raw: Any, name: str, *, whole: bool) -> float | int:
    try:
        value = int(raw) if whole and not isinstance(raw, float) else float(raw)
    except (TypeError, ValueError):
        raise Invalid(f"A {name} check needs a number, got {raw!r}.", "checks") from None
    if value < 0 or value != value:
        raise Invalid(f"A {name} check needs a number of at least 0.", "checks")
    return value


def _schema(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as error:
            raise Invalid(f"The json_schema check's schema is not JSON ({error.msg}, line {error.lineno}).", "checks") from None
    if not isinstance(raw, dict):
        raise Invalid("The json_schema check's value must be a JSON Schema object.", "checks")
    try:
        jsonschema.Draft202012Validator.check_schema(raw)
    except jsonschema.SchemaError as error:
        raise Invalid(f"The json_schema check's schema is not valid: {error.message}", "checks") from None
    return raw


def parse_check(raw: Any) -> Check:
    """A check as written (`{"type", "value", "ignore_case"?}`), checked; Invalid says what is wrong."""
    if not isinstance(raw, Mapping):
        raise Invalid('Each check must be an object like {"type": "contains", "value": "…"}.', "checks")
    kind = str(raw.get("type") or "").strip()
    if kind not in CHECK_TYPES:
        raise Invalid(f"Unknown check type {kind!r}; use one of: {', '.join(CHECK_TYPES)}.", "checks")
    value = raw.get("value")
    ignore_case = raw.get("ignore_case", True)
    if not isinstance(ignore_case, bool):
        raise Invalid("ignore_case must be true or false.", "checks")
    if kind == "json_schema":
        value = _schema(value)
        if len(json.dumps(value)) > CHECK_VALUE_MAX:
            raise Invalid(f"A schema has at most {CHECK_VALUE_MAX} characters as JSON.", "checks")
    elif kind == "max_latency_ms":
        value = int(_number(value, kind, whole=True))
    elif kind == "max_cost_usd":
        value = float(_number(value, kind, whole=False))
    elif kind == "cites" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    else:
        if not isinstance(value, str) or not value.strip():
            raise Invalid(f"A {kind} check needs a text value.", "checks")
        value = value.strip()
        if len(value) > CHECK_VALUE_MAX:
            raise Invalid(f"A check's value has at most {CHECK_VALUE_MAX} characters.", "checks")
        if kind == "regex":
            if len(value) > REGEX_MAX:
                raise Invalid(f"A pattern has at most {REGEX_MAX} characters.", "checks")
            try:
                re.compile(value)
            except re.error as error:
                raise Invalid(f"The pattern {value!r} is not a valid regular expression ({error}).", "checks") from None
    return Check(kind, value, ignore_case if kind in TEXT_TYPES else True)


def parse_checks(raw: Any) -> list[Check]:
    if raw is None:
        return []
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise Invalid("checks must be a list.", "checks")
    if len(raw) > CHECKS_PER_CASE_MAX:
        raise Invalid(f"A case has at most {CHECKS_PER_CASE_MAX} checks.", "checks")
    return [parse_check(item) for item in raw]


# ---------------------------------------------------------------- judging one check


def _shown(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evaluate(check: Check, seen: Observed) -> Outcome:
    """The outcome of every check but `rubric` (judged by a model, services/evals/judge.py)."""
    kind, value = check.type, check.value
    if seen.failed is not None and kind not in ("max_latency_ms", "max_cost_usd", "not_contains"):
        return Outcome(kind, False, f"The reply failed: {seen.failed}")
    flags = re.IGNORECASE if check.ignore_case else 0
    if kind in ("contains", "not_contains"):
        found = re.search(re.escape(value), seen.text, flags) is not None
        if kind == "contains":
            return Outcome(kind, found, f"Contains {value!r}." if found else f"{value!r} is not in the reply.")
        return Outcome(kind, not found, f"{value!r} is in the reply." if found else f"Does not contain {value!r}.")
    if kind == "regex":
        match = re.search(value, seen.text, flags)
        return Outcome(kind, match is not None,
                       f"Matches at {_shown(match.group(0))!r}." if match else f"Nothing matches /{value}/.")
    if kind == "cites":
        wanted = str(value).strip().lower()
        cited = [name for doc_id, name in seen.documents if str(doc_id) == wanted or name.lower() == wanted]
        names = ", ".join(name for _, name in seen.documents) or "no documents"
        return Outcome(kind, bool(cited), f"Cites {cited[0]}." if cited else f"Does not cite {value} (it drew on {names}).")
    if kind == "calls_tool":
        called = value in seen.tools
        tools = ", ".join(dict.fromkeys(seen.tools)) or "no tools"
        return Outcome(kind, called, f"Called {value}." if called else f"Did not call {value} (it called {tools}).")
    if kind == "json_schema":
        return _json_outcome(value, seen.text)
    if kind == "max_latency_ms":
        ok = seen.latency_ms <= value
        return Outcome(kind, ok, f"Answered in {seen.latency_ms} ms (at most {value} ms).")
    if kind == "max_cost_usd":
        if seen.cost_usd is None:
            return Outcome(kind, False, "The cost is unknown: the model has no price in NEUROCACHE_MODEL_PRICES.")
        ok = seen.cost_usd <= value
        return Outcome(kind, ok, f"Cost ${seen.cost_usd:.6f} (at most ${value:.6f}).")
    raise ValueError(f"{kind} is judged by a model, not here")


def _json_outcome(schema: dict[str, Any], text: str) -> Outcome:
    body = text.strip()
    fenced = re.fullmatch(r"```(?:json)?\s*(.*?)\s*```", body, re.DOTALL)
    if fenced:  # models often wrap JSON in a code fence
        body = fenced.group(1)
    try:
        data = json.loads(body)
    except ValueError as error:
        return Outcome("json_schema", False, f"The reply is not JSON ({error.msg}).")
    problem = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(data))
    if problem is None:
        return Outcome("json_schema", True, "Valid JSON for the schema.")
    where = "/".join(str(part) for part in problem.absolute_path) or "the top level"
    return Outcome("json_schema", False, f"Invalid at {where}: {problem.message}")


def passed(outcomes: Sequence[Outcome], failed: str | None) -> bool:
    """A case passes when its reply did not fail and every check passed (no checks: the reply arrived)."""
    return failed is None and all(outcome.passed for outcome in outcomes)


# ---------------------------------------------------------------- the judge


JUDGE_SYSTEM = (
    "You grade an AI agent's reply against a rubric. Read the conversation, the reply, the expected "
    "answer if one is given, and the rubric. Answer with one JSON object and nothing else: "
    '{"pass": true or false, "reasoning": "one or two sentences saying why"}.'
)


def judge_messages(rubric: str, question: str, reply: str, expected: str = "") -> list[dict[str, str]]:
    """The judge model's conversation for one rubric check."""
    parts = [f"## Question\n{question}", f"## Reply\n{reply}"]
    if expected.strip():
        parts.append(f"## Expected answer\n{expected.strip()}")
    parts.append(f"## Rubric\n{rubric}")
    return [{"role": "system", "content": JUDGE_SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]


def read_verdict(text: str) -> tuple[bool | None, str]:
    """(passed, reasoning) from the judge's answer; passed is None when it said neither."""
    body = text.strip()
    found = re.search(r"\{.*\}", body, re.DOTALL)
    if found:
        try:
            data = json.loads(found.group(0))
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("pass"), bool):
            return data["pass"], str(data.get("reasoning") or "").strip() or "(no reasoning given)"
    head = body.split(None, 1)
    word = head[0].strip(":.").upper() if head else ""
    if word in ("PASS", "FAIL"):
        return word == "PASS", (head[1].strip() if len(head) > 1 else "(no reasoning given)")
    return None, body[:500]


# ---------------------------------------------------------------- cost


def cost_usd(prices: Mapping[str, tuple[float, float]], model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """What a call cost in USD from prices per million (prompt, completion) tokens; None when unpriced."""
    price = prices.get(model)
    if price is None:
        return None
    return round((prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000, 8)
