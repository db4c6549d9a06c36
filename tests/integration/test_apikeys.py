"""services.api_keys on Postgres and SQLite: keys shown once, stored as a hash,
authenticated, revoked and expired; the CLI prints a working key."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.limits import KEY_NAME_MAX
from neurocache_ui.services import api_keys, auth
from neurocache_ui.settings import PROJECT_ROOT
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import utcnow
from tests.integration.messaging_support import make_user


def _row(key_id: int) -> dict:
    with get_engine().connect() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM api_key WHERE id = :id"), {"id": key_id}).mappings().one())


def test_create_returns_the_secret_once_and_stores_its_hash(database: str) -> None:
    user = make_user()
    secret, key = api_keys.create_key(user, "  ci   pipeline ")
    assert secret.startswith("nck_") and len(secret) == 4 + 43 and api_keys.looks_like_key(secret)
    assert key.name == "ci pipeline" and key.status == "active" and secret.startswith(key.prefix)
    row = _row(key.id)
    assert row["key_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert not any(secret in str(value) for value in row.values())
    assert "nck_" + secret[4:] not in repr(api_keys.list_keys(user))
    assert {k.id for k in api_keys.list_keys(user)} == {key.id}
    other_secret, _ = api_keys.create_key(user, "second")
    assert other_secret != secret and [k.name for k in api_keys.list_keys(user)] == ["second", "ci pipeline"]


def test_authenticate(database: str) -> None:
    user = make_user()
    secret, key = api_keys.create_key(user, "app")
    assert api_keys.authenticate(secret) == api_keys.KeyContext(user_id=user, key_id=key.id)
    for wrong in (None, "", "nck_", secret[:-1], secret + "x", secret.replace("nck_", "sk-_"), "nck_" + "A" * 43):
        assert api_keys.authenticate(wrong) is None


def test_last_used_is_written_at_most_once_a_minute(database: str) -> None:
    user = make_user()
    secret, key = api_keys.create_key(user, "app")
    api_keys.authenticate(secret)
    first = _row(key.id)["last_used_at"]
    assert first is not None
    api_keys.authenticate(secret)
    assert _row(key.id)["last_used_at"] == first  # no write within the minute
    with get_engine().begin() as conn:
        conn.execute(sa.text("UPDATE api_key SET last_used_at = :t WHERE id = :id"), {"t": utcnow() - timedelta(minutes=2), "id": key.id})
    api_keys.authenticate(secret)
    assert api_keys.list_keys(user)[0].last_used_at > utcnow() - timedelta(seconds=30)


def test_revoke(database: str) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    secret, key = api_keys.create_key(ada, "app")
    with pytest.raises(NotFound):
        api_keys.revoke_key(bob, key.id)  # not Bob's
    assert api_keys.authenticate(secret) is not None
    revoked = api_keys.revoke_key(ada, key.id)
    assert revoked.status == "revoked" and revoked.revoked_at is not None
    assert api_keys.authenticate(secret) is None
    assert api_keys.revoke_key(ada, key.id).revoked_at == revoked.revoked_at  # idempotent
    with pytest.raises(NotFound):
        api_keys.revoke_key(ada, 999_999)


def test_expiry(database: str) -> None:
    user = make_user()
    with pytest.raises(Invalid):
        api_keys.create_key(user, "past", utcnow() - timedelta(seconds=1))
    with pytest.raises(Invalid):
        api_keys.create_key(user, "naive", utcnow().replace(tzinfo=None) + timedelta(days=1))
    with pytest.raises(Invalid):
        api_keys.create_key(user, "   ")
    secret, key = api_keys.create_key(user, "soon", utcnow() + timedelta(days=1))
    assert api_keys.authenticate(secret) is not None
    with get_engine().begin() as conn:
        conn.execute(sa.text("UPDATE api_key SET expires_at = :t WHERE id = :id"), {"t": utcnow() - timedelta(seconds=1), "id": key.id})
    assert api_keys.authenticate(secret) is None
    assert api_keys.list_keys(user)[0].status == "expired"


def test_concurrent_authentication(database: str) -> None:
    user = make_user()
    secret, _ = api_keys.create_key(user, "busy")
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(api_keys.authenticate(secret))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and all(r is not None for r in results)


def test_cli_key_create_prints_the_key_last(database: str) -> None:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    auth.create_user(name="Ada Lovelace", email=email, password="analytical engine 1843")
    env = {**os.environ, "DATABASE_URL": database}
    env.pop("REDIS_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "neurocache_ui.cli", "key", "create", "--email", email, "--name", "deploy"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    secret = done.stdout.strip().splitlines()[-1]
    context = api_keys.authenticate(secret)
    assert context is not None and [k.name for k in api_keys.list_keys(context.user_id)] == ["deploy"]
    missing = subprocess.run(
        [sys.executable, "-m", "neurocache_ui.cli", "key", "create", "--email", "nobody@example.com", "--name", "x"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert missing.returncode == 2 and "No account" in missing.stderr


def test_member_channel_id_for_the_api(database: str) -> None:
    """The API's one-probe membership check (autocommit) on both databases."""
    from neurocache_ui.services import channels

    ada, bob = make_user("Ada"), make_user("Bob")
    channel = channels.create_channel(ada, name="Ops")
    assert channels.member_channel_id(channel.slug, ada) == channel.id
    assert channels.member_channel_id(channel.id, ada) == channel.id
    for slug, user in ((channel.slug, bob), ("no-such-channel", ada)):
        with pytest.raises(NotFound):
            channels.member_channel_id(slug, user)


def test_expiry_after_days() -> None:
    assert api_keys.expiry_after(None) is None and api_keys.expiry_after(0) is None
    soon = api_keys.expiry_after(7)
    assert soon is not None and abs(soon - (utcnow() + timedelta(days=7))) < timedelta(seconds=5)


def test_key_names_are_limited_by_the_column(database: str) -> None:
    user = make_user()
    _, key = api_keys.create_key(user, "k" * KEY_NAME_MAX)
    assert len(key.name) == KEY_NAME_MAX
    with pytest.raises(Invalid) as caught:
        api_keys.create_key(user, "k" * (KEY_NAME_MAX + 1))
    assert caught.value.field == "name" and str(KEY_NAME_MAX) in str(caught.value)
