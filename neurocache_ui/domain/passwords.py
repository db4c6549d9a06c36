"""Password hashing (argon2id) and the password policy.

The policy is deliberately short and explainable: length, not composition rules,
plus a refusal of the passwords every attacker tries first."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 128
_COMMON = frozenset(
    {
        "password", "password1", "password123", "12345678", "123456789", "1234567890",
        "qwertyui", "qwerty123", "iloveyou", "11111111", "00000000", "abc12345",
        "letmein1", "welcome1", "admin123", "changeme", "passw0rd", "neurocache",
    }
)
_hasher = PasswordHasher()
# A real hash of a random string, verified against when the email is unknown so a
# failed login takes the same time whether or not the account exists.
_DUMMY_HASH = _hasher.hash("neurocache-dummy-password-for-timing")


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why this password is refused, in words a person can act on; None if acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Password must be at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in _COMMON or len(set(password)) < 4:
        return "That password is too easy to guess; choose a less common one."
    local_part = email.split("@", 1)[0].lower()
    if lowered in {email.lower(), local_part, name.strip().lower()}:
        return "Password must not be your name or email."
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check: with no hash (unknown user) a dummy hash is verified."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
