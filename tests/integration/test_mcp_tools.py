"""MCP servers as agent tools, against a real MCP server (testkit/mcp_server.py, the same
`mcp` package) over streamable HTTP: discovery, namespacing, calls, disabled tools,
bearer tokens, unreachable servers and the address rules shared with fetch_url."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest

from neurocache_ui.domain import reply_rules
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.tools import NAME, ToolError, ToolSpec
from neurocache_ui.infra import mcp_client
from neurocache_ui.services import agents, mcp_servers
from neurocache_ui.services.agent_runs import private, runner
from neurocache_ui.services.tools import mcp, tools_for
from testkit.mcp_server import TOKEN, McpTestServer
from testkit.servers import free_port
from tests.integration.messaging_support import make_agent, make_user, setup_stores
from tests.integration.test_runner import BusRecorder, Team


@pytest.fixture(scope="module")
def mcp_server() -> Iterator[McpTestServer]:
    with McpTestServer() as server:
        yield server


@pytest.fixture
def server(mcp_server: McpTestServer, use_settings) -> Iterator[McpTestServer]:
    """The test server, reachable: its host:port is in NEUROCACHE_FETCH_ALLOWED_HOSTS
    (with a closed port next to it, for "unreachable")."""
    mcp_server.closed_port = free_port()  # type: ignore[attr-defined]
    use_settings(
        NEUROCACHE_FETCH_ALLOWED_HOSTS=f"{mcp_server.host_port},127.0.0.1:{mcp_server.closed_port}",  # type: ignore[attr-defined]
        NEUROCACHE_TOOL_TIMEOUT_SECONDS="5",
    )
    mcp.forget()
    mcp_server.clear_calls()
    yield mcp_server
    mcp.forget()


def run(coroutine):
    return asyncio.run(coroutine)


def closed_url(server: McpTestServer) -> str:
    return f"http://127.0.0.1:{server.closed_port}/mcp"  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the client and the tools


def test_discovery_lists_every_server_and_names_failures(server: McpTestServer) -> None:
    found = run(mcp.discover([{"url": server.open_url}, {"url": closed_url(server), "token": None}]))
    assert [t.name for t in found[0].tools] == ["add", "shout", "picture", "fail"]
    assert found[0].error == "" and found[0].host == server.host_port
    assert found[0].tools[0].input_schema["properties"].keys() == {"a", "b"}
    assert found[1].tools == ()
    assert found[1].error.startswith(f"Could not reach 127.0.0.1:{server.closed_port}")  # type: ignore[attr-defined]


def test_tools_are_namespaced_unique_and_disabled_ones_left_out(server: McpTestServer) -> None:
    agent = type("Agent", (), {"id": 1, "mcp_servers": [
        {"url": server.open_url, "token": None, "disabled_tools": ["fail", "picture"]},
        {"url": server.secure_url, "token": TOKEN, "disabled_tools": []},
    ]})()
    tools = run(mcp.mcp_tools(agent))
    names = [tool.spec.name for tool in tools]
    assert names == ["mcp1_add", "mcp1_shout", "mcp2_add", "mcp2_shout", "mcp2_picture", "mcp2_fail"]
    assert all(NAME.match(name) for name in names)
    spec = tools[0].spec.to_openai()["function"]
    assert spec["parameters"]["required"] == ["a", "b"]
    assert "Add two whole numbers." in spec["description"] and server.host_port in spec["description"]


def test_long_and_odd_names_fit_the_limit() -> None:
    taken: set[str] = set()
    first = mcp.tool_name(3, "a.very/odd name" + "x" * 80, taken)
    taken.add(first)
    second = mcp.tool_name(3, "a.very/odd name" + "x" * 80, taken)
    assert NAME.match(first) and NAME.match(second)
    assert first.startswith("mcp3_a_very_odd_name") and len(first) == 64
    assert second != first and second.endswith("_2") and len(second) == 64


def test_a_tool_call_reaches_the_server_and_returns_its_text(server: McpTestServer) -> None:
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": server.open_url}]})()
    tools = {tool.spec.name: tool for tool in run(mcp.mcp_tools(agent))}
    add = tools["mcp1_add"]
    assert add.step_text({"a": 2, "b": 5}) == f"Using add on {server.host_port}…"
    output = run(add.run({"a": 2, "b": 5}))
    assert output.text == "7" and not output.is_error
    assert server.calls() == [{"name": "add", "arguments": {"a": 2, "b": 5}}]
    picture = run(tools["mcp1_picture"].run({"caption": "a dot"}))
    assert picture.text == "a dot\n\n[an image (image/png) that is not shown here]"
    with pytest.raises(ToolError, match="fail on 127.0.0.1:.* failed: .*the disk is full"):
        run(tools["mcp1_fail"].run({"reason": "the disk is full"}))


def test_discovery_is_cached_for_replies(server: McpTestServer) -> None:
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": server.open_url}]})()
    run(mcp.mcp_tools(agent))
    requests = server.request_count()
    assert requests > 0
    again = run(mcp.mcp_tools(agent))
    assert len(again) == 4 and server.request_count() == requests
    run(mcp.discover(agent.mcp_servers))  # the agent page always asks again
    assert server.request_count() > requests


def test_a_token_is_required_and_sent(server: McpTestServer) -> None:
    without, wrong, right = run(mcp.discover([
        {"url": server.secure_url},
        {"url": server.secure_url, "token": "not-it"},
        {"url": server.secure_url, "token": TOKEN},
    ]))
    assert without.error == f"{server.host_port} needs a token (HTTP 401)."
    assert wrong.error == f"{server.host_port} refused the token (HTTP 401)."
    assert right.error == "" and len(right.tools) == 4
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": server.secure_url, "token": TOKEN}]})()
    shout = next(t for t in run(mcp.mcp_tools(agent)) if t.spec.name == "mcp1_shout")
    assert run(shout.run({"text": "hi"})).text == "HI"


def test_an_unreachable_server_gives_a_clear_error_and_no_tools(server: McpTestServer) -> None:
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": closed_url(server)}, {"url": server.open_url}]})()
    names = [t.spec.name for t in run(mcp.mcp_tools(agent))]
    assert names == ["mcp2_add", "mcp2_shout", "mcp2_picture", "mcp2_fail"]
    with pytest.raises(mcp_client.McpFailure, match=r"^Could not reach 127\.0\.0\.1:\d+"):
        run(mcp_client.call_tool(closed_url(server), None, "add", {}, timeout=5))
    missing = run(mcp.discover([{"url": server.url + "/elsewhere/mcp"}]))[0]
    assert missing.error == f"{server.host_port} has no MCP endpoint at that path (HTTP 404)."  # paths may hold secrets


def test_private_addresses_are_refused_unless_allowed(mcp_server: McpTestServer, use_settings) -> None:
    use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=None)
    mcp.forget()
    mcp_server.clear_calls()
    found = run(mcp.discover([{"url": mcp_server.open_url}, {"url": "http://169.254.169.254/mcp"}]))
    assert "not a public internet address (loopback)" in found[0].error
    assert "cloud metadata" in found[1].error
    tool = mcp.McpTool(
        spec=ToolSpec(name="mcp1_add", description="add"), remote_name="add", url=mcp_server.open_url, token=None
    )
    with pytest.raises(ToolError, match="loopback"):
        run(tool.run({"a": 1, "b": 2}))
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": mcp_server.open_url}]})()
    assert run(mcp.mcp_tools(agent)) == []
    assert mcp_server.request_count() == 0 and mcp_server.calls() == []
    for url in ("ftp://example.com/mcp", "http://user:secret@example.com/mcp"):
        with pytest.raises(mcp_client.McpRefused):
            run(mcp_client.check_url(url))


def test_a_refused_server_is_named_by_its_host_in_messages_and_logs(
    mcp_server: McpTestServer, use_settings, caplog: pytest.LogCaptureFixture
) -> None:
    """Paths can carry secrets (tenant ids, keys): a refused MCP URL is named as
    host:port only, to the owner and in the logs (before: the whole URL, in both)."""
    use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=None)
    mcp.forget()
    secret_url = "http://10.9.8.7:8443/mcp/tenant-SECRET-7781"
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(mcp_client.McpRefused) as refused:
            run(mcp_client.check_url(secret_url))
        [found] = run(mcp.discover([{"url": secret_url}]))
        agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": secret_url}]})()
        assert run(mcp.mcp_tools(agent)) == []
    assert str(refused.value).startswith("10.9.8.7:8443 may not be contacted: 10.9.8.7 is not a public internet address (private)")
    assert found.error == str(refused.value)
    assert "MCP server skipped" in caplog.text and "SECRET" not in caplog.text


# ---------------------------------------------------------------- an agent's servers (owner only)


def test_the_owner_manages_servers_and_tokens_never_come_back(database: str, server: McpTestServer, use_settings) -> None:
    use_settings(
        DATABASE_URL=database, REDIS_URL=None, NEUROCACHE_TOOL_TIMEOUT_SECONDS="5",
        NEUROCACHE_FETCH_ALLOWED_HOSTS=server.host_port,
    )
    owner, stranger = make_user("Ada"), make_user("Eve")
    agent_id = make_agent(owner)
    views = run(mcp_servers.add_server(owner, agent_id, f"  {server.secure_url} ", TOKEN))
    assert [(v.url, v.host, v.has_token, v.disabled_tools) for v in views] == [(server.secure_url, server.host_port, True, ())]
    assert "token" not in vars(views[0])
    run(mcp_servers.add_server(owner, agent_id, server.open_url, "  "))
    with pytest.raises(Invalid, match="already on the agent"):
        run(mcp_servers.add_server(owner, agent_id, server.open_url))
    with pytest.raises(Invalid, match="loopback") as refused:
        run(mcp_servers.add_server(owner, agent_id, "http://127.0.0.1:9/mcp"))
    assert refused.value.field == "url"
    with pytest.raises(Invalid, match="http:// or https://"):
        run(mcp_servers.add_server(owner, agent_id, "gopher://example.com"))
    with pytest.raises(NotFound):
        run(mcp_servers.add_server(stranger, agent_id, server.open_url))
    with pytest.raises(NotFound):
        mcp_servers.set_tool_enabled(stranger, agent_id, server.open_url, "add", False)

    views = mcp_servers.set_tool_enabled(owner, agent_id, server.open_url, "fail", False)
    assert views[1].disabled_tools == ("fail",) and not views[1].has_token
    stored = agents.get_agent(owner, agent_id)
    assert stored.mcp_servers[0].token == TOKEN and stored.mcp_servers[1].disabled_tools == ["fail"]

    found = run(mcp_servers.discover_tools(owner, agent_id))
    assert [(s.url, len(s.tools), s.error) for s in found] == [(server.secure_url, 4, ""), (server.open_url, 4, "")]
    names = [t.spec.name for t in run(tools_for(agents.get_agent(owner, agent_id), with_mcp=True))]
    assert "mcp2_fail" not in names and {"mcp1_fail", "mcp2_add"} <= set(names)

    mcp_servers.set_tool_enabled(owner, agent_id, server.open_url, "fail", True)
    assert mcp_servers.list_servers(owner, agent_id)[1].disabled_tools == ()
    assert [v.url for v in mcp_servers.remove_server(owner, agent_id, server.secure_url)] == [server.open_url]
    with pytest.raises(NotFound, match="not on this agent"):
        mcp_servers.remove_server(owner, agent_id, server.secure_url)
    with pytest.raises(NotFound):
        run(mcp_servers.discover_tools(stranger, agent_id))


# ---------------------------------------------------------------- a reply that uses them


def test_a_reply_calls_an_mcp_tool_and_answers_with_its_result(
    database: str, server: McpTestServer, fake_provider, use_settings
) -> None:
    """The model (the fake provider) calls the agent's MCP tool by its namespaced
    name; the hub calls the MCP server, hands the result back, and the reply ends
    with the model's text, the step shown on the way."""
    use_settings(
        DATABASE_URL=database, REDIS_URL=None, NEUROCACHE_TOOL_TIMEOUT_SECONDS="5",
        NEUROCACHE_FETCH_ALLOWED_HOSTS=server.host_port, **fake_provider.env(),
    )
    owner = make_user("Ada")
    agent = agents.create_agent(owner, {"name": "Adder", "model": "fake-model"})
    run(mcp_servers.add_server(owner, agent.id, server.open_url))
    fake_provider.configure(replies=[
        {"tool_calls": [{"name": "mcp1_add", "arguments": {"a": 2, "b": 40}}]},
        "The sum is 42.",
    ])  # fmt: skip
    steps: list[str] = []
    shown: list[str] = []

    async def show(text: str) -> None:
        shown.append(text)

    async def step(text: str) -> None:
        steps.append(text)

    content, status = run(private.answer(
        owner, agent.id, [{"role": "user", "content": "What is 2 + 40?"}],
        show=show, stop=asyncio.Event(), on_step=step,
    ))  # fmt: skip
    assert (content, status) == ("The sum is 42.", "complete")
    assert server.calls() == [{"name": "add", "arguments": {"a": 2, "b": 40}}]
    assert steps == [f"Using add on {server.host_port}…", ""]
    first, second = (r["body"] for r in fake_provider.requests())
    assert "mcp1_add" in [t["function"]["name"] for t in first["tools"]]
    [result] = [m for m in second["messages"] if m["role"] == "tool"]
    assert "42" in result["content"]


