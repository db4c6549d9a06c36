"""Log-in and sign-up throttles (services/login_throttle.py, ratelimit.check_signup)
on Postgres with the counts in Redis, and in this process's memory without Redis."""

from __future__ import annotations

import re
import uuid

import pytest

from neurocache_ui.services import auth
from neurocache_ui.services.auth import LOGIN_FAILED, AuthError
from neurocache_ui.settings import Settings, SettingsError
from testkit.servers import RedisServer

PASSWORD = "analytical engine 1843"
ACCOUNT_LOCKED = re.compile(r"^Too many failed log-ins for this account\. Try again in (\d+) minutes?\.$")
IP_LOCKED = re.compile(r"^Too many failed log-ins from your network\. Try again in (\d+) minutes?\.$")


@pytest.fixture(params=["redis", "memory"])
def store(request: pytest.FixtureRequest, use_settings, postgres_url: str) -> str:
    """Postgres, with the throttle counts in Redis or (no REDIS_URL) in memory."""
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else None
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_url)
    return request.param


def new_email() -> str:
    return f"ada-{uuid.uuid4().hex}@example.com"


def new_ip() -> str:
    """A documentation-range address no other test uses."""
    return f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def make_user(email: str | None = None) -> auth.CurrentUser:
    return auth.create_user(name="Ada Lovelace", email=email or new_email(), password=PASSWORD)


def refusal(email: str, password: str, client_ip: str | None = None) -> str:
    with pytest.raises(AuthError) as caught:
        auth.authenticate(email, password, client_ip=client_ip)
    return str(caught.value)


def fail(email: str, times: int, client_ip: str | None = None) -> None:
    for _ in range(times):
        assert refusal(email, "not the password", client_ip) == LOGIN_FAILED


def test_ten_failures_lock_the_account_even_for_the_right_password(store: str) -> None:
    user = make_user()
    fail(user.email, 10, new_ip())
    message = refusal(user.email, PASSWORD, new_ip())  # another IP does not help either
    assert (match := ACCOUNT_LOCKED.match(message)), message
    assert 14 <= int(match.group(1)) <= 15  # the window is 15 minutes, all failures just now
    assert refusal(f"  {user.email.upper()} ", PASSWORD) == message  # the same account, however typed
    other = make_user()
    assert auth.authenticate(other.email, PASSWORD) == other  # other accounts are not affected


def test_an_unknown_email_locks_the_same_way(store: str) -> None:
    """The lock reveals nothing: an unknown email fails and locks like a real one."""
    real, unknown = make_user().email, new_email()
    fail(real, 10)
    fail(unknown, 10)
    assert refusal(unknown, PASSWORD) == refusal(real, PASSWORD)
    assert ACCOUNT_LOCKED.match(refusal(unknown, PASSWORD))


def test_a_successful_log_in_clears_the_account_failures(store: str) -> None:
    user = make_user()
    fail(user.email, 9)
    assert auth.authenticate(user.email, PASSWORD) == user
    fail(user.email, 9)  # would lock at 10 if the first nine still counted
    assert auth.authenticate(user.email, PASSWORD) == user


def test_failures_from_one_ip_lock_that_ip_for_every_account(store: str, use_settings) -> None:
    use_settings(NEUROCACHE_LOGIN_FAILURES_PER_IP="5/15 minutes")
    ip, victim = new_ip(), make_user()
    for _ in range(5):
        fail(new_email(), 1, ip)  # a few guesses on many accounts (credential stuffing)
    message = refusal(victim.email, PASSWORD, ip)
    assert (match := IP_LOCKED.match(message)), message
    assert 14 <= int(match.group(1)) <= 15
    assert auth.authenticate(victim.email, PASSWORD, client_ip=new_ip()) == victim  # other IPs log in
    assert auth.authenticate(victim.email, PASSWORD) == victim  # no IP (the CLI): only the account counts


def test_an_ip_lock_is_not_lifted_by_logging_in_to_an_own_account(store: str, use_settings) -> None:
    use_settings(NEUROCACHE_LOGIN_FAILURES_PER_IP="3/15 minutes")
    ip, own = new_ip(), make_user()
    fail(new_email(), 2, ip)
    assert auth.authenticate(own.email, PASSWORD, client_ip=ip) == own
    fail(new_email(), 1, ip)
    assert IP_LOCKED.match(refusal(own.email, PASSWORD, ip))


def test_sign_ups_are_limited_per_ip(store: str, use_settings) -> None:
    use_settings(NEUROCACHE_SIGNUP_RATE_LIMIT="3/hour")
    ip = new_ip()
    with pytest.raises(AuthError, match="valid email"):
        auth.create_user(name="Typo", email="not-an-email", password=PASSWORD, client_ip=ip)  # form errors are free
    taken = make_user().email
    with pytest.raises(AuthError, match="already exists"):
        auth.create_user(name="Probe", email=taken, password=PASSWORD, client_ip=ip)  # probing counts
    for _ in range(2):
        auth.create_user(name="Ada", email=new_email(), password=PASSWORD, client_ip=ip)
    with pytest.raises(AuthError) as caught:
        auth.create_user(name="Ada", email=new_email(), password=PASSWORD, client_ip=ip)
    assert re.fullmatch(r"Too many sign-ups from your network\. Try again in (59|60) minutes\.", str(caught.value))
    assert caught.value.field is None  # shown above the form, not under a field
    auth.create_user(name="Ada", email=new_email(), password=PASSWORD, client_ip=new_ip())  # other IPs sign up
    auth.create_user(name="Ada", email=new_email(), password=PASSWORD)  # no IP (the CLI): not limited


def test_a_taken_email_never_shows_the_account_name(store: str) -> None:
    taken = make_user().email
    with pytest.raises(AuthError) as caught:
        auth.create_user(name="Someone", email=taken, password=PASSWORD)
    assert "Ada" not in str(caught.value) and "Lovelace" not in str(caught.value)


def test_lockout_survives_a_redis_outage_in_memory(use_settings, postgres_url: str, tmp_path) -> None:
    """Redis down: log-ins keep working and the throttle keeps counting, in memory."""
    down = RedisServer(tmp_path)
    down.start()
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=down.url)
    user = make_user()
    fail(user.email, 3)
    down.stop()
    assert auth.authenticate(user.email, PASSWORD) == user
    fail(user.email, 10)  # a fresh count in this process's memory
    assert ACCOUNT_LOCKED.match(refusal(user.email, PASSWORD))


def test_the_throttle_settings_are_checked_at_start_up() -> None:
    assert Settings.from_env({"NEUROCACHE_LOGIN_FAILURES_PER_ACCOUNT": "5/10 minutes"}).login_failures_per_account == "5/10 minutes"
    for name in ("NEUROCACHE_LOGIN_FAILURES_PER_IP", "NEUROCACHE_SIGNUP_RATE_LIMIT", "NEUROCACHE_USER_RATE_LIMIT"):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({name: "lots"})
    with pytest.raises(SettingsError, match="NEUROCACHE_MAX_KEYS_PER_USER"):
        Settings.from_env({"NEUROCACHE_MAX_KEYS_PER_USER": "0"})
