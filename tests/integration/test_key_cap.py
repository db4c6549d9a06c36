"""The cap on active API keys per user (NEUROCACHE_MAX_KEYS_PER_USER), on Postgres
and SQLite, through services/api_keys.py (the hub's keys page) and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import api_keys, auth
from neurocache_ui.settings import PROJECT_ROOT
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import ApiKey, utcnow
from tests.integration.messaging_support import make_user

CAP_REACHED = (
    "You already have 3 active API keys, the most allowed (3). Revoke a key you no longer use, then create the new one."
)


def test_the_cap_counts_active_keys_only(database: str, use_settings) -> None:
    use_settings(NEUROCACHE_MAX_KEYS_PER_USER="3")
    user, other = make_user(), make_user("Bob")
    keys = [api_keys.create_key(user, f"key {n}")[1] for n in range(3)]
    with pytest.raises(Invalid) as caught:
        api_keys.create_key(user, "one too many")
    assert str(caught.value) == CAP_REACHED and caught.value.field == "name"
    assert len(api_keys.list_keys(user)) == 3  # nothing was stored
    api_keys.create_key(other, "mine")  # per user

    api_keys.revoke_key(user, keys[0].id)  # a revoked key frees its place
    secret, _ = api_keys.create_key(user, "replacement")
    assert api_keys.authenticate(secret) is not None
    with pytest.raises(Invalid, match="the most allowed"):
        api_keys.create_key(user, "still too many")


def test_expired_keys_do_not_count(database: str, use_settings) -> None:
    use_settings(NEUROCACHE_MAX_KEYS_PER_USER="1")
    user = make_user()
    _, key = api_keys.create_key(user, "short", utcnow() + timedelta(seconds=1))
    with pytest.raises(Invalid, match="the most allowed"):
        api_keys.create_key(user, "second")
    with session_scope() as session:  # let it expire without waiting
        row = session.get(ApiKey, key.id)
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    api_keys.create_key(user, "second")


def test_concurrent_creations_do_not_pass_the_cap(database: str, use_settings) -> None:
    use_settings(NEUROCACHE_MAX_KEYS_PER_USER="3")
    user = make_user()
    outcomes: list[str] = []

    def create(n: int) -> None:
        try:
            api_keys.create_key(user, f"racer {n}")
            outcomes.append("created")
        except Invalid:
            outcomes.append("refused")

    threads = [threading.Thread(target=create, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] * 3 + ["refused"] * 3
    assert len(api_keys.list_keys(user)) == 3


def test_a_deleted_user_gets_not_found(database: str) -> None:
    with pytest.raises(NotFound, match="Account not found"):
        api_keys.create_key(2**31 - 7, "ghost")


def test_the_cli_shows_the_cap(database: str) -> None:
    email = f"cap-{uuid.uuid4().hex}@example.com"
    auth.create_user(name="Ada Lovelace", email=email, password="analytical engine 1843")
    env = {**os.environ, "DATABASE_URL": database, "NEUROCACHE_MAX_KEYS_PER_USER": "1"}
    env.pop("REDIS_URL", None)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "neurocache_ui.cli", "key", "create", "--email", email, "--name", "deploy"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
        )

    assert run().returncode == 0
    refused = run()
    assert refused.returncode == 2 and "the most allowed (1)" in refused.stderr and refused.stdout == ""
