"""The configuration contract (DESIGN.md): every variable, its default, and the
errors a bad value produces. `Settings.from_env` is given explicit dicts so the
machine's own environment can never leak into these tests."""

from __future__ import annotations

import pytest

from neurocache_ui.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MODEL,
    PROJECT_ROOT,
    Settings,
    SettingsError,
)


def test_defaults_run_without_any_configuration() -> None:
    """`make run` with nothing set: SQLite in the project, no Redis, no provider."""
    settings = Settings.from_env({})
    assert settings.database_url == DEFAULT_DATABASE_URL == f"sqlite:///{PROJECT_ROOT / 'neurocache.db'}"
    assert settings.is_sqlite
    assert settings.redis_url is None
    assert settings.port == 3000
    assert settings.openai_api_key is None and settings.openai_base_url is None
    assert not settings.model_provider_configured
    assert settings.default_model == DEFAULT_MODEL and DEFAULT_MODEL
    assert settings.retention_days == 30


def test_blank_values_count_as_unset() -> None:
    """`VAR=` in an env file must not turn into an empty URL or key."""
    blank = {name: "  " for name in ("DATABASE_URL", "REDIS_URL", "PORT", "OPENAI_API_KEY", "OPENAI_BASE_URL",
                                      "NEUROCACHE_DEFAULT_MODEL", "NEUROCACHE_RETENTION_DAYS")}
    assert Settings.from_env(blank) == Settings.from_env({})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/hub", "postgresql+psycopg://u:p@db:5432/hub"),
        ("postgresql://u:p@db/hub?sslmode=require", "postgresql+psycopg://u:p@db/hub?sslmode=require"),
        ("postgresql+psycopg://u@127.0.0.1/hub", "postgresql+psycopg://u@127.0.0.1/hub"),
        ("sqlite:////tmp/hub.db", "sqlite:////tmp/hub.db"),
    ],
)
def test_database_url_gets_the_psycopg_driver(given: str, expected: str) -> None:
    """Hosting providers hand out libpq URLs; SQLAlchemy would pick psycopg2, which we do not ship."""
    settings = Settings.from_env({"DATABASE_URL": given})
    assert settings.database_url == expected
    assert settings.is_sqlite == expected.startswith("sqlite")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example.com:6380", "unix:///run/redis.sock"])
def test_redis_url_accepted(url: str) -> None:
    assert Settings.from_env({"REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize("url", ["127.0.0.1:6379", "http://127.0.0.1:6379", "localhost"])
def test_redis_url_without_a_redis_scheme_is_refused(url: str) -> None:
    """A typo must fail at start-up, not when the first message is cached."""
    with pytest.raises(SettingsError, match="REDIS_URL"):
        Settings.from_env({"REDIS_URL": url})


def test_port() -> None:
    assert Settings.from_env({"PORT": "8080"}).port == 8080


def test_model_provider_settings() -> None:
    """A key alone or a base URL alone (local servers often need no key) enables the provider."""
    with_key = Settings.from_env({"OPENAI_API_KEY": "sk-test"})
    assert with_key.openai_api_key == "sk-test" and with_key.model_provider_configured
    local = Settings.from_env({"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"})
    assert local.openai_base_url == "http://127.0.0.1:11434/v1" and local.model_provider_configured
    assert local.openai_api_key is None


def test_default_model_and_retention() -> None:
    settings = Settings.from_env({"NEUROCACHE_DEFAULT_MODEL": "llama3.1:8b", "NEUROCACHE_RETENTION_DAYS": "7"})
    assert settings.default_model == "llama3.1:8b"
    assert settings.retention_days == 7


@pytest.mark.parametrize("name", ["PORT", "NEUROCACHE_RETENTION_DAYS"])
@pytest.mark.parametrize("value", ["abc", "3.5", "0", "-1", "99999999"])
def test_bad_numbers_name_the_variable(name: str, value: str) -> None:
    """The operator must learn which variable to fix from the message alone."""
    with pytest.raises(SettingsError, match=name) as caught:
        Settings.from_env({name: value})
    assert isinstance(caught.value, ValueError)


def test_settings_are_immutable() -> None:
    """Settings are read once per process; nothing may change them behind a worker's back."""
    settings = Settings.from_env({})
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]
