"""The model provider: any OpenAI-compatible server, through the official client.

Configuration (core.settings): OPENAI_API_KEY and/or OPENAI_BASE_URL. A base URL
alone is enough (Ollama, vLLM and other local servers need no key; the client
gets a placeholder). With neither, `provider_configured()` is False and callers
post `NO_PROVIDER_NOTICE` instead of calling the model.

`stream_chat()` is the one way to call the model; it returns a `ChatStream`,
an async iterator of text deltas that ends with a `CompletionResult`:

    stream = llm.stream_chat(messages, model=agent.model, temperature=0.7, max_tokens=1024)
    async with stream:                    # leaving early marks the result "stopped"
        async for delta in stream:
            ...                           # show the text as it arrives
    result = stream.result                # text, tokens, latency, outcome, error

The stream never raises for provider trouble: failures end it and are reported
in `result.outcome` ("error" | "timeout") and `result.error`, a sentence meant
for people (no keys, no stack traces; details go to the log). Cancelling the
consuming task or leaving the `async with` early gives outcome "stopped" and
keeps the text received so far.

Reliability rules:
- Transient failures (HTTP 429/500/502/503/504, connection refused or reset)
  are retried with exponential backoff (honouring a short Retry-After), up to
  `NEUROCACHE_LLM_MAX_RETRIES` times, but only *before the first token*: once
  text has been handed to the caller a failure ends the reply, so no text is
  ever sent twice.
- Timeouts: connecting 5 s; the first token (and any silence between tokens)
  `NEUROCACHE_LLM_FIRST_TOKEN_TIMEOUT_SECONDS` (30 s); the whole reply,
  retries included, `NEUROCACHE_LLM_TIMEOUT_SECONDS` (60 s). Timeouts are not
  retried: a provider that did not answer in time is not helped by asking again.
- Token counts come from the provider's usage chunk (`stream_options.
  include_usage`); servers that send none get an estimate (about 4 characters
  per token) and `usage_estimated=True`.
- Spending (core.spend): before the first attempt the model is checked against
  NEUROCACHE_ALLOWED_MODELS and the call is charged to `user_id`'s hourly quota.
  A refused call never reaches the provider: it ends with outcome "error",
  `attempts == 0` and `result.refusal` saying why (and, for the quota, when).
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import re
import time
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal
from urllib.parse import urlsplit

import openai
from openai import AsyncOpenAI

from neurocache_ui.services import spend
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

NO_PROVIDER_NOTICE = (
    "No model provider is configured. Set OPENAI_API_KEY (or OPENAI_BASE_URL for an "
    "OpenAI-compatible server such as Ollama or vLLM) and restart the Hub."
)
OPENAI_BASE_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"  # the client insists on a key; local servers ignore it
CONNECT_TIMEOUT = 5.0
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BACKOFF_BASE = 0.4  # seconds before the first retry; doubles each time
BACKOFF_MAX = 4.0
RETRY_AFTER_MAX = 10.0  # a longer Retry-After ends the call instead of waiting
ERROR_DETAIL_MAX = 300

Outcome = Literal["ok", "error", "timeout", "stopped"]
Message = Mapping[str, Any]


def provider_configured(settings: Settings | None = None) -> bool:
    """True when OPENAI_API_KEY or OPENAI_BASE_URL is set."""
    return (settings or get_settings()).model_provider_configured


@dataclass(frozen=True)
class CompletionResult:
    """How one model call ended. `error` is None when `outcome == "ok"` and is
    otherwise a sentence safe to show to anyone."""

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
    refusal: spend.Refusal | None = None
    """Set when core.spend refused the call before it was made."""

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


# ---------------------------------------------------------------- clients


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)


def _client(settings: Settings) -> AsyncOpenAI:
    """One client (and connection pool) per event loop and provider: pools are
    bound to the loop that opened them."""
    loop = asyncio.get_running_loop()
    key = (settings.openai_api_key or PLACEHOLDER_KEY, settings.openai_base_url or OPENAI_BASE_URL)
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(key)
    if client is None:
        client = AsyncOpenAI(
            api_key=key[0],
            base_url=key[1],
            max_retries=0,  # we retry ourselves, and never after the first token
            timeout=openai.Timeout(settings.llm_timeout_seconds, connect=CONNECT_TIMEOUT),
        )
        per_loop[key] = client
    return client


def provider_host(settings: Settings | None = None) -> str:
    """Where the provider lives, without any credentials a URL might carry."""
    parts = urlsplit((settings or get_settings()).openai_base_url or OPENAI_BASE_URL)
    host = parts.hostname or "the configured address"
    return f"{host}:{parts.port}" if parts.port else host


# ---------------------------------------------------------------- errors for people

_SECRETS = re.compile(r"(?i)(sk|nck|key)[-_][A-Za-z0-9_\-*.]{6,}|bearer\s+\S+")


def scrub(text: str, settings: Settings | None = None) -> str:
    """Remove anything that looks like a credential from text we show or log."""
    settings = settings or get_settings()
    if settings.openai_api_key:
        text = text.replace(settings.openai_api_key, "[redacted]")
    text = _SECRETS.sub("[redacted]", text)
    return text if len(text) <= ERROR_DETAIL_MAX else text[: ERROR_DETAIL_MAX - 1] + "…"


def _provider_detail(error: openai.APIStatusError) -> str:
    body = error.body
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, Mapping) else None
        if isinstance(message, str) and message.strip():
            return message.strip()
    return ""


class _Timeout(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe_error(error: BaseException, *, model: str, settings: Settings | None = None) -> tuple[Outcome, str]:
    """(outcome, message for people) for an exception from a model call."""
    settings = settings or get_settings()
    if isinstance(error, _Timeout):
        return "timeout", error.message
    if isinstance(error, openai.APITimeoutError):
        return "timeout", "The model provider did not answer in time. Try again in a moment."
    if isinstance(error, openai.APIConnectionError):
        return "error", (
            f"Could not reach the model provider at {provider_host(settings)}. "
            "Check OPENAI_BASE_URL and that the server is running."
        )
    if isinstance(error, openai.APIStatusError):
        status = error.status_code
        detail = scrub(_provider_detail(error), settings)
        if status == 401:
            return "error", "The model provider rejected the API key (HTTP 401). Check OPENAI_API_KEY."
        if status == 403:
            return "error", "The model provider refused access (HTTP 403). Check the account's permissions."
        if status == 404:
            return "error", (
                f"The model provider does not offer the model {model!r} (HTTP 404). "
                "Choose another model in the agent's settings."
            )
        if status == 429:
            if "quota" in detail.lower():
                return "error", "The model provider's account is out of quota (HTTP 429)."
            return "error", "The model provider is rate limiting requests (HTTP 429). Try again in a moment."
        if status >= 500:
            return "error", f"The model provider had a server error (HTTP {status}). Try again in a moment."
        suffix = f": {detail}" if detail else "."
        return "error", f"The model provider rejected the request (HTTP {status}){suffix}"
    if isinstance(error, openai.APIError):  # an error event inside the stream
        detail = scrub(error.message or "", settings)
        return "error", f"The model provider reported an error: {detail}" if detail else "The model provider reported an error."
    return "error", "The model call failed unexpectedly. Try again in a moment."


def _is_transient(error: BaseException) -> bool:
    if isinstance(error, openai.APITimeoutError):
        return False
    if isinstance(error, openai.APIConnectionError):
        return True
    return isinstance(error, openai.APIStatusError) and error.status_code in TRANSIENT_STATUSES


def _retry_delay(error: BaseException, retry: int) -> float:
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


def _adapt_params(error: BaseException, params: dict[str, Any]) -> bool:
    """Some models or servers reject a parameter we send by default (reasoning
    models and `temperature`, newer OpenAI models and `max_tokens`, older
    servers and `stream_options`). Adjust once and report whether to resend."""
    if not isinstance(error, openai.BadRequestError):
        return False
    detail = _provider_detail(error).lower()
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


# ---------------------------------------------------------------- streaming


class ChatStream:
    """Text deltas of one model reply; `result` is set when it ends (see module doc)."""

    def __init__(
        self,
        messages: Sequence[Message],
        *,
        model: str,
        temperature: float | None,
        max_tokens: int | None,
        timeout: float | None,
        first_token_timeout: float | None,
        settings: Settings,
        user_id: int | None,
    ) -> None:
        self.messages = [dict(m) for m in messages]
        self.model = model
        self.user_id = user_id
        self._refusal: spend.Refusal | None = None
        self.settings = settings
        self.timeout = timeout or settings.llm_timeout_seconds
        self.first_token_timeout = min(first_token_timeout or settings.llm_first_token_timeout_seconds, self.timeout)
        self.params: dict[str, Any] = {"stream_options": {"include_usage": True}}
        if temperature is not None:
            self.params["temperature"] = temperature
        if max_tokens is not None:
            self.params["max_tokens"] = max_tokens
        self.result: CompletionResult | None = None
        self._parts: list[str] = []
        self._started = time.monotonic()
        self._first_token_at: float | None = None
        self._usage: Any = None
        self._finish_reason: str | None = None
        self._attempts = 0
        self._gen = self._run()

    # -- the iterator protocol

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> str:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop early: the provider connection is closed, the result is "stopped"."""
        await self._gen.aclose()
        if self.result is None:
            self._finish("stopped")

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def collect(self) -> CompletionResult:
        """Read the whole reply and return the result."""
        async with self:
            async for _ in self:
                pass
        assert self.result is not None
        return self.result

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    # -- the work

    def _finish(self, outcome: Outcome, error: str | None = None) -> CompletionResult:
        text = self.text
        usage = self._usage
        prompt_tokens = getattr(usage, "prompt_tokens", None) if usage is not None else None
        completion_tokens = getattr(usage, "completion_tokens", None) if usage is not None else None
        estimated = prompt_tokens is None or completion_tokens is None
        if prompt_tokens is None:
            prompt_tokens = estimate_prompt_tokens(self.messages) if self._attempts else 0
        if completion_tokens is None:
            completion_tokens = estimate_tokens(text)
        now = time.monotonic()
        self.result = CompletionResult(
            text=text,
            model=self.model,
            outcome=outcome,
            prompt_tokens=int(prompt_tokens),
            completion_tokens=int(completion_tokens),
            latency_ms=round((now - self._started) * 1000),
            error=error,
            first_token_ms=None if self._first_token_at is None else round((self._first_token_at - self._started) * 1000),
            finish_reason=self._finish_reason,
            usage_estimated=estimated and self._attempts > 0,
            attempts=self._attempts,
            refusal=self._refusal,
        )
        return self.result

    def _remaining(self, limit_at: float) -> float:
        return max(0.0, limit_at - time.monotonic())

    async def _open(self, deadline: float) -> tuple[openai.AsyncStream[Any], Any]:
        """Start a request and read up to its first text, retrying transient
        failures. Returns the stream and an iterator positioned after the first
        chunk that carried text (or at the end)."""
        client = _client(self.settings)
        retries = 0
        adapted = 0
        while True:
            self._attempts += 1
            first_token_by = min(time.monotonic() + self.first_token_timeout, deadline)
            stream = None
            try:
                async with asyncio.timeout(self._remaining(first_token_by)):
                    stream = await client.chat.completions.create(
                        model=self.model, messages=self.messages, stream=True, **self.params  # type: ignore[arg-type]
                    )
                    iterator = stream.__aiter__()
                    while True:
                        chunk = await iterator.__anext__()
                        if self._take(chunk):
                            return stream, iterator
            except StopAsyncIteration:
                return stream, None  # type: ignore[return-value]
            except TimeoutError:
                await _close(stream)
                if first_token_by >= deadline:
                    raise _Timeout(f"The reply took longer than {self.timeout:g} seconds, so it was stopped.") from None
                raise _Timeout(
                    f"The model provider did not start answering within {self.first_token_timeout:g} seconds."
                ) from None
            except asyncio.CancelledError:
                await _close(stream)
                raise
            except Exception as error:
                await _close(stream)
                if self._parts:  # cannot happen before the first token, but never resend text
                    raise
                if adapted < 3 and _adapt_params(error, self.params):
                    adapted += 1
                    continue
                if not _is_transient(error) or retries >= self.settings.llm_max_retries:
                    raise
                delay = _retry_delay(error, retries)
                if delay > RETRY_AFTER_MAX or time.monotonic() + delay >= deadline:
                    raise
                log.info("model call failed (%s), retry %d in %.1fs", type(error).__name__, retries + 1, delay)
                retries += 1
                await asyncio.sleep(delay)

    def _take(self, chunk: Any) -> bool:
        """Record one chunk; True when it carried text."""
        if getattr(chunk, "usage", None) is not None:
            self._usage = chunk.usage
        carried = False
        for choice in getattr(chunk, "choices", None) or []:
            if getattr(choice, "index", 0) != 0:
                continue
            if choice.finish_reason:
                self._finish_reason = choice.finish_reason
            content = getattr(choice.delta, "content", None) if choice.delta is not None else None
            if content:
                if self._first_token_at is None:
                    self._first_token_at = time.monotonic()
                self._parts.append(content)
                carried = True
        return carried

    async def _run(self) -> AsyncIterator[str]:
        self._started = time.monotonic()  # the request starts now, not when the stream was made
        if not provider_configured(self.settings):
            self._finish("error", NO_PROVIDER_NOTICE)
            return
        self._refusal = await spend.refusal_for(self.model, self.user_id, self.settings)
        if self._refusal is not None:
            self._finish("error", self._refusal.message)
            return
        deadline = self._started + self.timeout
        stream = None
        try:
            try:
                stream, iterator = await self._open(deadline)
                if self._parts:
                    yield self._parts[-1]
                while iterator is not None:
                    silence_by = min(time.monotonic() + self.first_token_timeout, deadline)
                    try:
                        async with asyncio.timeout(self._remaining(silence_by)):
                            chunk = await iterator.__anext__()
                    except StopAsyncIteration:
                        break
                    except TimeoutError:
                        if silence_by >= deadline:
                            raise _Timeout(
                                f"The reply took longer than {self.timeout:g} seconds, so it was cut off."
                            ) from None
                        raise _Timeout(
                            f"The model provider stopped sending the reply for {self.first_token_timeout:g} "
                            "seconds, so it was cut off."
                        ) from None
                    if self._take(chunk):
                        yield self._parts[-1]
            except (GeneratorExit, asyncio.CancelledError):
                self._finish("stopped")
                raise
            except Exception as error:
                outcome, message = describe_error(error, model=self.model, settings=self.settings)
                if self._parts and outcome == "error" and isinstance(error, openai.APIConnectionError):
                    message = "The connection to the model provider broke off in the middle of the reply."
                if outcome == "error" and message.startswith("The model call failed unexpectedly"):
                    log.exception("model call to %s failed", provider_host(self.settings))
                else:
                    log.warning("model call to %s: %s (%s)", provider_host(self.settings), message, scrub(str(error), self.settings))
                self._finish(outcome, message)
                return
            if not self.text.strip():
                self._finish("error", "The model returned an empty reply.")
            else:
                self._finish("ok")
        finally:
            await _close(stream)


