"""Configuration read from the environment, in one place.

Every other module asks `get_settings()` instead of reading `os.environ`, so the
configuration contract (README, DESIGN.md) is enforced and documented here only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'neurocache.db'}"
DEFAULT_MODEL = "gpt-4o-mini"


class SettingsError(ValueError):
    """A configuration value is present but unusable; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    port: int = 3000
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    default_model: str = DEFAULT_MODEL
    retention_days: int = 30
    session_days: int = 30
    cache_window: int = 200
    """NEUROCACHE_CACHE_WINDOW: how many of a channel's newest messages the cache
    keeps. Opening a channel reads at most this many without touching the
    database; older pages always come from the database, so a bigger window only
    buys fewer database reads for long scroll-backs, at ~0.5 KB of cache per message."""
    cache_ttl_seconds: int = 7 * 24 * 3600
    """NEUROCACHE_CACHE_TTL_SECONDS: a channel's cached window expires after this
    long without being read or written (every access refreshes it), so channels
    nobody opens stop using cache memory. Default one week."""
    max_message_chars: int = 4000
    """NEUROCACHE_MAX_MESSAGE_CHARS: the longest chat message accepted (after
    trimming surrounding whitespace). Bounds what one post costs to store, cache,
    broadcast to every viewer and feed to agents."""
    llm_timeout_seconds: float = 60.0
    """NEUROCACHE_LLM_TIMEOUT_SECONDS: the longest one model reply may take from
    request to last token, retries included. A reply cut off by it keeps the
    text that arrived and is marked as timed out."""
    llm_first_token_timeout_seconds: float = 30.0
    """NEUROCACHE_LLM_FIRST_TOKEN_TIMEOUT_SECONDS: how long to wait for the
    provider's first token, and the longest silence allowed between tokens."""
    llm_max_retries: int = 3
    """NEUROCACHE_LLM_MAX_RETRIES: retries of a model call that failed with a
    transient error (HTTP 429/500/502/503/504, connection refused or reset),
    only ever before its first token, so streamed text is never repeated."""
    max_upload_bytes: int = 5 * 1024 * 1024
    """NEUROCACHE_MAX_UPLOAD_BYTES: the largest knowledge document accepted."""
    rate_limit: str = "60/minute"
    """NEUROCACHE_RATE_LIMIT: requests each API key may make, in the `limits`
    package's notation: "60/minute", or several limits at once such as
    "60/minute;1000/day". A moving window: the whole amount may be spent in a
    burst, and each request counts for one window length."""
    api_max_body_bytes: int = 1024 * 1024
    """NEUROCACHE_API_MAX_BODY_BYTES: the largest API request body accepted (413 above)."""

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def model_provider_configured(self) -> bool:
        """A base URL alone is enough: local servers (Ollama, vLLM) often need no key."""
        return bool(self.openai_api_key or self.openai_base_url)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env

        def text(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        def whole(name: str, default: int, maximum: int, minimum: int = 1) -> int:
            raw = text(name)
            if raw is None:
                return default
            try:
                value = int(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
            if not minimum <= value <= maximum:
                raise SettingsError(f"{name} must be between {minimum} and {maximum}, got {value}")
            return value

        def positive_float(name: str, default: float, maximum: float) -> float:
            raw = text(name)
            if raw is None:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number of seconds, got {raw!r}") from None
            if not 0 < value <= maximum:
                raise SettingsError(f"{name} must be more than 0 and at most {maximum:g}, got {raw}")
            return value

        database_url = text("DATABASE_URL") or DEFAULT_DATABASE_URL
        if database_url.startswith("postgres://") or database_url.startswith("postgresql://"):
            # Hosting providers hand out libpq-style URLs; SQLAlchemy needs the driver named.
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        redis_url = text("REDIS_URL")
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"REDIS_URL must start with redis://, rediss:// or unix://, got {redis_url!r}")
        return cls(
            database_url=database_url,
            redis_url=redis_url,
            port=whole("PORT", 3000, 65535),
            openai_api_key=text("OPENAI_API_KEY"),
            openai_base_url=text("OPENAI_BASE_URL"),
            default_model=text("NEUROCACHE_DEFAULT_MODEL") or DEFAULT_MODEL,
            retention_days=whole("NEUROCACHE_RETENTION_DAYS", 30, 36500),
            session_days=whole("NEUROCACHE_SESSION_DAYS", 30, 365),
            cache_window=whole("NEUROCACHE_CACHE_WINDOW", 200, 10_000),
            cache_ttl_seconds=whole("NEUROCACHE_CACHE_TTL_SECONDS", 7 * 24 * 3600, 365 * 24 * 3600),
            max_message_chars=whole("NEUROCACHE_MAX_MESSAGE_CHARS", 4000, 100_000),
            llm_timeout_seconds=positive_float("NEUROCACHE_LLM_TIMEOUT_SECONDS", 60.0, 3600.0),
            llm_first_token_timeout_seconds=positive_float("NEUROCACHE_LLM_FIRST_TOKEN_TIMEOUT_SECONDS", 30.0, 3600.0),
            llm_max_retries=whole("NEUROCACHE_LLM_MAX_RETRIES", 3, 10, minimum=0),
            max_upload_bytes=whole("NEUROCACHE_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, 100 * 1024 * 1024),
            rate_limit=_rate_limit(text("NEUROCACHE_RATE_LIMIT") or "60/minute"),
            api_max_body_bytes=whole("NEUROCACHE_API_MAX_BODY_BYTES", 1024 * 1024, 100 * 1024 * 1024),
        )


def _rate_limit(value: str) -> str:
    """Checked at start-up, so a typo fails loudly instead of disabling limits."""
    from limits import parse_many

    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise SettingsError(
            f'NEUROCACHE_RATE_LIMIT must look like "60/minute" or "60/minute;1000/day", got {value!r}'
        ) from None
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read once per process: workers are started with their environment fixed."""
    return Settings.from_env()
