"""Embeddings for API callers: the same embedding function knowledge uses
(infra/embeddings.py: the built-in model, or the provider's model named by
NEUROCACHE_EMBEDDING_MODEL), so a vector a caller gets for a text is the vector
knowledge stores for it. Each request is one model call on the key's usage (and
budget): the provider's token count, or for the built-in model the number of
words (it has no billed tokens; the count keeps usage comparable)."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.infra import embeddings as vectors
from neurocache_ui.services import usage

DEFAULT = "default"
"""The model name that always means "what knowledge uses"."""
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class EmbeddingsResult:
    vectors: np.ndarray
    """(len(texts), dim) float32 rows of length 1."""
    model: str
    prompt_tokens: int

    def as_base64(self) -> list[str]:
        """Each vector as OpenAI's base64 encoding: little-endian float32 bytes."""
        return [base64.b64encode(vectors.to_bytes(row)).decode() for row in self.vectors]

    def as_floats(self) -> list[list[float]]:
        return [row.tolist() for row in self.vectors]


def model_name() -> str:
    """The embedding model's own name (what GET /models lists besides `default`)."""
    return vectors.current_model()


def check_model(model: str) -> None:
    """NotFound unless `model` is `default` or the configured embedding model."""
    if model not in (DEFAULT, model_name()):
        raise NotFound(f"The embedding model {model!r} is not served here. Use {DEFAULT!r} or {model_name()!r}.")


def embed(user_id: int, api_key_id: int, texts: Sequence[str], *, budgeted: bool = False) -> EmbeddingsResult:
    """The texts' vectors, recorded as one model call of the key (written at once for a
    budgeted key, so its next request counts it). Synchronous: run it in a worker thread."""
    done = vectors.embedder().embed(list(texts))
    tokens = done.prompt_tokens or sum(len(_WORD.findall(text)) for text in texts)
    entry = usage.UsageRecord(user_id, "api", model=done.model, prompt_tokens=tokens, latency_ms=done.latency_ms,
                              api_key_id=api_key_id)
    if budgeted:
        usage.record(entry)
    else:
        usage.enqueue(entry)
    return EmbeddingsResult(done.vectors, done.model, tokens)


__all__ = ["DEFAULT", "EmbeddingsResult", "check_model", "embed", "model_name"]
