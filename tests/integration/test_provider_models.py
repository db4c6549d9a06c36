"""The Model field's suggestions (services/provider_models.py) against the fake
provider over real HTTP: its list with the default model, cached per base URL for
the list TTL, a failure remembered only briefly (and logged, not raised), the
allow-list narrowing it, and no provider at all. Time is the catalog's own clock,
moved by the test instead of waited for."""

from __future__ import annotations

import logging

import pytest

from neurocache_ui.services.provider_models import FAILURE_TTL_SECONDS, LIST_TTL_SECONDS, ModelCatalog
from testkit.fake_provider import FakeOpenAIServer

KEY = "sk-test-AnotherSecretThatMustNotBeLogged42"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider(fake_provider: FakeOpenAIServer, use_settings) -> FakeOpenAIServer:
    use_settings(**fake_provider.env(KEY), NEUROCACHE_ALLOWED_MODELS=None, NEUROCACHE_DEFAULT_MODEL=None)
    return fake_provider


async def test_the_providers_models_with_the_default_cached_per_base_url(provider: FakeOpenAIServer, use_settings) -> None:
    clock = Clock()
    catalog = ModelCatalog(clock=clock)
    provider.configure(models=["zeta-large", "alpha-small", "alpha-small"])
    assert await catalog.choices() == ["alpha-small", "gpt-4o-mini", "zeta-large"]  # the default is always offered

    provider.configure(models=["beta-new"])
    clock.now += LIST_TTL_SECONDS - 1
    assert await catalog.choices() == ["alpha-small", "gpt-4o-mini", "zeta-large"]  # still cached
    assert provider.model_listings() == 1
    clock.now += 2
    assert await catalog.choices() == ["beta-new", "gpt-4o-mini"]
    assert provider.model_listings() == 2

    # Another base URL is another provider, with its own entry.
    use_settings(OPENAI_BASE_URL=provider.base_url.replace("127.0.0.1", "localhost"))
    assert await catalog.choices() == ["beta-new", "gpt-4o-mini"]
    assert provider.model_listings() == 3


async def test_a_failure_is_logged_and_retried_soon(provider: FakeOpenAIServer, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    catalog = ModelCatalog(clock=clock)
    provider.configure(models_fail_status=503)
    with caplog.at_level(logging.WARNING, logger="neurocache_ui.services.provider_models"):
        assert await catalog.choices() == ["gpt-4o-mini"]
    assert "Could not list the models of 127.0.0.1:" in caplog.text and KEY not in caplog.text

    provider.configure(models_fail_status=None)
    clock.now += FAILURE_TTL_SECONDS - 1
    assert await catalog.choices() == ["gpt-4o-mini"]  # the failure is remembered a little while
    assert provider.model_listings() == 1
    clock.now += 2
    assert await catalog.choices() == ["fake-model", "gpt-4o-mini"]
    assert provider.model_listings() == 2


async def test_the_allow_list_narrows_the_suggestions(provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(NEUROCACHE_ALLOWED_MODELS="gpt-4o-mini,fake-model,not-at-the-provider")
    provider.configure(models=["fake-model", "expensive-model", "gpt-4o-mini"])
    assert await ModelCatalog().choices() == ["fake-model", "gpt-4o-mini"]
    # A provider that lists none of them: the allow-list is the best suggestion there is.
    provider.configure(models=["expensive-model"])
    assert await ModelCatalog().choices() == ["fake-model", "gpt-4o-mini", "not-at-the-provider"]


async def test_without_a_provider_only_the_default_model(provider: FakeOpenAIServer, use_settings) -> None:
    use_settings(OPENAI_API_KEY=None, OPENAI_BASE_URL=None, NEUROCACHE_DEFAULT_MODEL="llama3.1")
    assert await ModelCatalog().choices() == ["llama3.1"]
    assert provider.model_listings() == 0
