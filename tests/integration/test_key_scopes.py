"""Keys with limits on Postgres and SQLite: what `create_key` stores and checks (the
agents and channels must be the owner's), what `authenticate` hands a request, the
month's model calls a budget counts, and `cli key create --scopes/--agents/--channels/--budget`."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.scopes import BudgetExceeded, KeyLimits, MissingScope
from neurocache_ui.services import agents, api_keys, auth, channels, key_limits, usage
from neurocache_ui.settings import PROJECT_ROOT
from neurocache_ui.store.models import utcnow
from tests.integration.messaging_support import make_user


def test_limits_are_stored_checked_and_handed_to_requests(database: str) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    agents.create_agent(ada, {"name": "Scout"})
    agents.create_agent(bob, {"name": "Spy"})
    ops = channels.create_channel(ada, name="Ops")
    channels.create_channel(bob, name="Secret")
    limits = KeyLimits(scopes=("read",), agents=("scout",), channels=(ops.slug,), budget=3)
    secret, key = api_keys.create_key(ada, "reader", limits=limits)
    assert (key.scopes, key.agent_slugs, key.channel_slugs, key.monthly_budget) == (["read"], ["scout"], [ops.slug], 3)
    context = api_keys.authenticate(secret)
    assert context is not None and context.limits == limits
    key_limits.require_scope(context, "read")
    with pytest.raises(MissingScope, match="'chat'"):
        key_limits.require_scope(context, "chat")
    # Someone else's agent or a channel the owner is not in is refused by name, nothing is made.
    with pytest.raises(Invalid, match="'spy'") as error:
        api_keys.create_key(ada, "x", limits=KeyLimits(agents=("scout", "spy")))
    assert error.value.field == "agents"
    with pytest.raises(Invalid, match="'secret'") as error:
        api_keys.create_key(ada, "x", limits=KeyLimits(channels=("secret",)))
    assert error.value.field == "channels"
    assert [k.name for k in api_keys.list_keys(ada)] == ["reader"]
    # A key made without limits can do everything, as keys always could.
    plain_secret, plain = api_keys.create_key(ada, "plain")
    assert plain.scopes == ["chat", "read", "write"] and api_keys.authenticate(plain_secret).limits == KeyLimits()


def test_budget_counts_this_months_model_calls_of_the_key_only(database: str) -> None:
    ada = make_user("Ada")
    secret, key = api_keys.create_key(ada, "metered", limits=KeyLimits(budget=2))
    _, other = api_keys.create_key(ada, "other")
    context = api_keys.authenticate(secret)
    assert context is not None
    last_month = utcnow().replace(day=1) - timedelta(days=1)
    usage.record(usage.UsageRecord(ada, "api", model="m", api_key_id=key.id, created_at=last_month))
    usage.record(usage.UsageRecord(ada, "api", api_key_id=key.id))  # a plain request, no model call
    usage.record(usage.UsageRecord(ada, "api", model="m", api_key_id=other.id))
    usage.record(usage.UsageRecord(ada, "api", model="m", api_key_id=key.id))
    key_limits.check_budget(context)
    assert key_limits.calls_this_month(ada, [key.id, other.id]) == {key.id: 1, other.id: 1}
    usage.record(usage.UsageRecord(ada, "api", model="m", api_key_id=key.id))
    with pytest.raises(BudgetExceeded, match="budget of 2 model calls"):
        key_limits.check_budget(context)


def _cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "neurocache_ui.cli", "key", "create", *args],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_cli_key_create_with_scopes_agents_channels_and_budget(database: str) -> None:
    email = f"cli-{uuid.uuid4().hex[:8]}@example.com"
    user = auth.create_user(name="Ada Lovelace", email=email, password="analytical engine 1843")
    agents.create_agent(user.id, {"name": "Scout"})
    ops = channels.create_channel(user.id, name="Ops")
    done = _cli(database, "--email", email, "--name", "reader", "--scopes", "read,chat", "--agents", "scout",
                "--channels", ops.slug, "--budget", "100")
    assert done.returncode == 0, done.stderr
    assert "scopes chat,read" in done.stdout and "100 model calls a month" in done.stdout
    context = api_keys.authenticate(done.stdout.strip().splitlines()[-1])
    assert context is not None
    assert context.limits == KeyLimits(scopes=("chat", "read"), agents=("scout",), channels=(ops.slug,), budget=100)
    for args, message in (
        (("--scopes", "read,admin"), "error: Unknown scope 'admin'"),
        (("--agents", "nobody"), "error: No agent of yours has the slug 'nobody'"),
        (("--budget", "0"), "error: The budget must be between 1"),
    ):
        refused = _cli(database, "--email", email, "--name", "x", *args)
        assert refused.returncode == 2 and refused.stderr.startswith(message), refused.stderr
    assert [k.name for k in api_keys.list_keys(user.id)] == ["reader"]
