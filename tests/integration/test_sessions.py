"""Session hand-off, rotation and revocation on real Postgres and SQLite."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.services import auth
from neurocache_ui.services.auth import AuthError, CurrentUser
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import AuthSession, utcnow

PASSWORD = "analytical engine 1843"


def make_user() -> CurrentUser:
    return auth.create_user(name="Ada Lovelace", email=f"ada-{uuid.uuid4().hex}@example.com", password=PASSWORD)


def test_a_handoff_code_becomes_a_session_once(database: str) -> None:
    user = make_user()
    code = auth.start_handoff(user.id)
    token = auth.claim_handoff(code)
    assert token and token != code
    assert auth.user_for_session(token) == user
    assert auth.claim_handoff(code) is None  # single use
    assert auth.user_for_session(code) is None


def test_a_late_code_or_a_real_session_token_cannot_be_claimed(database: str) -> None:
    user = make_user()
    code = auth.start_handoff(user.id)
    with get_engine().begin() as conn:
        conn.execute(
            sa.update(AuthSession).where(AuthSession.token_hash == auth._token_hash(code)).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert auth.claim_handoff(code) is None
    long_lived = auth.start_session(user.id)
    assert auth.claim_handoff(long_lived) is None  # a stolen session cannot be re-issued as a fresh one
    assert auth.claim_handoff("") is None


def test_logging_in_again_rotates_the_browsers_session(database: str) -> None:
    user = make_user()
    old = auth.claim_handoff(auth.start_handoff(user.id))
    new = auth.claim_handoff(auth.start_handoff(user.id), previous_token=old)
    assert new and new != old
    assert auth.user_for_session(old) is None
    assert auth.user_for_session(new) == user


def test_log_out_everywhere_ends_every_session_but_the_one_kept(database: str) -> None:
    user, other = make_user(), make_user()
    tokens = [auth.start_session(user.id) for _ in range(3)]
    others = auth.start_session(other.id)
    assert auth.end_all_sessions(user.id, except_token=tokens[0]) == 2
    assert auth.user_for_session(tokens[0]) == user
    assert [auth.user_for_session(t) for t in tokens[1:]] == [None, None]
    assert auth.end_all_sessions(user.id) == 1
    assert auth.user_for_session(tokens[0]) is None
    assert auth.user_for_session(others) == other  # someone else's sessions are untouched


def test_change_password_needs_the_current_one_and_ends_other_sessions(database: str) -> None:
    user = make_user()
    here, elsewhere = auth.start_session(user.id), auth.start_session(user.id)
    with pytest.raises(AuthError) as wrong:
        auth.change_password(user.id, current="not my password", new="a brand new passphrase", keep_token=here)
    assert wrong.value.field == "current"
    with pytest.raises(AuthError) as weak:
        auth.change_password(user.id, current=PASSWORD, new="short", keep_token=here)
    assert weak.value.field == "new"
    assert auth.user_for_session(elsewhere) == user  # refused changes end nothing

    assert auth.change_password(user.id, current=PASSWORD, new="a brand new passphrase", keep_token=here) == 1
    assert auth.user_for_session(here) == user
    assert auth.user_for_session(elsewhere) is None
    assert auth.authenticate(user.email, "a brand new passphrase") == user
    with pytest.raises(AuthError):
        auth.authenticate(user.email, PASSWORD)


def test_sign_up_and_log_in_hand_over_a_code_in_the_same_transaction(database: str) -> None:
    email = f"ada-{uuid.uuid4().hex}@example.com"
    joined = auth.sign_up(name="Ada Lovelace", email=email, password=PASSWORD)
    assert joined.user.email == email and auth.user_for_session(auth.claim_handoff(joined.code)) == joined.user
    with pytest.raises(AuthError):
        auth.sign_up(name="Ada again", email=email.upper(), password=PASSWORD)  # taken
    entered = auth.log_in(email, PASSWORD)
    assert entered.user == joined.user and auth.user_for_session(auth.claim_handoff(entered.code)) == joined.user
    with pytest.raises(AuthError):
        auth.log_in(email, "not my password")
