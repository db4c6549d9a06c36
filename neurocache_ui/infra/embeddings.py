"""Text to vectors for knowledge retrieval, one interface, two sources:

- the built-in `wordllama-256` (the `wordllama` package ships its 256-dim weights
  inside the wheel): no provider, no download, ~0.1 ms a passage on one core;
- the provider's `/v1/embeddings` (through the official client) when
  NEUROCACHE_EMBEDDING_MODEL names a model: batched, transient failures retried
  like chat calls (infra/llm/errors.py), token usage returned for the caller to record.

Vectors are float32 rows of length 1 (so a dot product is the cosine), stored as
little-endian bytes. Every call is synchronous and CPU- or network-bound: callers
run it in a worker thread, never on the event loop."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import openai

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.infra.llm.client import CONNECT_TIMEOUT, OPENAI_BASE_URL, PLACEHOLDER_KEY
from neurocache_ui.infra.llm.errors import NO_PROVIDER_NOTICE, describe_error, is_transient, retry_delay
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

BUILTIN_MODEL = "wordllama-256"
BUILTIN_DIM = 256
PROVIDER_BATCH = 96
"""Texts per /v1/embeddings request: well under every provider's input limits."""
BUILTIN_BATCH = 256


@dataclass(frozen=True)
class Embedded:
    vectors: np.ndarray
    """(len(texts), dim) float32, each row of length 1 (a zero row for a text with no words)."""
    model: str
    prompt_tokens: int = 0
    latency_ms: int = 0
    calls: int = 0
    """Provider requests made (0 for the built-in model): each is a usage row."""


class Embedder(Protocol):
    model: str

    def embed(self, texts: list[str]) -> Embedded: ...


def normalised(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(blobs: list[bytes]) -> np.ndarray:
    """Stored vectors (all of one model, so one length) as one (n, dim) matrix."""
    if not blobs:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), -1)


class BuiltinEmbedder:
    """wordllama, loaded once per process on first use, from the package's own folder only."""

    model = BUILTIN_MODEL
    _lock = threading.Lock()
    _loaded: Any = None

    @classmethod
    def _load(cls) -> Any:
        if cls._loaded is None:
            with cls._lock:
                if cls._loaded is None:
                    import wordllama
                    from wordllama import WordLlama

                    folder = Path(wordllama.__file__).parent
                    started = time.monotonic()
                    cls._loaded = WordLlama.load(dim=BUILTIN_DIM, cache_dir=folder, disable_download=True)
                    log.info("loaded the built-in embeddings in %.2fs", time.monotonic() - started)
        return cls._loaded

    def embed(self, texts: list[str]) -> Embedded:
        if not texts:
            return Embedded(np.zeros((0, BUILTIN_DIM), dtype=np.float32), self.model)
        vectors = self._load().embed(texts, norm=False, batch_size=BUILTIN_BATCH)
        return Embedded(normalised(vectors), self.model)


_clients: dict[tuple[str, str], openai.OpenAI] = {}
_clients_lock = threading.Lock()


def _client(settings: Settings) -> openai.OpenAI:
    """One synchronous client (thread-safe, one connection pool) per provider and process."""
    key = (settings.openai_api_key or PLACEHOLDER_KEY, settings.openai_base_url or OPENAI_BASE_URL)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = openai.OpenAI(
                api_key=key[0], base_url=key[1], max_retries=0,
                timeout=openai.Timeout(settings.llm_timeout_seconds, connect=CONNECT_TIMEOUT),
            )
            _clients[key] = client
        return client


class ProviderEmbedder:
    """The provider's /v1/embeddings for `model`. Unavailable (a sentence people can read)
    when it fails for good, after `llm_max_retries` retries of transient failures."""

    def __init__(self, model: str, settings: Settings) -> None:
        self.model = model
        self._settings = settings

    def _request(self, batch: list[str]) -> tuple[np.ndarray, int]:
        client = _client(self._settings)
        retries = 0
        while True:
            try:
                response = client.embeddings.create(model=self.model, input=batch, encoding_format="float")
                ordered = sorted(response.data, key=lambda item: item.index)
                tokens = response.usage.prompt_tokens if response.usage is not None else 0
                return np.asarray([item.embedding for item in ordered], dtype=np.float32), tokens
            except Exception as error:
                if retries < self._settings.llm_max_retries and is_transient(error):
                    delay = retry_delay(error, retries)
                    retries += 1
                    log.info("embeddings call failed (%s), retry %d in %.1fs", type(error).__name__, retries, delay)
                    time.sleep(delay)
                    continue
                _, message = describe_error(error, model=self.model, settings=self._settings)
                log.warning("embeddings with %s failed: %s", self.model, message)
                raise Unavailable(message) from None

    def embed(self, texts: list[str]) -> Embedded:
        started = time.monotonic()
        parts: list[np.ndarray] = []
        tokens = calls = 0
        for start in range(0, len(texts), PROVIDER_BATCH):
            vectors, used = self._request([text or " " for text in texts[start : start + PROVIDER_BATCH]])
            parts.append(vectors)
            tokens += used
            calls += 1
        matrix = normalised(np.vstack(parts)) if parts else np.zeros((0, 0), dtype=np.float32)
        latency = int((time.monotonic() - started) * 1000)
        return Embedded(matrix, self.model, prompt_tokens=tokens, latency_ms=latency, calls=calls)


def current_model(settings: Settings | None = None) -> str:
    """The name the hub's vectors are made with now."""
    return (settings or get_settings()).embedding_model or BUILTIN_MODEL


def embedder(settings: Settings | None = None) -> Embedder:
    """The embedder of `current_model`; Unavailable when a provider model is set without a provider."""
    settings = settings or get_settings()
    if not settings.embedding_model:
        return BuiltinEmbedder()
    if not settings.model_provider_configured:
        raise Unavailable(f"NEUROCACHE_EMBEDDING_MODEL is set but {NO_PROVIDER_NOTICE[0].lower()}{NO_PROVIDER_NOTICE[1:]}")
    return ProviderEmbedder(settings.embedding_model, settings)
