"""The hub against servers that attack it (issue 19): web pages and a search service
that inflate (testkit/web_fakes.HostilePages), an MCP server that inflates, names and
describes without limit, renames its tools and shouts (testkit/hostile_mcp.py). Bytes
are counted as they arrive, also after decompression, and what a server names or
describes is cut where the hub keeps it; meanwhile this process's memory rises less
than 200 MB and its event loop never stalls 250 ms (a stalled loop is a stalled
`/ping`). Before, 1.8 KB of `gzip, gzip` took a worker from 235 MB to 2.2 GB."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

from neurocache_ui.domain.tools import REMOTE_DESCRIPTION_CHARS, ToolError
from neurocache_ui.infra.web.search import SearchFailed, search_web
from neurocache_ui.services import agents, mcp_servers
from neurocache_ui.services.tools import mcp
from neurocache_ui.services.tools.fetch_url import TOOL as FETCH
from testkit.hostile_mcp import HostileMcpServer
from testkit.probes import LoopLag, MemoryRise
from testkit.web_fakes import HostilePages
from tests.integration.messaging_support import make_agent, make_user

pytestmark = pytest.mark.timeout(120)

MB = 1024 * 1024
MEMORY_RISE = 200 * MB
STALL = 0.25


@pytest.fixture(scope="module")
def pages() -> Iterator[HostilePages]:
    with HostilePages() as server:
        yield server


@pytest.fixture(scope="module")
def hostile_mcp() -> Iterator[HostileMcpServer]:
    with HostileMcpServer() as server:
        yield server


@pytest.fixture
def allow(use_settings, pages: HostilePages, hostile_mcp: HostileMcpServer) -> None:
    use_settings(
        NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{pages.port},{hostile_mcp.host_port}",
        NEUROCACHE_TOOL_TIMEOUT_SECONDS="20",
    )
    mcp.forget()
    hostile_mcp.become("normal")


# ---------------------------------------------------------------- pages and search


async def test_double_gzip_is_inflated_piece_by_piece_up_to_the_cap(allow, pages: HostilePages) -> None:
    with MemoryRise() as memory:
        async with LoopLag() as lag:
            output = await FETCH.run({"url": f"{pages.url}/double-gzip"})
    assert output.text.endswith("[Only the start of this document was read: it is longer than the reading limit.]")
    assert output.text.count("A") == 2 * MB  # NEUROCACHE_FETCH_MAX_BYTES, after both layers came off
    assert memory.rise < MEMORY_RISE, f"memory rose {memory.rise / MB:.0f} MB"
    assert lag.worst < STALL, f"the event loop stalled {lag.worst:.2f} s"


async def test_an_encoding_the_hub_does_not_read_is_refused_unread(allow, pages: HostilePages) -> None:
    """gzip inside brotli: brotli is not installed here, so the hub refuses the body
    rather than hand its still-compressed bytes on (before: it inflated the gzip layer
    it knew and ignored the other)."""
    with pytest.raises(ToolError, match=r"/gzip-in-br sent its answer with br compression, which the hub does not read"):
        await FETCH.run({"url": f"{pages.url}/gzip-in-br"})


async def test_a_search_answer_that_inflates_is_refused(allow, use_settings, pages: HostilePages) -> None:
    use_settings(NEUROCACHE_SEARXNG_URL=pages.url)
    with MemoryRise() as memory:
        async with LoopLag() as lag:
            with pytest.raises(SearchFailed, match="too large to read"):
                await search_web("anything")
    assert memory.rise < MEMORY_RISE, f"memory rose {memory.rise / MB:.0f} MB"
    assert lag.worst < STALL, f"the event loop stalled {lag.worst:.2f} s"


# ---------------------------------------------------------------- MCP


async def test_an_mcp_tool_list_that_inflates_is_refused(allow, hostile_mcp: HostileMcpServer) -> None:
    """0.6 MB of gzip inflating to 600 MB of tools/list (before: the worker went from
    1 GB to 4 GB, and 600 MB stayed in the discovery cache)."""
    hostile_mcp.become("bomb")
    with MemoryRise() as memory:
        async with LoopLag() as lag:
            [found] = await mcp.discover([{"url": hostile_mcp.mcp_url}])
    assert found.tools == ()
    assert found.error == f"{hostile_mcp.host_port} sent more than 2.0 MB once decompressed (from 64 KB received); it was not read."
    assert memory.rise < MEMORY_RISE, f"memory rose {memory.rise / MB:.0f} MB"
    assert lag.worst < STALL, f"the event loop stalled {lag.worst:.2f} s"


async def test_what_an_mcp_server_names_and_describes_is_cut_where_it_is_kept(allow, hostile_mcp: HostileMcpServer) -> None:
    """200 tools, a 1.5 MB description, a 300-character name, a name of forbidden
    characters, a 29 KB schema: the hub keeps 64 tools, 1,000 characters of a
    description, and refuses the odd ones with a reason; models are offered only the rest."""
    hostile_mcp.become("huge")
    [found] = await mcp.discover([{"url": hostile_mcp.mcp_url}])
    assert len(found.tools) == 64 and not found.complete
    novel, long_name, odd, wide, *rest = found.tools
    assert novel.name == "novel" and len(novel.description) == REMOTE_DESCRIPTION_CHARS and not novel.refused
    assert len(long_name.name) == 64 and long_name.refused.startswith("Its name is not 1-64 letters")
    assert odd.name == "rm -rf /; echo" and odd.refused.startswith("Its name is not")
    assert wide.refused == "Its input schema is 29 KB, over the 8 KB limit, so it is not used." and wide.input_schema == {}
    assert found.enabled == {tool.name for tool in [novel, *rest]}
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": hostile_mcp.mcp_url}]})()
    offered = await mcp.mcp_tools(agent)
    assert [tool.spec.name for tool in offered] == ["mcp1_novel"] + [f"mcp1_tool_{n}" for n in range(60)]
    definitions = json.dumps([tool.spec.to_openai() for tool in offered])
    assert len(definitions) < 20_000  # every model call carries these (before: 3.2 MB with 64 tools)
    assert max(len(tool.step_text({})) for tool in offered) < 120  # the step line every member sees


async def test_an_mcp_servers_error_is_quoted_short(allow, hostile_mcp: HostileMcpServer) -> None:
    hostile_mcp.become("shouting")
    agent = type("Agent", (), {"id": 1, "mcp_servers": [{"url": hostile_mcp.mcp_url}]})()
    [add, *_] = await mcp.mcp_tools(agent)
    with pytest.raises(ToolError) as failed:
        await add.run({"a": 1, "b": 2})
    assert len(str(failed.value)) < 500 and "EEEE" in str(failed.value)


def test_a_renamed_tool_stays_off_until_the_owner_switches_it_on(
    database: str, allow, use_settings, hostile_mcp: HostileMcpServer
) -> None:
    """The owner's first discovery records what the server offered; she switches
    `delete_all` off. The server renames it `delete_all_v2` (and adds `exfiltrate`):
    neither reaches the model until she switches it on (before: both did at once)."""
    use_settings(DATABASE_URL=database, REDIS_URL=None)
    owner = make_user("Ada")
    agent_id = make_agent(owner)
    hostile_mcp.become("named", names=["read_file", "delete_all"])
    asyncio.run(mcp_servers.add_server(owner, agent_id, hostile_mcp.mcp_url))
    asyncio.run(mcp_servers.discover_tools(owner, agent_id))
    mcp_servers.set_tool_enabled(owner, agent_id, hostile_mcp.mcp_url, "delete_all", False)

    def offered() -> list[str]:
        mcp.forget()
        tools = asyncio.run(mcp.mcp_tools(agents.get_agent(owner, agent_id)))
        return [tool.spec.name for tool in tools]

    assert offered() == ["mcp1_read_file"]
    hostile_mcp.become("named", names=["read_file", "delete_all_v2", "exfiltrate"])
    assert offered() == ["mcp1_read_file"]
    [found] = asyncio.run(mcp_servers.discover_tools(owner, agent_id))
    assert [tool.name for tool in found.tools] == ["read_file", "delete_all_v2", "exfiltrate"]
    assert found.enabled == {"read_file"}
    mcp_servers.set_tool_enabled(owner, agent_id, hostile_mcp.mcp_url, "exfiltrate", True)
    assert offered() == ["mcp1_read_file", "mcp1_exfiltrate"]
