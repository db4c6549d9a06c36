"""Configuration read from the environment, in one place: every other module asks
`get_settings()`, so the contract (README, docs/DEPLOY.md) lives here only."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
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
    """NEUROCACHE_MAX_UPLOAD_BYTES: the largest knowledge document accepted, and
    the largest upload request (all its files together, plus a little multipart
    overhead), refused with 413 before it is read (api/upload_guard.py)."""
    knowledge_max_chunks: int = 10_000
    """NEUROCACHE_KNOWLEDGE_MAX_CHUNKS: the most passages one knowledge document
    may be cut into (one database row and search-index entry each). The default
    fits any text file of the default upload size."""
    embedding_model: str | None = None
    """NEUROCACHE_EMBEDDING_MODEL: the provider's embedding model for knowledge
    retrieval (its /v1/embeddings, e.g. text-embedding-3-small or an Ollama model).
    Unset: the built-in wordllama-256, which needs no provider and no download.
    Changing it re-embeds every passage in the background; full text works meanwhile."""
    knowledge_zip_max_bytes: int = 50 * 1024 * 1024
    """NEUROCACHE_KNOWLEDGE_ZIP_MAX_BYTES: the largest .zip of knowledge documents accepted
    (compressed); each file in it is still held to NEUROCACHE_MAX_UPLOAD_BYTES."""
    knowledge_zip_max_files: int = 20_000
    """NEUROCACHE_KNOWLEDGE_ZIP_MAX_FILES: the most entries one .zip may list."""
    knowledge_zip_max_unpacked_bytes: int = 500 * 1024 * 1024
    """NEUROCACHE_KNOWLEDGE_ZIP_MAX_UNPACKED_BYTES: the most one .zip may unpack to, all files together."""
    crawl_max_depth: int = 3
    """NEUROCACHE_CRAWL_MAX_DEPTH: the deepest link level "Add from the web" may follow."""
    crawl_max_pages: int = 200
    """NEUROCACHE_CRAWL_MAX_PAGES: the most pages one crawl may add."""
    pdf_max_pages: int = 500
    """NEUROCACHE_PDF_MAX_PAGES: the most pages read from one PDF (core/pdf_text.py);
    a longer knowledge document is refused."""
    pdf_max_chars: int = 1_000_000
    """NEUROCACHE_PDF_MAX_CHARS: the most characters of text taken from one PDF.
    A few kilobytes of compressed PDF can hold megabytes of text that take
    seconds per megabyte to parse; reading stops here (a knowledge document
    with more is refused)."""
    pdf_timeout_seconds: float = 20.0
    """NEUROCACHE_PDF_TIMEOUT_SECONDS: wall-clock time (waiting for a parse process
    included) after which a PDF's parse is killed and the file refused."""
    pdf_cpu_seconds: int = 10
    """NEUROCACHE_PDF_CPU_SECONDS: CPU time one PDF's parse may use (RLIMIT_CPU)."""
    pdf_memory_mb: int = 512
    """NEUROCACHE_PDF_MEMORY_MB: memory (address space, RLIMIT_AS) one PDF's parse may
    add to its parse process (infra/parse_pool.py), the document itself included."""
    rate_limit: str = "60/minute"
    """NEUROCACHE_RATE_LIMIT: requests each API key may make, in the `limits`
    package's notation: "60/minute", or several limits at once such as
    "60/minute;1000/day". A moving window: the whole amount may be spent in a
    burst, and each request counts for one window length."""
    api_max_body_bytes: int = 1024 * 1024
    """NEUROCACHE_API_MAX_BODY_BYTES: the largest API request body accepted (413 above)."""
    user_rate_limit: str = "600/minute"
    """NEUROCACHE_USER_RATE_LIMIT: API requests one user may make across all
    their keys (same notation as NEUROCACHE_RATE_LIMIT), so creating more keys
    does not buy more throughput."""
    invalid_key_rate_limit: str = "30/minute"
    """NEUROCACHE_INVALID_KEY_RATE_LIMIT: API requests with an unknown, revoked,
    expired or malformed key allowed per client IP; above it, 429 instead of
    401. Valid keys from the same IP are not affected."""
    signup_rate_limit: str = "10/hour"
    """NEUROCACHE_SIGNUP_RATE_LIMIT: sign-up attempts (that pass the form checks)
    allowed per client IP."""
    login_failures_per_account: str = "10/15 minutes"
    """NEUROCACHE_LOGIN_FAILURES_PER_ACCOUNT: failed log-ins for one email after
    which every log-in for it, even with the right password, is refused until
    the oldest of those failures leaves the window (after a burst: the whole
    window). Unknown emails count the same, so the lock reveals nothing."""
    login_failures_per_ip: str = "30/15 minutes"
    """NEUROCACHE_LOGIN_FAILURES_PER_IP: failed log-ins from one client IP, for
    any emails, after which log-ins from that IP are refused the same way."""
    max_keys_per_user: int = 50
    """NEUROCACHE_MAX_KEYS_PER_USER: active (not revoked, not expired) API keys
    one user may hold; creating another is refused until one is revoked."""
    max_calls_per_message: int = 12
    """NEUROCACHE_MAX_CALLS_PER_MESSAGE: the most model calls one person's message
    may set off in a channel, across every agent that answers it and every agent
    those answers mention (breadth and depth together). Bounds what one message
    can spend however the channel's agents are set up; a notice says when it ran out."""
    max_agents_per_channel: int = 10
    """NEUROCACHE_MAX_AGENTS_PER_CHANNEL: the most agents one channel may have.
    Each agent can be one more model call per message (and per collective query)."""
    user_model_calls_per_hour: int | None = None
    """NEUROCACHE_USER_MODEL_CALLS_PER_HOUR: model calls made on one person's behalf
    per hour (channel replies they started, Try it, API completions, each agent of
    a collective query). Unset: no quota. Shared by all workers through Redis."""
    allowed_models: tuple[str, ...] = ()
    """NEUROCACHE_ALLOWED_MODELS: comma-separated model names agents may use, so a
    hub on a paid provider cannot be pointed at its most expensive models. Empty:
    any model. Checked when an agent is saved and again before every call."""
    cors_origins: tuple[str, ...] = ()
    """NEUROCACHE_CORS_ORIGINS: comma-separated origins (scheme://host[:port]) other
    than the hub's own whose pages may call the hub from a browser: the API with
    CORS, the live connection (websocket) with its Origin check. Empty (default):
    only the hub's own pages. "*" is refused, since the hub's session cookie would
    then be usable by any site's script."""
    agent_max_steps: int = 6
    """NEUROCACHE_AGENT_MAX_STEPS: model calls one reply may make while it uses tools;
    the last one may not call tools, so every reply ends with text."""
    tool_timeout_seconds: float = 20.0
    """NEUROCACHE_TOOL_TIMEOUT_SECONDS: one tool call's limit; a slower tool's result is an error the model sees."""
    tool_output_chars: int = 8000
    """NEUROCACHE_TOOL_OUTPUT_CHARS: a tool's output is cut to this before the model sees it."""
    searxng_url: str | None = None
    """NEUROCACHE_SEARXNG_URL: a SearXNG instance for web_search; unset: the keyless `ddgs` package."""
    fetch_allowed_hosts: tuple[str, ...] = ()
    """NEUROCACHE_FETCH_ALLOWED_HOSTS: host:port pairs fetch_url may reach although
    they resolve to private or loopback addresses (an intranet wiki, a test server)."""
    fetch_max_bytes: int = 2 * 1024 * 1024
    """NEUROCACHE_FETCH_MAX_BYTES: the most the hub reads of any one response from outside
    (a page for fetch_url, a search answer, one MCP message), counted as it arrives and
    again after decompression (infra/web/transport.py)."""
    tool_calls_per_step: int = 4
    """NEUROCACHE_TOOL_CALLS_PER_STEP: tool calls one model answer may start at once; the
    model is told the rest were not run, so it can ask again in its next step."""
    tool_calls_per_reply: int = 16
    """NEUROCACHE_TOOL_CALLS_PER_REPLY: tool calls one reply may run over all its steps."""
    parse_workers: int = 2
    """NEUROCACHE_PARSE_WORKERS: processes that parse pages, PDFs and images at once per
    worker (infra/parse_pool.py); more parses wait their turn within their time limit."""
    parse_memory_mb: int = 768
    """NEUROCACHE_PARSE_MEMORY_MB: memory one page or image parse may add to its parse
    process (PDFs have NEUROCACHE_PDF_MEMORY_MB); past it the parse fails as too costly."""
    db_pool_size: int = 10
    """NEUROCACHE_DB_POOL_SIZE: Postgres connections each worker process keeps open between
    uses; bursts open up to 20 more, closed after use. Mind Postgres' max_connections
    (100 by default) times the worker processes of every host."""
    db_threads: int = 16
    """NEUROCACHE_DB_THREADS: threads per worker for database and Redis calls (the event
    loop's default executor, infra/threads.py); nothing slow is allowed to use them."""
    eval_concurrency: int = 10
    """NEUROCACHE_EVAL_CONCURRENCY: cases one evaluation run answers at once (each is a
    model call in flight; the run's owner's hourly quota still counts every one)."""
    media_max_mb: int = 200
    """NEUROCACHE_MEDIA_MAX_MB: the largest video or audio file a member may attach, in MB."""
    media_max_minutes: int = 20
    """NEUROCACHE_MEDIA_MAX_MINUTES: the longest video or audio accepted; longer ones are refused."""
    media_frames: int = 32
    """NEUROCACHE_MEDIA_FRAMES: the most frames of one video an agent is shown (chosen by scene change)."""
    file_max_mb: int = 50
    """NEUROCACHE_FILE_MAX_MB: the largest file of any kind (PDF, zip, CSV …) a member may attach, in MB."""
    transcription_model: str | None = None
    """NEUROCACHE_TRANSCRIPTION_MODEL: the provider's speech-to-text model (`whisper-1`,
    `gpt-4o-mini-transcribe`) for voice messages and the sound of videos; unset: media
    still plays and agents are told there is no transcript."""
    model_prices: tuple[tuple[str, float, float], ...] = ()
    """NEUROCACHE_MODEL_PRICES: USD per million prompt and completion tokens, per model,
    as `model=prompt/completion` separated by commas (`gpt-4o-mini=0.15/0.6`); the cost
    an evaluation shows and its `max_cost_usd` checks read. Unpriced models: cost unknown."""
    smtp_url: str | None = None  # NEUROCACHE_SMTP_URL smtp://[user:pass@]host[:port] (smtps:// for TLS); unset: no e-mail
    email_delay_minutes: int = 10  # NEUROCACHE_EMAIL_DELAY_MINUTES: a mention or DM unseen this long is e-mailed
    email_from: str = "Neurocache <noreply@localhost>"  # NEUROCACHE_EMAIL_FROM: the mails' From
    public_url: str = ""  # NEUROCACHE_PUBLIC_URL: the hub's address in e-mails' links; unset: http://localhost:PORT

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

        def rule(name: str, default: str) -> str:
            return _rate_limit(name, text(name) or default)

        database_url = text("DATABASE_URL") or DEFAULT_DATABASE_URL
        if database_url.startswith("postgres://") or database_url.startswith("postgresql://"):
            # Hosting providers hand out libpq-style URLs; SQLAlchemy needs the driver named.
            database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
        redis_url = text("REDIS_URL")
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise SettingsError(f"REDIS_URL must start with redis://, rediss:// or unix://, got {redis_url!r}")
        if (smtp_url := text("NEUROCACHE_SMTP_URL")) and not smtp_url.startswith(("smtp://", "smtps://")):
            raise SettingsError(f"NEUROCACHE_SMTP_URL must start with smtp:// or smtps://, got {smtp_url!r}")
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
            knowledge_max_chunks=whole("NEUROCACHE_KNOWLEDGE_MAX_CHUNKS", 10_000, 1_000_000),
            embedding_model=text("NEUROCACHE_EMBEDDING_MODEL"),
            transcription_model=text("NEUROCACHE_TRANSCRIPTION_MODEL"),
            media_max_mb=whole("NEUROCACHE_MEDIA_MAX_MB", 200, 10_240),
            media_max_minutes=whole("NEUROCACHE_MEDIA_MAX_MINUTES", 20, 600),
            media_frames=whole("NEUROCACHE_MEDIA_FRAMES", 32, 256),
            file_max_mb=whole("NEUROCACHE_FILE_MAX_MB", 50, 10_240),
            knowledge_zip_max_bytes=whole("NEUROCACHE_KNOWLEDGE_ZIP_MAX_BYTES", 50 * 1024 * 1024, 2 * 1024**3, minimum=1024),
            knowledge_zip_max_files=whole("NEUROCACHE_KNOWLEDGE_ZIP_MAX_FILES", 20_000, 1_000_000, minimum=1),
            knowledge_zip_max_unpacked_bytes=whole(
                "NEUROCACHE_KNOWLEDGE_ZIP_MAX_UNPACKED_BYTES", 500 * 1024 * 1024, 20 * 1024**3, minimum=1024
            ),
            crawl_max_depth=whole("NEUROCACHE_CRAWL_MAX_DEPTH", 3, 10, minimum=0),
            crawl_max_pages=whole("NEUROCACHE_CRAWL_MAX_PAGES", 200, 10_000, minimum=1),
            pdf_max_pages=whole("NEUROCACHE_PDF_MAX_PAGES", 500, 100_000),
            pdf_max_chars=whole("NEUROCACHE_PDF_MAX_CHARS", 1_000_000, 100_000_000),
            pdf_timeout_seconds=positive_float("NEUROCACHE_PDF_TIMEOUT_SECONDS", 20.0, 600.0),
            pdf_cpu_seconds=whole("NEUROCACHE_PDF_CPU_SECONDS", 10, 600),
            pdf_memory_mb=whole("NEUROCACHE_PDF_MEMORY_MB", 512, 65_536, minimum=128),
            rate_limit=rule("NEUROCACHE_RATE_LIMIT", "60/minute"),
            api_max_body_bytes=whole("NEUROCACHE_API_MAX_BODY_BYTES", 1024 * 1024, 100 * 1024 * 1024),
            user_rate_limit=rule("NEUROCACHE_USER_RATE_LIMIT", "600/minute"),
            invalid_key_rate_limit=rule("NEUROCACHE_INVALID_KEY_RATE_LIMIT", "30/minute"),
            signup_rate_limit=rule("NEUROCACHE_SIGNUP_RATE_LIMIT", "10/hour"),
            login_failures_per_account=rule("NEUROCACHE_LOGIN_FAILURES_PER_ACCOUNT", "10/15 minutes"),
            login_failures_per_ip=rule("NEUROCACHE_LOGIN_FAILURES_PER_IP", "30/15 minutes"),
            max_keys_per_user=whole("NEUROCACHE_MAX_KEYS_PER_USER", 50, 10_000),
            max_calls_per_message=whole("NEUROCACHE_MAX_CALLS_PER_MESSAGE", 12, 1000),
            max_agents_per_channel=whole("NEUROCACHE_MAX_AGENTS_PER_CHANNEL", 10, 1000),
            user_model_calls_per_hour=(
                whole("NEUROCACHE_USER_MODEL_CALLS_PER_HOUR", 0, 1_000_000)
                if text("NEUROCACHE_USER_MODEL_CALLS_PER_HOUR")
                else None
            ),
            allowed_models=_allowed_models(
                text("NEUROCACHE_ALLOWED_MODELS") or "", text("NEUROCACHE_DEFAULT_MODEL") or DEFAULT_MODEL
            ),
            cors_origins=_origins(text("NEUROCACHE_CORS_ORIGINS") or ""),
            agent_max_steps=whole("NEUROCACHE_AGENT_MAX_STEPS", 6, 50),
            tool_timeout_seconds=positive_float("NEUROCACHE_TOOL_TIMEOUT_SECONDS", 20.0, 600.0),
            tool_output_chars=whole("NEUROCACHE_TOOL_OUTPUT_CHARS", 8000, 200_000, minimum=100),
            searxng_url=(text("NEUROCACHE_SEARXNG_URL") or "").rstrip("/") or None,
            fetch_allowed_hosts=tuple(
                h.strip().lower() for h in (text("NEUROCACHE_FETCH_ALLOWED_HOSTS") or "").split(",") if h.strip()
            ),
            fetch_max_bytes=whole("NEUROCACHE_FETCH_MAX_BYTES", 2 * 1024 * 1024, 100 * 1024 * 1024, minimum=1024),
            tool_calls_per_step=whole("NEUROCACHE_TOOL_CALLS_PER_STEP", 4, 64),
            tool_calls_per_reply=whole("NEUROCACHE_TOOL_CALLS_PER_REPLY", 16, 1000),
            parse_workers=whole("NEUROCACHE_PARSE_WORKERS", 2, 64),
            parse_memory_mb=whole("NEUROCACHE_PARSE_MEMORY_MB", 768, 65_536, minimum=128),
            db_pool_size=whole("NEUROCACHE_DB_POOL_SIZE", 10, 100),
            db_threads=whole("NEUROCACHE_DB_THREADS", 16, 256, minimum=2),
            eval_concurrency=whole("NEUROCACHE_EVAL_CONCURRENCY", 10, 256),
            model_prices=_prices(text("NEUROCACHE_MODEL_PRICES") or ""),
            smtp_url=smtp_url, email_from=text("NEUROCACHE_EMAIL_FROM") or cls.email_from,
            email_delay_minutes=whole("NEUROCACHE_EMAIL_DELAY_MINUTES", 10, 24 * 60),
            public_url=(text("NEUROCACHE_PUBLIC_URL") or f"http://localhost:{whole('PORT', 3000, 65535)}").rstrip("/"),
        )


