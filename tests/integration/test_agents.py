"""Agent settings and the owner's agent operations (services/agents.py) on real
Postgres and SQLite (the `database` fixture runs each test on both)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import select

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import agents
from neurocache_ui.services.agents import (
    AgentPublic,
    AgentSettings,
    SettingsInvalid,
    validate_settings,
)
from neurocache_ui.services.auth import CurrentUser, create_user
from neurocache_ui.settings import Settings, SettingsError
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Agent

pytestmark = pytest.mark.usefixtures("database")


def make_user(name: str = "Ada Lovelace") -> CurrentUser:
    return create_user(name=name, email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")


def invalid_fields(data: dict, partial: bool = False) -> dict[str, str]:
    with pytest.raises(SettingsInvalid) as caught:
        validate_settings(data, partial=partial)
    return caught.value.field_errors


# ---------------------------------------------------------------- create and read


def test_create_with_defaults_and_read_back(use_settings, database: str) -> None:
    use_settings(DATABASE_URL=database, NEUROCACHE_DEFAULT_MODEL="llama3.1")
    ada = make_user()
    agent = agents.create_agent(ada.id, {"name": "  Scout   42 ", "instructions": "Find facts.\n\nCite them."})
    assert isinstance(agent, AgentPublic)
    assert (agent.name, agent.slug, agent.emoji) == ("Scout 42", "scout-42", "🤖")
    assert agent.instructions == "Find facts.\n\nCite them."
    assert (agent.model, agent.temperature, agent.max_tokens) == ("llama3.1", 0.7, 1024)
    assert (agent.reply_mode, agent.context_size, agent.knowledge_enabled) == ("mentions", 20, True)
    assert agent.created_at.tzinfo is not None and agent.created_at == agent.updated_at
    assert agents.get_agent(ada.id, agent.id) == agent
    assert agents.get_agent(ada.id, "scout-42") == agent
    with session_scope() as session:
        row = session.exec(select(Agent).where(Agent.id == agent.id)).one()
    assert (row.owner_id, row.reply_mode, row.created_at.tzinfo) == (ada.id, "mentions", UTC)


def test_every_setting_is_stored() -> None:
    ada = make_user()
    settings = AgentSettings(
        name="Critic", slug="the-critic", emoji="🧐", description="Finds holes.", instructions="Be blunt.",
        model="gpt-4o", temperature=1.3, max_tokens=300, reply_mode="all", context_size=55, knowledge_enabled=False,
    )
    agent = agents.create_agent(ada.id, settings)
    assert agent.model_dump(include=set(agents.SETTING_NAMES)) == settings.model_dump()
    assert agents.get_agent(ada.id, agent.id).model_dump() == agent.model_dump()


def test_slug_is_derived_from_the_name() -> None:
    ada = make_user()
    assert agents.create_agent(ada.id, {"name": "scout42"}).slug == "scout42"
    assert agents.create_agent(ada.id, {"name": "Zoé's Résumé Helper!"}).slug == "zoe-s-resume-helper"
    assert agents.create_agent(ada.id, {"name": "42"}).slug == "agent-42"
    assert agents.create_agent(ada.id, {"name": "🤖🤖"}).slug == "agent"
    assert agents.create_agent(ada.id, {"name": "New"}).slug == "new-2"  # /agents/new is a page
    assert agents.create_agent(ada.id, {"name": "x" * 60}).slug == "x" * 40
    assert agents.create_agent(ada.id, {"name": "Blank slug", "slug": "  "}).slug == "blank-slug"
    assert agents.create_agent(ada.id, {"name": "Upper", "slug": "My-Bot"}).slug == "my-bot"


def test_derived_slugs_avoid_collisions_and_explicit_ones_are_refused() -> None:
    ada, bob = make_user(), make_user("Bob")
    assert [agents.create_agent(ada.id, {"name": "Scout"}).slug for _ in range(3)] == ["scout", "scout-2", "scout-3"]
    # Slugs are unique per owner: Bob may have his own "scout".
    assert agents.create_agent(bob.id, {"name": "Scout"}).slug == "scout"
    with pytest.raises(SettingsInvalid) as caught:
        agents.create_agent(ada.id, {"name": "Another", "slug": "scout-2"})
    assert caught.value.field == "slug"
    assert caught.value.field_errors == {"slug": 'You already have an agent with the slug "scout-2". Pick another one.'}
    assert isinstance(caught.value, Invalid)
    # A long name's suffixed slug still fits the column.
    long = "y" * 60
    assert agents.create_agent(ada.id, {"name": long}).slug == "y" * 40
    assert agents.create_agent(ada.id, {"name": long}).slug == "y" * 38 + "-2"


# ---------------------------------------------------------------- validation


def test_validation_names_every_bad_field() -> None:
    errors = invalid_fields({
        "name": "   ", "slug": "-bad slug-", "emoji": "🙂" * 17, "description": "d" * 501,
        "instructions": "i" * 8001, "model": "", "temperature": 2.5, "max_tokens": 0, "reply_mode": "always",
        "context_size": 101, "knowledge_enabled": "maybe", "owner_id": 7,
    })
    assert errors == {
        "name": "Name is required.",
        "slug": "Slug may use only lowercase letters a-z, digits and single dashes, and cannot start or end with a dash.",
        "emoji": "Avatar must be at most 16 characters (it has 17).",
        "description": "Description must be at most 500 characters (it has 501).",
        "instructions": "Instructions must be at most 8,000 characters (it has 8,001).",
        "model": "Model is required.",
        "temperature": "Temperature must be at most 2.",
        "max_tokens": "Max tokens must be at least 1.",
        "reply_mode": "Reply mode must be one of: When @mentioned, On every message.",
        "context_size": "Context size must be at most 100.",
        "knowledge_enabled": "Use knowledge must be on or off.",
        "owner_id": "owner_id is not a setting that can be changed.",
    }


def test_slug_rules() -> None:
    assert invalid_fields({"name": "a", "slug": "1234"}) == {"slug": "Slug needs at least one letter, so it is never mistaken for an id."}
    assert invalid_fields({"name": "a", "slug": "new"}) == {"slug": '"new" is reserved; pick another slug.'}
    assert invalid_fields({"name": "a", "slug": "two--dashes"})["slug"].startswith("Slug may use only")
    assert invalid_fields({"name": "a", "slug": "s" * 41}) == {"slug": "Slug must be at most 40 characters (it has 41)."}
    assert validate_settings({"name": "a", "slug": "scout-42"}).slug == "scout-42"


def test_invalid_settings_create_nothing() -> None:
    ada = make_user()
    with pytest.raises(SettingsInvalid) as caught:
        agents.create_agent(ada.id, {"name": "", "temperature": "hot"})
    assert caught.value.field_errors == {"name": "Name is required.", "temperature": "Temperature must be a number."}
    assert str(caught.value) == "Name is required." and caught.value.field == "name"
    assert agents.list_agents(ada.id) == []


def test_partial_validation_checks_only_the_given_fields() -> None:
    patch = validate_settings({"temperature": "1.2", "reply_mode": "all"}, partial=True)
    assert patch.model_dump(exclude_unset=True) == {"temperature": 1.2, "reply_mode": "all"}
    assert invalid_fields({"temperature": 0.75, "colour": "red"}, partial=True) == {
        "temperature": "Temperature must be a multiple of 0.1.",
        "colour": "colour is not a setting that can be changed.",
    }


# ---------------------------------------------------------------- update


def test_update_changes_only_what_is_given() -> None:
    ada = make_user()
    agent = agents.create_agent(ada.id, {"name": "Scout", "instructions": "Find facts."})
    updated = agents.update_agent(ada.id, agent.id, {"temperature": 0.2, "reply_mode": "all", "name": "Scout  Prime"})
    assert (updated.temperature, updated.reply_mode, updated.name) == (0.2, "all", "Scout Prime")
    assert updated.instructions == "Find facts." and updated.slug == "scout"  # the slug stays
    assert updated.updated_at > agent.updated_at and updated.created_at == agent.created_at
    assert agents.get_agent(ada.id, agent.id) == updated


def test_update_validates_and_leaves_the_agent_alone_on_errors() -> None:
    ada = make_user()
    agent = agents.create_agent(ada.id, {"name": "Scout"})
    with pytest.raises(SettingsInvalid) as caught:
        agents.update_agent(ada.id, agent.id, {"name": "", "max_tokens": 9000, "temperature": 1.0})
    assert caught.value.field_errors == {"name": "Name is required.", "max_tokens": "Max tokens must be at most 8192."}
    assert agents.get_agent(ada.id, agent.id) == agent


def test_update_slug_rules() -> None:
    ada = make_user()
    scout = agents.create_agent(ada.id, {"name": "Scout"})
    agents.create_agent(ada.id, {"name": "Critic"})
    with pytest.raises(SettingsInvalid) as caught:
        agents.update_agent(ada.id, scout.id, {"slug": "critic"})
    assert caught.value.field == "slug"
    assert agents.update_agent(ada.id, scout.id, {"slug": "scout"}).slug == "scout"  # its own slug is fine
    assert agents.update_agent(ada.id, scout.id, {"slug": "finder"}).slug == "finder"
    assert agents.get_agent(ada.id, "finder").id == scout.id
    with pytest.raises(NotFound):
        agents.get_agent(ada.id, "scout")
    # A blank slug is derived again from the (new) name.
    assert agents.update_agent(ada.id, scout.id, {"slug": ""}).slug == "scout"
    assert agents.update_agent(ada.id, scout.id, {"name": "Critic", "slug": None}).slug == "critic-2"


# ---------------------------------------------------------------- ownership


def test_someone_elses_agent_is_not_found() -> None:
    ada, eve = make_user(), make_user("Eve")
    agent = agents.create_agent(ada.id, {"name": "Private"})
    for call in (
        lambda: agents.get_agent(eve.id, agent.id),
        lambda: agents.get_agent(eve.id, agent.slug),
        lambda: agents.update_agent(eve.id, agent.id, {"name": "Mine now"}),
        lambda: agents.duplicate_agent(eve.id, agent.id),
        lambda: agents.delete_agent(eve.id, agent.id),
    ):
        with pytest.raises(NotFound, match="Agent not found"):
            call()
    assert agents.list_agents(eve.id) == [] and agents.count_agents(eve.id) == 0
    assert agents.get_agent(ada.id, agent.id).name == "Private"
    with pytest.raises(NotFound):
        agents.get_agent(ada.id, 10**9)
    with pytest.raises(NotFound):
        agents.get_agent(ada.id, str(agent.id))  # a string is a slug, never an id


# ---------------------------------------------------------------- list and search


def test_list_search_and_pages() -> None:
    ada, bob = make_user(), make_user("Bob")
    agents.create_agent(ada.id, {"name": "zeta", "description": "Reviews CODE"})
    agents.create_agent(ada.id, {"name": "Alpha", "slug": "code-scout"})
    agents.create_agent(ada.id, {"name": "beta", "description": "Writes poems"})
    agents.create_agent(ada.id, {"name": "100% sure", "description": "under_score"})
    agents.create_agent(bob.id, {"name": "Code"})

    names = lambda found: [a.name for a in found]  # noqa: E731
    assert names(agents.list_agents(ada.id)) == ["100% sure", "Alpha", "beta", "zeta"]  # by name, any case
    assert names(agents.list_agents(ada.id, "code")) == ["Alpha", "zeta"]  # slug and description, any case
    assert names(agents.list_agents(ada.id, "  POEMS ")) == ["beta"]
    assert names(agents.list_agents(ada.id, "%")) == ["100% sure"]  # LIKE wildcards are literal
    assert names(agents.list_agents(ada.id, "_")) == ["100% sure"]
    assert agents.list_agents(ada.id, "nothing like it") == []
    assert agents.count_agents(ada.id) == 4 and agents.count_agents(ada.id, "code") == 2

    assert names(agents.list_agents(ada.id, limit=3)) == ["100% sure", "Alpha", "beta"]
    assert names(agents.list_agents(ada.id, limit=3, offset=3)) == ["zeta"]
    assert agents.list_agents(ada.id, offset=10) == []


# ---------------------------------------------------------------- duplicate and delete


def test_duplicate_copies_every_setting_with_a_new_name_and_slug() -> None:
    ada = make_user()
    source = agents.create_agent(ada.id, {
        "name": "Scout", "emoji": "🔭", "instructions": "Find facts.", "model": "gpt-4o", "temperature": 0.3,
        "max_tokens": 500, "reply_mode": "all", "context_size": 7, "knowledge_enabled": False, "description": "d",
        "tools": ["web_search"], "mcp_servers": [{"url": "https://tools.example/mcp", "token": "t"}],
    })
    copy = agents.duplicate_agent(ada.id, source.id)
    assert (copy.name, copy.slug) == ("Scout copy", "scout-copy")
    assert copy.id != source.id
    skip = {"name", "slug", "id", "created_at", "updated_at"}
    assert copy.model_dump(exclude=skip) == source.model_dump(exclude=skip)
    again = agents.duplicate_agent(ada.id, source.id)
    assert (again.name, again.slug) == ("Scout copy", "scout-copy-2")
    long = agents.create_agent(ada.id, {"name": "L" * 60})
    long_copy = agents.duplicate_agent(ada.id, long.id)
    assert long_copy.name == "L" * 55 + " copy" and len(long_copy.name) == 60


def test_delete() -> None:
    ada = make_user()
    agent = agents.create_agent(ada.id, {"name": "Short lived"})
    agents.delete_agent(ada.id, agent.id)
    with pytest.raises(NotFound):
        agents.get_agent(ada.id, agent.id)
    with pytest.raises(NotFound):
        agents.delete_agent(ada.id, agent.id)
    # The slug is free again.
    assert agents.create_agent(ada.id, {"name": "Short lived"}).slug == "short-lived"


def test_the_model_allow_list_is_a_field_error_on_model(use_settings, database: str) -> None:
    ada = make_user()
    old = agents.create_agent(ada.id, {"name": "Legacy", "model": "gpt-4o"})  # saved before the list existed
    use_settings(DATABASE_URL=database, NEUROCACHE_ALLOWED_MODELS="gpt-4o-mini,llama3.1")
    refused = "The model 'gpt-4o' is not allowed on this hub. Choose one of: gpt-4o-mini, llama3.1."

    assert invalid_fields({"name": "Scout", "model": "gpt-4o"}) == {"model": refused}
    with pytest.raises(SettingsInvalid) as caught:
        agents.create_agent(ada.id, {"name": "Scout", "model": "gpt-4o"})
    assert caught.value.field == "model" and caught.value.field_errors == {"model": refused}
    assert agents.create_agent(ada.id, {"name": "Scout", "model": "llama3.1"}).model == "llama3.1"
    assert agents.create_agent(ada.id, {"name": "Default"}).model == "gpt-4o-mini"

    # Saving the older agent names its model as the problem, whatever else changed.
    with pytest.raises(SettingsInvalid) as caught:
        agents.update_agent(ada.id, old.id, {"description": "still here"})
    assert caught.value.field_errors == {"model": refused}
    assert agents.update_agent(ada.id, old.id, {"model": "gpt-4o-mini"}).model == "gpt-4o-mini"


def test_the_allow_list_must_include_the_default_model() -> None:
    with pytest.raises(SettingsError, match="NEUROCACHE_ALLOWED_MODELS must include"):
        Settings.from_env({"NEUROCACHE_ALLOWED_MODELS": "llama3.1"})
    settings = Settings.from_env({"NEUROCACHE_ALLOWED_MODELS": " llama3.1 , llama3.1,", "NEUROCACHE_DEFAULT_MODEL": "llama3.1"})
    assert settings.allowed_models == ("llama3.1",)


# ---------------------------------------------------------------- tools and MCP servers


def test_tools_are_checked_deduplicated_and_stored_in_order() -> None:
    ada = make_user()
    agent = agents.create_agent(ada.id, {"name": "Scout", "tools": ["fetch_url", "web_search", "fetch_url"]})
    assert agent.tools == ["fetch_url", "web_search"]
    assert agents.get_agent(ada.id, agent.id).tools == ["fetch_url", "web_search"]
    assert agents.create_agent(ada.id, {"name": "Plain"}).tools == []
    assert invalid_fields({"name": "x", "tools": ["web_search", "shell"]}) == {
        "tools": "Tools must be one of: Web search, Read web pages."
    }
    assert invalid_fields({"name": "x", "tools": "web_search"}, partial=True) == {"tools": "Tools: Input should be a valid list."}
    assert agents.update_agent(ada.id, agent.id, {"tools": []}).tools == []
    assert agents.update_agent(ada.id, agent.id, {"name": "Scout 2"}).tools == []


def test_mcp_servers_are_checked_and_their_tokens_never_leave_as_json() -> None:
    ada = make_user()
    server = {"url": "https://tools.example/mcp", "token": "s3cret", "disabled_tools": ["delete", "delete"]}
    agent = agents.create_agent(ada.id, {"name": "Scout", "mcp_servers": [server, {"url": "http://10.0.0.5:8000/mcp"}]})
    first, second = agents.get_agent(ada.id, agent.id).mcp_servers
    assert (first.url, first.token, first.disabled_tools) == ("https://tools.example/mcp", "s3cret", ["delete"])
    assert (second.token, second.disabled_tools) == (None, [])
    as_json = agent.model_dump(mode="json")["mcp_servers"]  # what the API sends
    assert as_json == [
        {"url": "https://tools.example/mcp", "has_token": True, "disabled_tools": ["delete"], "allowed_tools": None},
        {"url": "http://10.0.0.5:8000/mcp", "has_token": False, "disabled_tools": [], "allowed_tools": None},
    ]
    assert "s3cret" not in agent.model_dump_json()
    # A server sent back without its token (as reads show it) keeps the stored one.
    changed = agents.update_agent(ada.id, agent.id, {"mcp_servers": [{"url": "https://tools.example/mcp"}]})
    assert [(s.url, s.token, s.disabled_tools) for s in changed.mcp_servers] == [("https://tools.example/mcp", "s3cret", [])]
    replaced = agents.update_agent(ada.id, agent.id, {"mcp_servers": [{"url": "https://tools.example/mcp", "token": "new"}]})
    assert replaced.mcp_servers[0].token == "new"

    bad = invalid_fields({"name": "x", "mcp_servers": [{"url": "file:///etc/passwd"}]})
    assert bad == {"mcp_servers": "An MCP server's URL must start with http:// or https://."}
    too_many = [{"url": f"https://mcp{i}.example/"} for i in range(6)]
    assert invalid_fields({"name": "x", "mcp_servers": too_many}) == {"mcp_servers": "An agent may use at most 5 MCP servers."}
    twice = [{"url": "https://a.example/mcp"}, {"url": "https://a.example/mcp", "token": "t"}]
    assert invalid_fields({"name": "x", "mcp_servers": twice}) == {"mcp_servers": "Each MCP server may be added once."}
    assert "mcp_servers" in invalid_fields({"name": "x", "mcp_servers": [{"url": "https://a.example", "extra": 1}]})
    assert "mcp_servers" in invalid_fields({"name": "x", "mcp_servers": [{"url": "https://a.example", "disabled_tools": ["a b"]}]})


def test_agents_saved_before_tools_existed_have_none() -> None:
    """Rows written without the new columns (as the migration leaves old ones) read as no tools."""
    ada = make_user()
    now = datetime.now(UTC)
    with session_scope() as session:
        inserted = session.execute(
            sa.insert(Agent.__table__).values(  # type: ignore[attr-defined]
                owner_id=ada.id, slug="old-timer", name="Old timer", emoji="🤖", description="", instructions="",
                model="gpt-4o-mini", temperature=0.7, max_tokens=100, reply_mode="mentions", context_size=5,
                knowledge_enabled=True, created_at=now, updated_at=now,
            )
        )
        agent_id = inserted.inserted_primary_key[0]
    read = agents.get_agent(ada.id, agent_id)
    assert (read.tools, read.mcp_servers) == ([], [])
    assert agents.update_agent(ada.id, agent_id, {"tools": ["web_search"]}).tools == ["web_search"]
