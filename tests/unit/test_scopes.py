"""The key-limit rules of domain/scopes.py: parsing what a person or script typed,
which scope and reach a route has, and the month a budget counts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from neurocache_ui.domain import scopes
from neurocache_ui.domain.errors import Invalid
from neurocache_ui.domain.scopes import KeyLimits, KeyRestricted, MissingScope


def test_scopes_parse_in_canonical_order_and_refuse_unknown_or_none() -> None:
    assert scopes.parse_scopes(None) == ("chat", "read", "write")
    assert scopes.parse_scopes("read, CHAT") == ("chat", "read")
    assert scopes.parse_scopes(["write", "write"]) == ("write",)
    with pytest.raises(Invalid, match="Unknown scope 'admin'") as unknown:
        scopes.parse_scopes("read,admin")
    assert unknown.value.field == "scopes"
    with pytest.raises(Invalid, match="at least one scope"):
        scopes.parse_scopes(" , ")


def test_require_names_the_missing_scope() -> None:
    scopes.require(("read",), "read")
    with pytest.raises(MissingScope) as missing:
        scopes.require(("read", "chat"), "write")
    assert missing.value.scope == "write"
    assert str(missing.value).startswith("This key lacks the 'write' scope")
    assert scopes.lacks(("chat",), "read") and not scopes.lacks(("chat",), "chat")


def test_slugs_and_budget_parse_with_field_named_errors() -> None:
    assert scopes.parse_slugs(" scout, Critic ,scout", "agents") == ("scout", "critic")
    assert scopes.parse_slugs("", "channels") == () == scopes.parse_slugs(None, "channels")
    with pytest.raises(Invalid, match="not a slug") as bad:
        scopes.parse_slugs("ok, not ok", "channels")
    assert bad.value.field == "channels"
    with pytest.raises(Invalid, match="at most 50"):
        scopes.parse_slugs([f"a{i}" for i in range(51)], "agents")
    assert scopes.parse_budget(None) is None and scopes.parse_budget(" ") is None
    assert scopes.parse_budget("25") == 25
    for wrong in ("0", "-3", "lots", "2.5", str(scopes.BUDGET_MAX + 1)):
        with pytest.raises(Invalid) as error:
            scopes.parse_budget(wrong)
        assert error.value.field == "budget"


def test_month_bounds_are_the_calendar_month_in_utc() -> None:
    start, end = scopes.month_bounds(datetime(2026, 12, 7, 19, 45, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    start, end = scopes.month_bounds(datetime(2026, 2, 28, 23, 59, 59, tzinfo=UTC))
    assert (start, end) == (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("path", "reach"),
    [
        ("/api/v1/agents/{slug}", "agent"),
        ("/api/v1/agents/{slug}/knowledge/{document_id}", "agent"),
        ("/api/v1/channels/{slug}/messages", "channel"),
        ("/api/v1/channels/browse", "none"),
        ("/api/v1/channels", "none"),
        ("/api/v1/search", "across"),
        ("/api/v1/messages/{message_id}/save", "across"),
        ("/api/v1/media/{media_id}", "across"),
        ("/api/v1/models", "none"),
    ],
)
def test_reach_of_a_route(path: str, reach: str) -> None:
    assert scopes.reach(path) == reach


def test_check_reach_honours_the_lists() -> None:
    everything = KeyLimits()
    assert scopes.check_reach(everything, "/api/v1/agents/{slug}", "anyone")
    assert scopes.check_reach(everything, "/api/v1/search", None)
    limited = KeyLimits(agents=("scout",), channels=("ops",))
    assert scopes.check_reach(limited, "/api/v1/agents/{slug}", "scout")
    assert not scopes.check_reach(limited, "/api/v1/agents/{slug}", "critic")
    assert scopes.check_reach(limited, "/api/v1/channels/{slug}/pins", "ops")
    assert not scopes.check_reach(limited, "/api/v1/channels/{slug}/pins", "launch")
    with pytest.raises(KeyRestricted):
        scopes.check_reach(limited, "/api/v1/saved", None)
    only_agents = KeyLimits(agents=("scout",))
    assert scopes.check_reach(only_agents, "/api/v1/saved", None)  # no channel list: every channel
