"""Property-based tests of the whole API from its own OpenAPI schema (schemathesis):
with a valid key, no request makes the server fail (5xx), and every response
has a documented status, content type and body shape.

It runs against its own server with a high rate limit, so thousands of
generated requests test the endpoints rather than the limiter."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

import pytest
import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from neurocache_ui.services import agents, api_keys, auth, channels, team
from testkit.hub import HubServer

MAX_EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzz_key(fuzz_hub: HubServer, postgres_url: str) -> str:
    """A user with an agent in a channel, and their key."""
    import os

    from neurocache_ui.settings import get_settings

    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = postgres_url
    get_settings.cache_clear()
    try:
        tag = uuid.uuid4().hex[:8]
        user = auth.create_user(name=f"Fuzz {tag}", email=f"fuzz-{tag}@example.com", password=f"engine-{tag}-1843")
        agent = agents.create_agent(user.id, {"name": "Scout"})
        channel = channels.create_channel(user.id, name=f"Fuzz {tag}", goal="survive")
        team.add_agent(channel.id, user.id, agent.id)
        secret, _ = api_keys.create_key(user.id, "fuzz")
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous
        get_settings.cache_clear()
    return secret


def test_api_conforms_to_its_schema(fuzz_hub: HubServer, fuzz_key: str) -> None:
    """Every operation, MAX_EXAMPLES generated cases each (schemathesis' pytest
    plugin does not load under pytest 9, so the operations are driven here)."""
    schema = schemathesis.openapi.from_url(f"{fuzz_hub.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {fuzz_key}"}
    failures: dict[str, str] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
        def check(case) -> None:
            # A path with a newline never reaches the API: Reflex's outermost router
            # (its catch-all mount, a `.*` regex) does not match it and answers a
            # plain-text 404 itself. Not ours to shape; left out. (Schemathesis hands
            # path parameters over percent-encoded: a newline is "%0A" there.)
            assume(not any("\n" in unquote(str(value)) for value in (case.path_parameters or {}).values()))
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

        try:
            check()
        except Exception as error:  # report every operation's failure, not just the first
            failures[operation.label] = str(error)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
