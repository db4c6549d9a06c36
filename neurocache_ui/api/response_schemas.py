"""Bodies of the Responses API (POST/GET/DELETE /responses), so the OpenAPI schema
documents them. Input items and output items stay open dicts here: their rules are
domain/response_items.py's, which answers a wrong item with a message naming it."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from neurocache_ui.domain.response_items import MAX_TURNS, RESPONSE_ID_MAX


class ResponseTool(BaseModel):
    """One of the caller's own function tools; a call to it ends the response with a
    `function_call` output item for the caller to run."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description='"function" (other tool types are the agent\'s own, set on the agent).')
    name: str | None = Field(default=None, description="1-64 of a-z A-Z 0-9 _ -.")
    description: str | None = None
    parameters: dict[str, Any] | None = Field(default=None, description="JSON Schema of the arguments.")
    strict: bool | None = None


class ResponseRequest(BaseModel):
    """OpenAI Responses API. Fields not listed (reasoning, text, truncation, ...) are
    accepted and ignored; `background` and `include` have no effect."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(description="agent:<slug> or channel:<slug>, as listed by GET /models.", max_length=200)
    input: str | Annotated[list[dict[str, Any]], Field(max_length=MAX_TURNS)] = Field(
        description="A string (one user message) or items: messages (input_text and input_image parts), "
        "function_call and function_call_output items.",
    )
    instructions: str | None = Field(
        default=None, max_length=32768, description="A system message for this response only (not carried over)."
    )
    previous_response_id: str | None = Field(
        default=None, max_length=RESPONSE_ID_MAX, description="Continue from a stored response of yours."
    )
    store: bool = Field(default=True, description="Keep the response for GET and previous_response_id.")
    stream: bool | None = False
    temperature: float | None = Field(default=None, ge=0, le=2, description="Default: the agent's own.")
    max_output_tokens: int | None = Field(default=None, ge=1, le=32768, description="Default: the agent's own.")
    tools: list[ResponseTool] | None = Field(
        default=None, max_length=128, description="The caller's own function tools (agent models only)."
    )
    metadata: dict[str, str] | None = Field(default=None, max_length=16, description="Returned as given.")
    user: str | None = None


class ResponseObject(BaseModel):
    """A response as OpenAI's `Response`: `output` holds `web_search_call` items (the
    agent's searches), the `message` (its `output_text` with `url_citation`
    annotations) and `function_call` items for the caller's tools."""

    model_config = ConfigDict(extra="allow")

    id: str
    object: Literal["response"] = "response"
    created_at: int
    status: Literal["completed", "incomplete", "failed", "in_progress"]
    model: str
    output: list[dict[str, Any]]
    instructions: str | None = None
    previous_response_id: str | None = None
    usage: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    incomplete_details: dict[str, Any] | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    store: bool = True


class ResponseDeleted(BaseModel):
    id: str
    object: Literal["response"] = "response"
    deleted: bool = True
