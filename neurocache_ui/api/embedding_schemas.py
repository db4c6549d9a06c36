"""Bodies of `POST /api/v1/embeddings` (OpenAI's shape), with the input limits of
domain/limits.py checked here so a too-long list or text is a clear 422."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from neurocache_ui.domain.limits import EMBEDDING_INPUT_CHARS_MAX, EMBEDDING_INPUTS_MAX


class EmbeddingRequest(BaseModel):
    """OpenAI's embeddings request. `user` is accepted and ignored; token-id inputs and
    `dimensions` are not supported (422)."""

    model_config = ConfigDict(extra="forbid")

    input: str | list[str] = Field(description=f"A text, or up to {EMBEDDING_INPUTS_MAX} texts.")
    model: str = Field(default="default", max_length=200,
                       description="`default` (what knowledge uses) or the embedding model's name from GET /models.")
    encoding_format: Literal["float", "base64"] = Field(
        default="float", description="`base64`: each vector as little-endian float32 bytes, base64-encoded."
    )
    user: str | None = Field(default=None, max_length=200)

    @field_validator("input")
    @classmethod
    def _within_limits(cls, value: str | list[str]) -> str | list[str]:
        texts = [value] if isinstance(value, str) else value
        if not texts:
            raise ValueError("Give at least one text to embed.")
        if len(texts) > EMBEDDING_INPUTS_MAX:
            raise ValueError(f"At most {EMBEDDING_INPUTS_MAX} texts per request; this one has {len(texts)}.")
        for number, text in enumerate(texts):
            if not text:
                raise ValueError(f"Text {number} is empty: every text needs at least one character.")
            if len(text) > EMBEDDING_INPUT_CHARS_MAX:
                raise ValueError(f"Text {number} has {len(text):,} characters; the most is {EMBEDDING_INPUT_CHARS_MAX:,}.")
        return value

    @property
    def texts(self) -> list[str]:
        return [self.input] if isinstance(self.input, str) else list(self.input)


class EmbeddingItem(BaseModel):
    object: Literal["embedding"] = "embedding"
    index: int
    embedding: list[float] | str = Field(description="Floats, or a base64 string with encoding_format=base64.")


class EmbeddingUsage(BaseModel):
    prompt_tokens: int
    total_tokens: int


class EmbeddingList(BaseModel):
    object: Literal["list"] = "list"
    data: list[EmbeddingItem]
    model: str
    usage: EmbeddingUsage
