"""The model provider: streamed calls to any OpenAI-compatible server with retries,
timeouts and readable errors. Callers use `from neurocache_ui.infra import llm`;
the modules below are the parts (client, errors, result, stream)."""

from __future__ import annotations

from neurocache_ui.infra.llm.client import (
    PLACEHOLDER_KEY,
    available_models,
    provider_configured,
    provider_host,
    scrub,
)
from neurocache_ui.infra.llm.errors import (
    NO_PROVIDER_NOTICE,
    Outcome,
    Refusal,
    describe_error,
)
from neurocache_ui.infra.llm.result import CompletionResult, Message, estimate_tokens
from neurocache_ui.infra.llm.stream import ChatStream, Gate, stream_chat
from neurocache_ui.infra.llm.text_stream import TextStream

__all__ = [
    "NO_PROVIDER_NOTICE",
    "PLACEHOLDER_KEY",
    "ChatStream",
    "CompletionResult",
    "Gate",
    "Message",
    "Outcome",
    "Refusal",
    "TextStream",
    "available_models",
    "describe_error",
    "estimate_tokens",
    "provider_configured",
    "provider_host",
    "scrub",
    "stream_chat",
]
