"""POST/GET/DELETE /responses: the OpenAI Responses API for `agent:<slug>` and
`channel:<slug>`. The request is translated to a chat conversation
(domain/response_items.py) and answered by the same call Chat Completions makes
(api/chat_calls.py); the reply comes back as output items, streamed as the
Responses events (api/response_stream.py). Each response is stored for its owner
(services/stored_responses.py) unless `store: false`, so `previous_response_id`
continues the conversation server-side."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from neurocache_ui.api.chat_calls import Call, first_delta, open_call, provider_error, read_rest
from neurocache_ui.api.deps import ChatKey, ReadKey, WriteKey
from neurocache_ui.api.response_schemas import ResponseDeleted, ResponseObject, ResponseRequest
from neurocache_ui.api.response_stream import EventWriter
from neurocache_ui.api.routes.chat import STREAM_DOC
from neurocache_ui.domain import response_items
from neurocache_ui.domain.response_items import Reply
from neurocache_ui.services import stored_responses
from neurocache_ui.services.agent_runs.pipeline import CompletionResult

router = APIRouter(tags=["responses"])

RESPONSES_DOC = {
    **STREAM_DOC,
    200: {
        "description": "A response object, or with `stream: true` server-sent Responses events "
        "(`response.created` … `response.completed`).",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
}


@dataclass
class _Response:
    """The parts of a response object known before the model answers."""

    request: ResponseRequest
    conversation: list[dict[str, Any]]
    id: str = field(default_factory=lambda: response_items.new_id("resp"))
    created_at: int = field(default_factory=lambda: int(time.time()))

    def object(self, status: str, output: list[dict[str, Any]], *, call: Call | None = None,
               result: CompletionResult | None = None) -> dict[str, Any]:
        body = self.request
        usage = response_items.usage(*call.tokens(result)) if call is not None and result is not None else None
        failed = status == "failed" and result is not None
        return {
            "id": self.id, "object": "response", "created_at": self.created_at, "status": status, "model": body.model,
            "output": output, "instructions": body.instructions, "previous_response_id": body.previous_response_id,
            "usage": usage, "metadata": body.metadata or {}, "store": body.store,
            "error": {"code": "server_error", "message": result.error or "The model provider failed."} if failed else None,
            "incomplete_details": {"reason": "max_output_tokens"} if status == "incomplete" else None,
            "tools": [t.model_dump(exclude_none=True) for t in body.tools or []], "tool_choice": "auto",
            "parallel_tool_calls": True, "temperature": body.temperature, "top_p": None,
            "max_output_tokens": body.max_output_tokens, "text": {"format": {"type": "text"}},
        }

    async def keep(self, key_user: int, call: Call, reply: Reply, body: dict[str, Any]) -> None:
        """Store the finished response with its conversation, unless the caller said `store: false`."""
        if not self.request.store:
            return
        await asyncio.to_thread(
            stored_responses.save, key_user, self.id, agent_id=call.agent_id, channel_id=call.caller.channel_id,
            conversation=[*self.conversation, response_items.assistant_turn(reply)], body=body,
        )  # fmt: skip


def _searches(call: Call) -> list[str]:
    return response_items.search_queries(call.tools_run())


def _reply(call: Call, result: CompletionResult) -> Reply:
    return Reply(result.text, result.tool_calls, tuple(_searches(call)), tuple(call.web_sources()))


def _status(result: CompletionResult) -> str:
    return "incomplete" if result.finish_reason == "length" else "completed"


@router.post(
    "/responses", response_model=ResponseObject, responses=RESPONSES_DOC,
    summary="Create a response (OpenAI Responses API)",
)  # fmt: skip
async def create_response(body: ResponseRequest, key: ChatKey, request: Request) -> Any:
    conversation = response_items.input_messages(body.input)  # 422 naming the item at fault
    tools = response_items.function_tools([t.model_dump(exclude_none=True) for t in body.tools or []])
    if body.previous_response_id:
        prior = await asyncio.to_thread(stored_responses.conversation_of, key.user_id, body.previous_response_id)
        conversation = response_items.continued(prior, conversation)  # 422 past its turn limit
    system = [{"role": "system", "content": body.instructions}] if body.instructions else []
    call = await open_call(
        key, body.model, system + conversation, tools=tools, temperature=body.temperature,
        max_tokens=body.max_output_tokens,
    )  # fmt: skip
    request.state.usage_recorded = True  # recorded with its tokens, as for chat completions
    response = _Response(body, conversation)
    first = await first_delta(call)  # a failure before the first token becomes an HTTP error

    if not body.stream:
        result = await read_rest(call) if first is not None else call.stream.result
        assert result is not None
        if not result.ok and not result.text:
            raise provider_error(result)
        reply = _reply(call, result)
        made = response.object(_status(result), response_items.output_items(reply, response_items.new_id("msg")),
                               call=call, result=result)
        await response.keep(key.user_id, call, reply, made)
        return made

    return StreamingResponse(
        _events(response, call, first, key.user_id),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(response: _Response, call: Call, first: str | None, user_id: int) -> AsyncIterator[str]:
    """The response's events: lifecycle, searches, the message's text as it comes, calls, the end."""
    writer = EventWriter()
    stream = call.stream
    recorded = first is None
    try:
        yield writer.lifecycle("response.created", response.object("in_progress", []))
        yield writer.lifecycle("response.in_progress", response.object("in_progress", []))
        if first is not None:
            for event in (*writer.searches(_searches(call)), *writer.delta(first)):
                yield event
            async with stream:
                async for delta in stream:
                    for event in (*writer.searches(_searches(call)), *writer.delta(delta)):
                        yield event
        result = stream.result
        assert result is not None
        if not recorded:
            await call.record(result)
            recorded = True
        reply = _reply(call, result)
        failed = result.outcome in ("error", "timeout")
        for event in (*writer.searches(reply.searches), *writer.close_message(
            [] if failed else response_items.citations(writer.text, reply.sources),
            status="incomplete" if failed else "completed",
        )):
            yield event
        if failed:
            yield writer.lifecycle("response.failed", response.object("failed", writer.output, call=call, result=result))
            return
        for event in writer.function_calls(reply.tool_calls):
            yield event
        status = _status(result)
        made = response.object(status, writer.output, call=call, result=result)
        await response.keep(user_id, call, reply, made)
        yield writer.lifecycle("response.completed" if status == "completed" else "response.incomplete", made)
    finally:
        if not recorded:  # the client went away mid-stream
            await stream.aclose()
            await call.record(stream.result)


@router.get("/responses/{response_id}", response_model=ResponseObject, summary="A stored response of yours")
def get_response(response_id: str, key: ReadKey) -> Any:
    return stored_responses.get(key.user_id, response_id)


@router.delete("/responses/{response_id}", response_model=ResponseDeleted, summary="Delete a stored response of yours")
def delete_response(response_id: str, key: WriteKey) -> ResponseDeleted:
    stored_responses.delete(key.user_id, response_id)
    return ResponseDeleted(id=response_id)


__all__ = ["router"]
