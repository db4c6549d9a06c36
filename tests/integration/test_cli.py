"""`python -m neurocache_ui.cli user create`, run as a real process the way an
operator runs it, against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from neurocache_ui.services import auth
from neurocache_ui.settings import PROJECT_ROOT

PASSWORD = "analytical engine 1843"


def cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "neurocache_ui.cli", *args],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def create(database_url: str, email: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    return cli(database_url, "user", "create", "--email", email, "--password", password, "--name", "Ada Lovelace")


def test_user_create_then_duplicate(database: str) -> None:
    email = f"cli-{uuid.uuid4().hex}@example.com"
    first = create(database, email)
    assert first.returncode == 0, first.stderr
    assert email in first.stdout
    assert auth.authenticate(email, PASSWORD).email == email

    again = create(database, email.upper())
    assert again.returncode == 2
    assert again.stderr.strip() == "error: An account with this email already exists. Log in instead."
    assert again.stdout == ""


def test_user_create_refuses_a_weak_password(database: str) -> None:
    email = f"cli-{uuid.uuid4().hex}@example.com"
    result = create(database, email, password="short")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: Password must be at least 8 characters."
    assert "Traceback" not in result.stderr
