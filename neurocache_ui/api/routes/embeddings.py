"""POST /embeddings: OpenAI's embeddings, served by the hub's embedding function
(services/embeddings.py), so one key serves chat and vectors. It is a model call:
it needs the `chat` scope and counts against the key's budget."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from neurocache_ui.api.deps import ChatKey
from neurocache_ui.api.embedding_schemas import EmbeddingItem, EmbeddingList, EmbeddingRequest, EmbeddingUsage
from neurocache_ui.api.errors import ApiError
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.services import embeddings, key_limits

router = APIRouter(tags=["embeddings"])


@router.post("/embeddings", response_model=EmbeddingList, summary="Create embeddings (OpenAI-compatible)")
async def create_embeddings(body: EmbeddingRequest, key: ChatKey, request: Request) -> EmbeddingList:
    try:
        embeddings.check_model(body.model)
    except NotFound as missing:
        raise ApiError(404, str(missing), code="model_not_found", param="model") from None
    await asyncio.to_thread(key_limits.check_budget, key)
    done = await asyncio.to_thread(
        embeddings.embed, key.user_id, key.key_id, body.texts, budgeted=key.limits.budget is not None
    )
    request.state.usage_recorded = True  # recorded as the model call, with its tokens
    rows = done.as_base64() if body.encoding_format == "base64" else done.as_floats()
    return EmbeddingList(
        data=[EmbeddingItem(index=i, embedding=row) for i, row in enumerate(rows)],
        model=done.model,
        usage=EmbeddingUsage(prompt_tokens=done.prompt_tokens, total_tokens=done.prompt_tokens),
    )