# ---------------------------------------------------------------- whose tokens a reply may use


def test_a_members_message_never_reaches_the_owners_mcp_server(
    request: pytest.FixtureRequest, mcp_server: McpTestServer, fake_provider, use_settings
) -> None:
    """Ada's agent uses her MCP server with her token. Bob, a member of the channel,
    asks it to use the tool: the reply runs without her MCP tools, her server gets no
    request at all, and the reply's step says why (before: her server got Bob's call
    with her bearer token). Once she lets members trigger them, it does."""
    setup_stores(
        request, use_settings, "postgres+redis", **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0",
        NEUROCACHE_FETCH_ALLOWED_HOSTS=mcp_server.host_port, NEUROCACHE_TOOL_TIMEOUT_SECONDS="5",
    )  # fmt: skip
    mcp.forget()
    room = Team({"name": "Adder"})
    adder = room.agents["adder"]
    run(mcp_servers.add_server(room.ada.id, adder.id, mcp_server.secure_url, TOKEN))
    mcp_server.clear_calls()
    use_tool = {"tool_calls": [{"name": "mcp1_add", "arguments": {"a": 2, "b": 40}}]}
    fake_provider.configure(replies=[use_tool, "Done."])

    async def bob_asks() -> list[str]:
        async with BusRecorder(room.channel.id) as recorder:
            await room.say("@adder add 2 and 40 with your tool", by=room.bob)
        return [e["text"] for _, e in recorder.events if e["type"] == "agent.step"]

    steps = run(bob_asks())
    assert mcp_server.request_count() == 0 and mcp_server.calls() == []
    first = fake_provider.requests()[0]["body"]
    assert "tools" not in first  # nothing of hers is offered to the model
    assert steps == [reply_rules.MCP_WITHHELD_STEP]
    assert mcp_servers.trigger(room.ada.id, adder.id) == "owner"

    assert mcp_servers.set_trigger(room.ada.id, adder.id, "members") == "members"
    fake_provider.reset()
    fake_provider.configure(replies=[use_tool, "The sum is 42."])
    run(bob_asks())
    assert mcp_server.calls() == [{"name": "add", "arguments": {"a": 2, "b": 40}}]
    with pytest.raises(agents.SettingsInvalid):
        mcp_servers.set_trigger(room.ada.id, adder.id, "everyone")
    run(runner.shutdown())
