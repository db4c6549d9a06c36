"""A minimal OpenAI-compatible streaming provider for bench/bench_agent_stream.py that
stamps every token with the wall-clock time it was written.

A reply is `tokens` tokens " <prefix>t0000", ... `interval` seconds apart on a fixed
schedule (no drift); `POST /_control` sets {"tokens", "interval", "prefix"} and
`GET /_stamps` returns `[[index, unix_ms], ...]` of the last reply."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

app = FastAPI(title="stamping provider")
settings: dict[str, Any] = {"tokens": 100, "interval": 0.02, "prefix": "x"}
stamps: list[list[float]] = []


@app.get("/v1/models")
async def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": "stamp-model", "object": "model", "created": 0, "owned_by": "bench"}]}


@app.post("/_control")
async def control(request: Request) -> dict[str, Any]:
    settings.update(await request.json())
    return settings


@app.get("/_stamps")
async def get_stamps() -> list[list[float]]:
    return stamps


@app.post("/v1/chat/completions")
async def chat(request: Request) -> StreamingResponse:
    body = await request.json()
    model = body.get("model", "stamp-model")
    count, interval, prefix = int(settings["tokens"]), float(settings["interval"]), str(settings["prefix"])
    completion_id = f"chatcmpl-{uuid.uuid4().hex[:20]}"
    stamps.clear()

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        data = {
            "id": completion_id, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }  # fmt: skip
        return f"data: {json.dumps(data)}\n\n"

    async def events() -> AsyncIterator[str]:
        yield chunk({"role": "assistant", "content": ""})
        start = time.perf_counter()
        for index in range(count):
            wait = start + index * interval - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            stamps.append([index, time.time() * 1000])
            yield chunk({"content": f" {prefix}t{index:04d}"})
        yield chunk({}, "stop")
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


@app.exception_handler(ValueError)
async def bad_request(_: Request, error: ValueError) -> JSONResponse:
    return JSONResponse({"error": {"message": str(error)}}, status_code=400)
