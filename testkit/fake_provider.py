"""A fake OpenAI-compatible model provider over real HTTP, deterministic and scriptable.

Replies echo the last user message ("Echo: hi") one word token at a time, unless a test
scripts them; controls live in the server process behind `/_control/*`, so they also
work when the app under test runs elsewhere. `FakeOpenAIServer` starts and drives it.
By hand: `python -m testkit.fake_provider --port 8011`."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
import uuid
import wave
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from testkit.servers import AsgiServer

DEFAULT_MODELS = ("fake-model", "gpt-4o-mini")
HANG_LIMIT_SECONDS = 600  # a forgotten hang ends eventually


@dataclass
class Controls:
    """Behaviour of the fake; every field can be set through `configure`."""

    reply: str | None = None
    """Fixed reply text for every request (None: echo the last user message)."""
    replies: list[str | dict[str, Any]] = field(default_factory=list)
    """Replies used one per request, in order, before falling back to `reply`/echo. A dict
    scripts tool calls: {"content": "...", "tool_calls": [{"name", "arguments", "id"?}]}
    (ignored, like a model would, when the request says tool_choice "none")."""
    rules: list[dict[str, Any]] = field(default_factory=list)
    """Replies chosen by what the request's last user message contains, whatever the
    order requests arrive in (concurrent callers): [{"when": "text", "reply": script}],
    the first match wins, before `replies`. A script as in `replies`."""
    tool_reply: dict[str, Any] | None = None
    """Once `replies` are used up, this script answers every request that offers tools
    (a model that calls tools forever), except tool_choice "none"."""
    reuse_tool_index: bool = False
    """Stream every tool call at index 0, told apart only by its id (some servers do)."""
    first_token_delay: float = 0.0
    """Seconds before the first token (non-streamed: before the response)."""
    token_delay: float = 0.0
    """Seconds between tokens (non-streamed: added up before the response)."""
    fail_status: int | None = None
    """Answer with this HTTP status (e.g. 500, 429, 401) instead of a reply..."""
    fail_times: int = 1
    """...this many times, then answer normally; -1 fails forever."""
    fail_message: str = "The fake provider failed on purpose."
    retry_after: str | None = None
    """A Retry-After header sent with failures."""
    hang: bool = False
    """Never answer (no status line, no headers) until reset."""
    hang_after_tokens: int | None = None
    """Stream this many tokens, then go silent until reset."""
    drop_after_tokens: int | None = None
    """Stream this many tokens, then break the connection."""
    send_usage: bool = True
    """Honour stream_options.include_usage / send usage in JSON replies."""
    models: list[str] = field(default_factory=lambda: list(DEFAULT_MODELS))
    """What GET /v1/models lists."""
    models_fail_status: int | None = None
    """Answer GET /v1/models with this HTTP status instead of the list."""
    transcript: str | None = None
    """What /v1/audio/transcriptions hears in every piece (None: "Words at second N."
    for every second of the piece's WAV); sentences become segments spread over it."""


class FakeState:
    def __init__(self) -> None:
        self.controls = Controls()
        self.requests: list[dict[str, Any]] = []
        self.model_listings = 0
        self.failures_left = 0
        self.release = asyncio.Event()

    def reset(self) -> None:
        self.controls = Controls()
        self.requests = []
        self.model_listings = 0
        self.failures_left = 0
        self.release.set()  # hanging handlers return
        self.release = asyncio.Event()

    def configure(self, values: dict[str, Any]) -> None:
        known = {f.name for f in fields(Controls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown controls: {sorted(unknown)}")
        for name, value in values.items():
            setattr(self.controls, name, value)
        if "fail_status" in values or "fail_times" in values:
            self.failures_left = self.controls.fail_times if self.controls.fail_status else 0


state = FakeState()
app = FastAPI(title="fake OpenAI-compatible provider")


# ---------------------------------------------------------------- helpers


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _script_for(body: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(text, tool calls) to answer with; calls get ids and JSON-text arguments."""
    controls = state.controls
    tools_allowed = bool(body.get("tools")) and body.get("tool_choice") != "none"
    script: str | dict[str, Any]
    asked = _last_user(body)
    matched = next((rule["reply"] for rule in controls.rules if rule.get("when", "") in asked), None)
    if matched is not None:
        script = matched
    elif controls.replies:
        script = controls.replies.pop(0)
    elif tools_allowed and controls.tool_reply is not None:
        script = controls.tool_reply
    else:
        return _reply_for(body), []
    if isinstance(script, str):
        return script, []
    calls = []
    for call in script.get("tool_calls") or [] if tools_allowed else []:
        arguments = call.get("arguments", {})
        calls.append({
            "id": call.get("id") or f"call_{uuid.uuid4().hex[:12]}",
            "name": call["name"],
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        })
    text = script.get("content") or ""
    return (text if text or calls else _reply_for(body)), calls


def _last_user(body: dict[str, Any]) -> str:
    last_user = ""
    for message in body.get("messages") or []:
        if isinstance(message, dict) and message.get("role") == "user":
            last_user = _text_of(message.get("content"))
    return last_user


def _reply_for(body: dict[str, Any]) -> str:
    controls = state.controls
    if controls.reply is not None:
        return controls.reply
    return f"Echo: {_last_user(body)}"


def tokens_of(text: str) -> list[str]:
    """Word tokens that join back to the exact text: "a b" -> ["a", " b"]."""
    return re.findall(r"\s*\S+|\s+$", text)


def _prompt_tokens(body: dict[str, Any]) -> int:
    return sum(len(_text_of(m.get("content")).split()) for m in body.get("messages") or [] if isinstance(m, dict))


def _error(status: int, message: str, retry_after: str | None = None) -> JSONResponse:
    kind = {400: "invalid_request_error", 401: "authentication_error", 404: "not_found_error", 429: "rate_limit_error"}
    headers = {"retry-after": retry_after} if retry_after is not None else None
    return JSONResponse(
        {"error": {"message": message, "type": kind.get(status, "server_error"), "param": None, "code": None}},
        status_code=status,
        headers=headers,
    )


async def _hang() -> None:
    try:
        await asyncio.wait_for(state.release.wait(), HANG_LIMIT_SECONDS)
    except TimeoutError:
        pass


# ---------------------------------------------------------------- the OpenAI surface


@app.get("/v1/models")
async def list_models() -> Response:
    state.model_listings += 1
    if state.controls.models_fail_status:
        return _error(state.controls.models_fail_status, "The fake provider cannot list its models right now.")
    return JSONResponse({
        "object": "list",
        "data": [{"id": name, "object": "model", "created": 1700000000, "owned_by": "fake"} for name in state.controls.models],
    })


@app.post("/v1/chat/completions")
async def chat_completions(request: Request) -> Response:
    try:
        body = await request.json()
    except ValueError:
        return _error(400, "The body is not JSON.")
    state.requests.append(
        {"path": request.url.path, "body": body, "headers": {k: v for k, v in request.headers.items() if k in ("authorization", "user-agent")}}
    )
    controls = state.controls
    if controls.hang:
        await _hang()
        return _error(503, "The fake provider was reset while hanging.")
    if state.failures_left != 0 and controls.fail_status:
        state.failures_left -= 1
        return _error(controls.fail_status, controls.fail_message, controls.retry_after)
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        return _error(400, "messages must be a non-empty list.")

    model = body.get("model") or "fake-model"
    text, calls = _script_for(body)
    tokens = tokens_of(text)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    finish_reason = "tool_calls" if calls else "stop"
    if isinstance(limit, int) and limit < len(tokens):
        tokens, finish_reason = tokens[:limit], "length"
    usage = {
        "prompt_tokens": _prompt_tokens(body),
        "completion_tokens": len(tokens) + len(calls),
        "total_tokens": _prompt_tokens(body) + len(tokens) + len(calls),
    }
    wire_calls = [{"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:24]}"
    created = int(time.time())

    if not body.get("stream"):
        await asyncio.sleep(controls.first_token_delay + controls.token_delay * len(tokens))
        result: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(tokens) or (None if calls else ""), "refusal": None}
                    | ({"tool_calls": wire_calls} if wire_calls else {}),
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
        }
        if controls.send_usage:
            result["usage"] = usage
        return JSONResponse(result)

    include_usage = bool((body.get("stream_options") or {}).get("include_usage")) and controls.send_usage

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        data: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            data["usage"] = None
        return f"data: {json.dumps(data)}\n\n"

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        await asyncio.sleep(controls.first_token_delay)
        for number, token in enumerate(tokens):
            if controls.hang_after_tokens is not None and number == controls.hang_after_tokens:
                await _hang()
                return
            if controls.drop_after_tokens is not None and number == controls.drop_after_tokens:
                raise ConnectionAbortedError("the fake provider dropped the connection on purpose")
            if number and controls.token_delay:
                await asyncio.sleep(controls.token_delay)
            yield chunk({"content": token})
        for number, call in enumerate(calls):
            index = 0 if controls.reuse_tool_index else number
            head = {"id": call["id"], "type": "function", "function": {"name": call["name"], "arguments": ""}}
            yield chunk({"tool_calls": [{"index": index, **head}]})
            half = len(call["arguments"]) // 2
            for piece in (call["arguments"][:half], call["arguments"][half:]):
                yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
        yield chunk({}, finish_reason)
        if include_usage:
            final = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [],
                "usage": usage,
            }
            yield f"data: {json.dumps(final)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-cache"})


EMBEDDING_DIM = 64


def fake_embedding(text: str) -> list[float]:
    """A deterministic vector: the text's lower-cased words hashed into EMBEDDING_DIM
    buckets (so texts sharing words are similar), not normalised (the hub normalises)."""
    vector = [0.0] * EMBEDDING_DIM
    for word in re.findall(r"\w+", text.lower()):
        vector[int.from_bytes(word.encode()[:8].ljust(8, b"_"), "little") % EMBEDDING_DIM] += 1.0
    return vector


@app.post("/v1/embeddings")
async def create_embeddings(request: Request) -> Response:
    """OpenAI's embeddings: `input` a string or a list of them; usage counts their words.
    `fail_status`/`fail_times` apply as for chat."""
    body = await request.json()
    state.requests.append({"path": request.url.path, "body": body, "headers": {}})
    controls = state.controls
    if state.failures_left != 0 and controls.fail_status:
        state.failures_left -= 1
        return _error(controls.fail_status, controls.fail_message, controls.retry_after)
    texts = body.get("input") or []
    texts = [texts] if isinstance(texts, str) else texts
    tokens = sum(len(str(text).split()) for text in texts)
    return JSONResponse({
        "object": "list", "model": body.get("model"),
        "data": [{"object": "embedding", "index": i, "embedding": fake_embedding(str(text))} for i, text in enumerate(texts)],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    })


def _wav_ms(data: bytes) -> int:
    """A WAV's length; 0 for anything else."""
    try:
        with wave.open(io.BytesIO(data)) as sound:
            return int(sound.getnframes() * 1000 / max(1, sound.getframerate()))
    except (wave.Error, EOFError):
        return 0


def transcript_segments(text: str, length_ms: int) -> list[dict[str, Any]]:
    """The text's sentences as verbose_json segments, sharing the length evenly (seconds)."""
    sentences = [part.strip() for part in re.split(r"(?<=[.!?])\s+", text) if part.strip()]
    step = length_ms / max(1, len(sentences)) / 1000
    return [
        {"id": i, "start": round(i * step, 3), "end": round((i + 1) * step, 3), "text": " " + sentence}
        for i, sentence in enumerate(sentences)
    ]


@app.post("/v1/audio/transcriptions")
async def create_transcription(request: Request) -> Response:
    """OpenAI's transcriptions (multipart: file, model, response_format,
    timestamp_granularities[]); verbose_json has segments. `fail_status` applies as for chat."""
    form = await request.form()
    upload = form.get("file")
    data = await upload.read() if hasattr(upload, "read") else b""
    length = _wav_ms(data)
    state.requests.append({"path": request.url.path, "headers": {}, "body": {
        "model": form.get("model"), "response_format": form.get("response_format"),
        "timestamp_granularities": form.getlist("timestamp_granularities[]"),
        "file_name": getattr(upload, "filename", None), "file_bytes": len(data), "duration_ms": length,
    }})
    controls = state.controls
    if state.failures_left != 0 and controls.fail_status:
        state.failures_left -= 1
        return _error(controls.fail_status, controls.fail_message, controls.retry_after)
    text = controls.transcript
    if text is None:
        text = " ".join(f"Words at second {second}." for second in range(max(1, length // 1000)))
    segments = transcript_segments(text, length)
    if form.get("response_format") != "verbose_json":
        return JSONResponse({"text": text})
    return JSONResponse({"task": "transcribe", "language": "english", "duration": length / 1000, "text": text, "segments": segments})


# ---------------------------------------------------------------- controls


@app.post("/_control/reset")
async def control_reset() -> dict[str, Any]:
    state.reset()
    return {"ok": True}


@app.post("/_control/configure")
async def control_configure(request: Request) -> Response:
    try:
        state.configure(await request.json())
    except (ValueError, TypeError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse({"ok": True, "controls": asdict(state.controls)})


@app.get("/_control/requests")
async def control_requests() -> list[dict[str, Any]]:
    return state.requests


@app.get("/_control/model_listings")
async def control_model_listings() -> int:
    return state.model_listings


# ---------------------------------------------------------------- the test-side handle


class FakeOpenAIServer(AsgiServer):
    """Runs the fake in its own Granian process and drives its controls.

    `configure(...)` sets any `Controls` field; usage is counted in the same word
    tokens the reply is streamed in (prompt: words of all request messages)."""

    def __init__(self, port: int | None = None) -> None:
        super().__init__("testkit.fake_provider:app", port)

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be."""
        return f"{self.url}/v1"

    def env(self, api_key: str | None = "sk-fake-test-key") -> dict[str, str | None]:
        """Settings for `use_settings(**server.env())`: our code talks to this fake."""
        return {"OPENAI_BASE_URL": self.base_url, "OPENAI_API_KEY": api_key}

    def reset(self) -> None:
        """Default behaviour, requests forgotten, hangs released."""
        self.http.post("/_control/reset").raise_for_status()

    def configure(self, **controls: Any) -> None:
        """e.g. configure(token_delay=0.05, fail_status=500, fail_times=2)."""
        response = self.http.post("/_control/configure", json=controls)
        if response.status_code != 200:
            raise ValueError(response.json().get("error"))

    def requests(self) -> list[dict[str, Any]]:
        """Requests received since the last reset: {"path", "body", "headers"}."""
        response = self.http.get("/_control/requests")
        response.raise_for_status()
        return response.json()

    def model_listings(self) -> int:
        """GET /v1/models requests since the last reset (they are not in `requests()`)."""
        response = self.http.get("/_control/model_listings")
        response.raise_for_status()
        return response.json()

    def last_body(self) -> dict[str, Any]:
        received = self.requests()
        assert received, "the fake provider received no request"
        return received[-1]["body"]


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8011)
    args = parser.parse_args()
    server = FakeOpenAIServer(args.port)
    server.start()
    print(f"fake OpenAI server on {server.base_url}; Ctrl+C stops it", flush=True)
    try:
        server.process.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        server.stop()
