"""Integration fixtures shared by the service tests."""

from __future__ import annotations

import pytest

from tests.integration.messaging_support import Stores, setup_stores


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings) -> Stores:
    """Each test twice: on Postgres + Redis, and on SQLite + the in-process cache and bus."""
    return setup_stores(request, use_settings, request.param)
