"""What went wrong with a model call, in sentences people can read, and which
failures are worth another attempt. No keys or stack traces reach a message:
details go to the log."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import openai

from neurocache_ui.infra.llm.client import provider_host, scrub
from neurocache_ui.settings import Settings, get_settings

NO_PROVIDER_NOTICE = (
    "No model provider is configured. Set OPENAI_API_KEY (or OPENAI_BASE_URL for an "
    "OpenAI-compatible server such as Ollama or vLLM) and restart the Hub."
)
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BACKOFF_BASE = 0.4  # seconds before the first retry; doubles each time
BACKOFF_MAX = 4.0
RETRY_AFTER_MAX = 10.0  # a longer Retry-After ends the call instead of waiting

Outcome = Literal["ok", "error", "timeout", "stopped"]


@dataclass(frozen=True)
class Refusal:
    """Why a call was not made (a spending gate said no); `message` is written to be shown."""

    reason: str
    message: str
    retry_after: int | None = None
    """Seconds until the call may be made again, when waiting helps."""


class ProviderTimeout(Exception):
    """Our own deadlines (first token, silence, whole reply), with the sentence to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def provider_detail(error: openai.APIStatusError) -> str:
    """The provider's own explanation in an error body, if it sent one."""
    body = error.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, Mapping) else None
        if isinstance(message, str) and message.strip():
            return message.strip()
    return ""


def _status_message(status: int, detail: str, model: str) -> str:
    if status == 401:
        return "The model provider rejected the API key (HTTP 401). Check OPENAI_API_KEY."
    if status == 403:
        return "The model provider refused access (HTTP 403). Check the account's permissions."
    if status == 404:
        return (
            f"The model provider does not offer the model {model!r} (HTTP 404). "
            "Choose another model in the agent's settings."
        )
    if status == 429:
        if "quota" in detail.lower():
            return "The model provider's account is out of quota (HTTP 429)."
        return "The model provider is rate limiting requests (HTTP 429). Try again in a moment."
    if status >= 500:
        return f"The model provider had a server error (HTTP {status}). Try again in a moment."
    suffix = f": {detail}" if detail else "."
    return f"The model provider rejected the request (HTTP {status}){suffix}"


def describe_error(error: BaseException, *, model: str, settings: Settings | None = None) -> tuple[Outcome, str]:
    """(outcome, message for people) for an exception from a model call."""
    settings = settings or get_settings()
    if isinstance(error, ProviderTimeout):
        return "timeout", error.message
    if isinstance(error, openai.APITimeoutError):
        return "timeout", "The model provider did not answer in time. Try again in a moment."
    if isinstance(error, openai.APIConnectionError):
        return "error", (
            f"Could not reach the model provider at {provider_host(settings)}. "
            "Check OPENAI_BASE_URL and that the server is running."
        )
    if isinstance(error, openai.APIStatusError):
        return "error", _status_message(error.status_code, scrub(provider_detail(error), settings), model)
    if isinstance(error, openai.APIError):  # an error event inside the stream
        detail = scrub(error.message or "", settings)
        return "error", f"The model provider reported an error: {detail}" if detail else "The model provider reported an error."
    return "error", "The model call failed unexpectedly. Try again in a moment."


def is_transient(error: BaseException) -> bool:
    """Worth another attempt: overload and connection trouble. Timeouts are not:
    a provider that did not answer in time is not helped by asking again."""
    if isinstance(error, openai.APITimeoutError):
        return False
    if isinstance(error, openai.APIConnectionError):
        return True
    return isinstance(error, openai.APIStatusError) and error.status_code in TRANSIENT_STATUSES


def retry_delay(error: BaseException, retry: int) -> float:
    """Exponential backoff with jitter; a provider's short Retry-After wins."""
    if isinstance(error, openai.APIStatusError):
        raw = error.response.headers.get("retry-after")
        if raw is not None:
            try:
                return max(0.0, float(raw))
            except ValueError:
                pass
    delay = min(BACKOFF_MAX, BACKOFF_BASE * 2**retry)
    return delay * random.uniform(0.8, 1.2)


def adapt_params(error: BaseException, params: dict[str, Any]) -> bool:
    """Some models or servers reject a parameter we send by default (reasoning
    models and `temperature`, newer OpenAI models and `max_tokens`, older
    servers and `stream_options`). Adjust once and report whether to resend."""
    if not isinstance(error, openai.BadRequestError):
        return False
    detail = provider_detail(error).lower()
    if "max_tokens" in detail and "max_completion_tokens" not in params and "max_tokens" in params:
        params["max_completion_tokens"] = params.pop("max_tokens")
        return True
    if "temperature" in detail and "temperature" in params:
        del params["temperature"]
        return True
    if "stream_options" in detail and "stream_options" in params:
        del params["stream_options"]
        return True
    return False
