"""The models the agent form's Model field suggests: what the provider lists at
`GET /models`, narrowed to NEUROCACHE_ALLOWED_MODELS when that is set, with the
hub's default model always among them. The field still takes free text (servers
that list nothing, a model the list leaves out), so a suggestion list that could
not be fetched is only a shorter list, never an error on the page.

Lists are cached in the process per provider base URL: a form opens often and
providers answer `/models` slowly or rate-limit it. A failure is cached too, but
briefly, so a provider that was down is asked again soon, and it is logged once
per attempt instead of on every form."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from neurocache_ui.domain.errors import Unavailable
from neurocache_ui.infra import llm
from neurocache_ui.infra.llm.client import OPENAI_BASE_URL
from neurocache_ui.settings import Settings, get_settings

log = logging.getLogger(__name__)

LIST_TTL_SECONDS = 600.0
"""How long a provider's list is reused before it is asked again."""
FAILURE_TTL_SECONDS = 30.0
"""How long a failed listing is remembered (the form offers the default model meanwhile)."""
LIST_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class _Listing:
    models: tuple[str, ...]
    expires: float


class ModelCatalog:
    """Provider model lists by base URL, each reused until it expires."""

    def __init__(
        self,
        *,
        ttl: float = LIST_TTL_SECONDS,
        failure_ttl: float = FAILURE_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.failure_ttl = failure_ttl
        self._clock = clock
        self._listings: dict[str, _Listing] = {}

    async def listed(self, settings: Settings) -> tuple[str, ...]:
        """What the provider lists (cached); () without a provider or while a failure is remembered."""
        if not settings.model_provider_configured:
            return ()
        base_url = settings.openai_base_url or OPENAI_BASE_URL
        now = self._clock()
        cached = self._listings.get(base_url)
        if cached is not None and cached.expires > now:
            return cached.models
        try:
            models, ttl = tuple(await llm.available_models(LIST_TIMEOUT_SECONDS)), self.ttl
        except Unavailable as error:
            log.warning("%s; the Model field offers the default model for %g s", error, self.failure_ttl)
            models, ttl = (), self.failure_ttl
        self._listings[base_url] = _Listing(models, self._clock() + ttl)
        return models

    async def choices(self, settings: Settings | None = None) -> list[str]:
        """The Model field's suggestions, sorted: the provider's list within the
        allow-list (the allow-list itself when the provider lists none of it), and
        the default model."""
        settings = settings or get_settings()
        listed = await self.listed(settings)
        allowed = settings.allowed_models
        if allowed:
            within = [model for model in listed if model in allowed]
            listed = tuple(within) if within else allowed
        return sorted({*listed, settings.default_model})


_catalog = ModelCatalog()


async def model_choices() -> list[str]:
    """The suggestions for the configured provider, from the process's catalog."""
    return await _catalog.choices()


__all__ = ["FAILURE_TTL_SECONDS", "LIST_TTL_SECONDS", "ModelCatalog", "model_choices"]
