"""The provider connection: any OpenAI-compatible server through the official client.

A base URL alone is enough (Ollama, vLLM and other local servers need no key);
with neither OPENAI_API_KEY nor OPENAI_BASE_URL there is no provider at all."""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from urllib.parse import urlsplit

import openai
from openai import AsyncOpenAI

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
PLACEHOLDER_KEY = "not-needed"  # the client insists on a key; local servers ignore it
CONNECT_TIMEOUT = 5.0
ERROR_DETAIL_MAX = 300
_SECRETS = re.compile(r"(?i)(sk|nck|key)[-_][A-Za-z0-9_\-*.]{6,}|bearer\s+\S+")

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)


def provider_configured(settings: Settings | None = None) -> bool:
    """True when OPENAI_API_KEY or OPENAI_BASE_URL is set."""
    return (settings or get_settings()).model_provider_configured


def client_for(settings: Settings) -> AsyncOpenAI:
    """One client (and connection pool) per event loop and provider: pools are
    bound to the loop that opened them."""
    loop = asyncio.get_running_loop()
    key = (settings.openai_api_key or PLACEHOLDER_KEY, settings.openai_base_url or OPENAI_BASE_URL)
    per_loop = _clients.setdefault(loop, {})
    client = per_loop.get(key)
    if client is None:
        client = AsyncOpenAI(
            api_key=key[0],
            base_url=key[1],
            max_retries=0,  # we retry ourselves, and never after the first token
            timeout=openai.Timeout(settings.llm_timeout_seconds, connect=CONNECT_TIMEOUT),
        )
        per_loop[key] = client
    return client


def provider_host(settings: Settings | None = None) -> str:
    """Where the provider lives, without any credentials a URL might carry."""
    parts = urlsplit((settings or get_settings()).openai_base_url or OPENAI_BASE_URL)
    host = parts.hostname or "the configured address"
    return f"{host}:{parts.port}" if parts.port else host


def scrub(text: str, settings: Settings | None = None) -> str:
    """Remove anything that looks like a credential from text we show or log."""
    settings = settings or get_settings()
    if settings.openai_api_key:
        text = text.replace(settings.openai_api_key, "[redacted]")
    text = _SECRETS.sub("[redacted]", text)
    return text if len(text) <= ERROR_DETAIL_MAX else text[: ERROR_DETAIL_MAX - 1] + "…"


async def available_models(timeout: float = 5.0) -> list[str]:
    """Model ids the provider offers (GET /models), sorted; [] without a provider.

    Unavailable (its message names the host, never a credential) when the provider
    could not say: callers tell "lists nothing" from "could not ask" (a picker
    retries the second sooner, services/provider_models.py)."""
    settings = get_settings()
    if not provider_configured(settings):
        return []
    try:
        async with asyncio.timeout(timeout):
            page = await client_for(settings).models.list()
            return sorted({model.id for model in page.data})
    except Exception as error:
        detail = scrub(str(error) or type(error).__name__, settings)
        raise Unavailable(f"Could not list the models of {provider_host(settings)}: {detail}") from None
