"""Session-token handling that needs no database: what is stored, and the
no-token paths every page load takes for logged-out visitors."""

from __future__ import annotations

import hashlib
import secrets

from neurocache_ui.services import auth
from neurocache_ui.store.models import AuthSession


def test_token_hash_is_sha256_and_fits_the_column() -> None:
    """The database keeps only this digest; its column holds exactly 64 characters."""
    token = secrets.token_urlsafe(32)
    digest = auth._token_hash(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in digest
    assert len(digest) == AuthSession.model_fields["token_hash"].metadata[0].max_length == 64
    assert auth._token_hash(token) == digest
    assert auth._token_hash(token + "x") != digest


def test_missing_token_is_nobody_without_a_database_round_trip() -> None:
    """Logged-out page loads (empty cookie) must not depend on the database at all."""
    assert auth.user_for_session(None) is None
    assert auth.user_for_session("") is None
    auth.end_session(None)
    auth.end_session("")


def test_email_normalisation() -> None:
    """Emails are compared case-insensitively and without stray spaces."""
    assert auth.normalize_email("  Ada.Lovelace@Example.COM ") == "ada.lovelace@example.com"


def test_login_failure_message_does_not_reveal_which_part_was_wrong() -> None:
    assert auth.LOGIN_FAILED == "Email or password is incorrect."
