"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import pytest

from neurocache_ui.domain.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

GOOD = "correct horse battery staple"


def test_hash_is_argon2id_and_salted() -> None:
    """The stored value never equals the password, and two hashes of one password differ (salt)."""
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert GOOD not in first
    assert first != second
    assert not needs_rehash(first)


def test_verify_accepts_the_password_and_nothing_else() -> None:
    stored = hash_password(GOOD)
    assert verify_password(stored, GOOD)
    assert not verify_password(stored, GOOD.upper())
    assert not verify_password(stored, "")


def test_unknown_user_path_is_always_false() -> None:
    """No hash (unknown email) verifies against a dummy hash and still says no, whatever is typed."""
    assert not verify_password(None, GOOD)
    assert not verify_password(None, "neurocache-dummy-password-for-timing")


def test_corrupt_hash_is_a_failed_login_not_a_crash() -> None:
    assert not verify_password("not-a-hash", GOOD)


def test_acceptable_passwords() -> None:
    assert password_problem(GOOD, email="ada@example.com", name="Ada Lovelace") is None
    assert password_problem("x" * 2 + "Yz!9" + "q" * 2) is None  # exactly MIN_LENGTH, four distinct characters


@pytest.mark.parametrize(
    ("password", "email", "name", "message"),
    [
        ("short1!", "", "", f"Password must be at least {MIN_LENGTH} characters."),
        ("a" * (MAX_LENGTH - 3) + "bcde", "", "", f"Password must be at most {MAX_LENGTH} characters."),
        ("password", "", "", "That password is too easy to guess; choose a less common one."),
        ("Password123", "", "", "That password is too easy to guess; choose a less common one."),
        ("abababababab", "", "", "That password is too easy to guess; choose a less common one."),
        ("ada.lovelace@example.com", "Ada.Lovelace@example.com", "", "Password must not be your name or email."),
        ("ada.lovelace", "ada.lovelace@example.com", "", "Password must not be your name or email."),
        ("ada lovelace", "x@example.com", "  Ada Lovelace ", "Password must not be your name or email."),
    ],
)
def test_policy_explains_refusals(password: str, email: str, name: str, message: str) -> None:
    """Messages are shown to the person signing up, so they must say what to change."""
    assert password_problem(password, email=email, name=name) == message
