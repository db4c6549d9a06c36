"""How one model call ended: text, tokens, timings and a readable error.

Servers that report no usage get an estimate (about 4 characters per token),
flagged with `usage_estimated`, so usage figures never silently read zero."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from neurocache_ui.domain.tools import ToolCall
from neurocache_ui.infra.llm.errors import Outcome, Refusal

Message = Mapping[str, Any]


@dataclass(frozen=True)
class CompletionResult:
    """`error` is None when `outcome == "ok"` and is otherwise a sentence safe to show to anyone."""

    text: str
    model: str
    outcome: Outcome
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int
    error: str | None = None
    first_token_ms: int | None = None
    finish_reason: str | None = None
    usage_estimated: bool = False
    attempts: int = 0
    refusal: Refusal | None = None
    """Set when the call's gate refused it before it was made (attempts == 0)."""
    tool_calls: tuple[ToolCall, ...] = ()
    """The tools the model asked to call (finish_reason "tool_calls"); only when ok."""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


def estimate_tokens(text: str) -> int:
    """A rough count for servers that report no usage: ~4 characters per token."""
    return math.ceil(len(text) / 4) if text else 0


def estimate_prompt_tokens(messages: Sequence[Message]) -> int:
    return 3 + sum(4 + estimate_tokens(_content_text(m.get("content"))) for m in messages)


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content if isinstance(part, Mapping))
    return ""
