"""Accounts and sessions on real Postgres and SQLite (`database` runs each test on both)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.services import auth
from neurocache_ui.services.auth import AuthError, CurrentUser
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import utcnow

PASSWORD = "analytical engine 1843"


def new_email() -> str:
    return f"ada-{uuid.uuid4().hex}@example.com"


def make_user(email: str | None = None) -> CurrentUser:
    return auth.create_user(name="Ada Lovelace", email=email or new_email(), password=PASSWORD)


def test_create_user_normalises_and_hashes(database: str) -> None:
    email = new_email()
    user = auth.create_user(name="  Ada   Lovelace ", email=f"  {email.upper()} ", password=PASSWORD)
    assert user.id > 0 and user.name == "Ada Lovelace" and user.email == email
    with get_engine().connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM user_account WHERE id = :id"), {"id": user.id}).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_duplicate_email_is_refused_case_insensitively(database: str) -> None:
    email = new_email()
    make_user(email)
    with pytest.raises(AuthError) as caught:
        auth.create_user(name="Someone Else", email=email.upper(), password="another fine passphrase")
    assert caught.value.field == "email"
    assert str(caught.value) == "An account with this email already exists. Log in instead."


@pytest.mark.parametrize(
    ("name", "email", "password", "field"),
    [
        ("Ada", "ada-weak@example.com", "short", "password"),
        ("Ada", "ada-common@example.com", "password123", "password"),
        ("", "ada-noname@example.com", PASSWORD, "name"),
        ("Ada", "not-an-email", PASSWORD, "email"),
    ],
)
def test_invalid_sign_up_names_the_field_and_stores_nothing(database: str, name: str, email: str, password: str, field: str) -> None:
    email = email.replace("@", f"-{uuid.uuid4().hex[:8]}@")
    with pytest.raises(AuthError) as caught:
        auth.create_user(name=name, email=email, password=password)
    assert caught.value.field == field and str(caught.value)
    with get_engine().connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM user_account WHERE email = :e"), {"e": email}).scalar_one() == 0


def test_authenticate(database: str) -> None:
    email = new_email()
    user = make_user(email)
    assert auth.authenticate(email, PASSWORD) == user
    assert auth.authenticate(f" {email.upper()} ", PASSWORD) == user


def test_wrong_password_and_unknown_email_are_indistinguishable(database: str) -> None:
    """The same message (and no field) either way, so the form cannot be used to find accounts."""
    email = new_email()
    make_user(email)
    with pytest.raises(AuthError) as wrong_password:
        auth.authenticate(email, PASSWORD + "!")
    with pytest.raises(AuthError) as unknown_email:
        auth.authenticate(new_email(), PASSWORD)
    assert str(wrong_password.value) == str(unknown_email.value) == "Email or password is incorrect."
    assert wrong_password.value.field is unknown_email.value.field is None


def test_session_lifecycle(database: str) -> None:
    user = make_user()
    token = auth.start_session(user.id)
    other = auth.start_session(user.id)
    assert token != other and len(token) >= 40
    assert auth.user_for_session(token) == user
    auth.end_session(token)
    assert auth.user_for_session(token) is None
    assert auth.user_for_session(other) == user, "logging out one browser must not end the others"
    assert auth.user_for_session(token + "x") is None


def test_expired_session_resolves_to_nobody(database: str) -> None:
    user = make_user()
    token = auth.start_session(user.id)
    with get_engine().begin() as conn:
        conn.execute(
            sa.text("UPDATE auth_session SET expires_at = :past WHERE user_id = :id"),
            {"past": utcnow() - timedelta(seconds=1), "id": user.id},
        )
    assert auth.user_for_session(token) is None
    assert auth.purge_expired_sessions() >= 1
    with get_engine().connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM auth_session WHERE user_id = :id"), {"id": user.id}).scalar_one() == 0


def test_database_stores_only_a_hash_of_the_token(database: str) -> None:
    """A leaked auth_session table must not contain anything a browser could present."""
    user = make_user()
    token = auth.start_session(user.id)
    with get_engine().connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM auth_session WHERE user_id = :id"), {"id": user.id}).mappings().all()
    assert len(rows) == 1
    dump = repr([dict(row) for row in rows])
    assert token not in dump
    assert auth._token_hash(token) in dump