async def _close(stream: openai.AsyncStream[Any] | None) -> None:
    if stream is None:
        return
    try:
        await stream.close()
    except Exception:  # closing a broken connection may fail again; nothing to do
        pass


def stream_chat(
    messages: Sequence[Message],
    *,
    model: str,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = None,
    first_token_timeout: float | None = None,
    user_id: int | None = None,
) -> ChatStream:
    """Start streaming a reply (lazily: the request is sent on first iteration).

    `timeout`/`first_token_timeout` override the settings for this call, in seconds.
    `user_id` is the person the call is made for: it counts against their hourly
    quota (core.spend). Every call made for a person must pass it."""
    return ChatStream(
        messages,
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        first_token_timeout=first_token_timeout,
        settings=get_settings(),
        user_id=user_id,
    )


async def complete_chat(
    messages: Sequence[Message],
    *,
    model: str,
    temperature: float | None = None,
    max_tokens: int | None = None,
    timeout: float | None = None,
    first_token_timeout: float | None = None,
    user_id: int | None = None,
) -> CompletionResult:
    """The whole reply at once (for the API's non-streamed requests and channel
    synthesis). Same retries, timeouts, spending checks and result as `stream_chat`."""
    stream = stream_chat(
        messages,
        model=model,
        temperature=temperature,
        max_tokens=max_tokens,
        timeout=timeout,
        first_token_timeout=first_token_timeout,
        user_id=user_id,
    )
    return await stream.collect()


async def available_models(timeout: float = 5.0) -> list[str]:
    """Model ids the provider offers (GET /models), sorted; [] when it cannot say."""
    settings = get_settings()
    if not provider_configured(settings):
        return []
    try:
        async with asyncio.timeout(timeout):
            page = await _client(settings).models.list()
            return sorted(model.id for model in page.data)
    except Exception as error:  # a hint for a form, never worth failing for
        log.info("listing models at %s failed: %s", provider_host(settings), scrub(str(error), settings))
        return []


__all__ = [
    "NO_PROVIDER_NOTICE",
    "ChatStream",
    "CompletionResult",
    "Outcome",
    "available_models",
    "complete_chat",
    "describe_error",
    "estimate_tokens",
    "provider_configured",
    "stream_chat",
]