def _rate_limit(name: str, value: str) -> str:
    """Checked at start-up, so a typo fails loudly instead of disabling limits."""
    from limits import parse_many

    try:
        if not parse_many(value):
            raise ValueError(value)
    except ValueError:
        raise SettingsError(
            f'{name} must look like "60/minute" or "60/minute;1000/day", got {value!r}'
        ) from None
    return value


def _allowed_models(value: str, default_model: str) -> tuple[str, ...]:
    """The allow-list must contain the default model: new agents and the
    collective's synthesis use it, and would otherwise all be refused."""
    models = tuple(dict.fromkeys(name.strip() for name in value.split(",") if name.strip()))
    if models and default_model not in models:
        raise SettingsError(
            f"NEUROCACHE_ALLOWED_MODELS must include NEUROCACHE_DEFAULT_MODEL ({default_model!r}), got {value!r}"
        )
    return models


def _prices(value: str) -> tuple[tuple[str, float, float], ...]:
    """`model=prompt/completion,…` in USD per million tokens; a typo fails at start-up."""
    prices = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        model, _, pair = item.rpartition("=")
        prompt, _, completion = pair.partition("/")
        try:
            price = (model.strip(), float(prompt), float(completion))
        except ValueError:
            price = ("", -1.0, -1.0)
        if not price[0] or price[1] < 0 or price[2] < 0:
            raise SettingsError(
                f"NEUROCACHE_MODEL_PRICES must look like gpt-4o-mini=0.15/0.6,other=1/2 (USD per million tokens), got {item!r}"
            )
        prices.append(price)
    return tuple(prices)


_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def _origins(value: str) -> tuple[str, ...]:
    """Browsers send an Origin as exactly scheme://host[:port], lower case, no
    path: anything else (a trailing slash, a path, "*") would never match or
    match too much, so it fails at start-up instead."""
    origins = tuple(dict.fromkeys(origin.strip().lower() for origin in value.split(",") if origin.strip()))
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise SettingsError(
                f"NEUROCACHE_CORS_ORIGINS must be origins like https://app.example.com, separated by commas, got {origin!r}"
            )
    return origins


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read once per process: workers are started with their environment fixed."""
    return Settings.from_env()
