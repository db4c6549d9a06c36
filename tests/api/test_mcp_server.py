"""The hub as an MCP server (/api/v1/mcp), driven by the `mcp` package's own client
against the running app: the tools, each bound by the key's rights; a missing or
wrong key gets 401 before any MCP message is read."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from neurocache_ui.domain.scopes import KeyLimits
from neurocache_ui.services import api_keys, channels, messaging
from tests.api.conftest import Caller, Workspace

pytestmark = pytest.mark.asyncio


@asynccontextmanager
async def connected(caller: Caller, key: str | None = None) -> AsyncIterator[Client]:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key or caller.key}"}, timeout=30)
    async with http, Client(streamable_http_client(f"{caller.base_url}/mcp", http_client=http)) as client:
        yield client


async def call(caller: Caller, name: str, arguments: dict[str, Any] | None = None) -> tuple[Any, bool]:
    """The tool's structured result (or its error text) and whether it failed."""
    async with connected(caller) as client:
        result = await client.call_tool(name, arguments or {})
    if result.is_error:
        return result.content[0].text, True
    return result.structured_content, False


async def test_tools_are_listed_with_their_arguments(caller: Caller) -> None:
    async with connected(caller) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert set(tools) == {"list_channels", "read_channel", "search_messages", "post_message", "ask_agent", "ask_channel"}
    assert tools["post_message"].input_schema["required"] == ["channel", "content"]
    assert "around" in tools["read_channel"].input_schema["properties"]


async def test_a_missing_or_wrong_key_is_refused_before_mcp(caller: Caller) -> None:
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
    headers = {"Accept": "application/json, text/event-stream"}
    async with httpx.AsyncClient(timeout=10) as http:
        for auth in ({}, {"Authorization": "Bearer nck_not_a_real_key"}):
            response = await http.post(f"{caller.base_url}/mcp", json=initialize, headers={**headers, **auth})
            assert response.status_code == 401
            assert response.headers["www-authenticate"] == "Bearer"
            assert response.json()["error"]["code"] in ("missing_api_key", "invalid_api_key")


async def test_channels_read_search_and_post_as_the_key_owner(caller: Caller, new_caller, workspace: Workspace) -> None:
    channel = workspace.channel
    posted = [messaging.post_message(channel.id, user_id=caller.user_id, content=f"line {i} about the venue in Porto")
              for i in range(12)]

    listed, failed = await call(caller, "list_channels")
    assert not failed and [c["slug"] for c in listed["data"]] == [channel.slug]

    page, failed = await call(caller, "read_channel", {"channel": channel.slug, "limit": 5})
    assert not failed and [m["content"] for m in page["data"]] == [m.content for m in posted[-5:]]
    middle = posted[6]
    page, _ = await call(caller, "read_channel", {"channel": channel.slug, "around": middle.id, "limit": 4})
    assert [m["id"] for m in page["data"]] == [m.id for m in posted[4:9]]  # two before, it, two after
    assert page["has_more"] is True

    found, _ = await call(caller, "search_messages", {"query": "Porto", "limit": 3})
    assert [hit["id"] for hit in found["data"]] == [m.id for m in reversed(posted[-3:])]  # newest first

    sent, failed = await call(caller, "post_message", {"channel": channel.slug, "content": "Posted from an MCP client"})
    assert not failed and sent["user_id"] == caller.user_id and sent["content"] == "Posted from an MCP client"
    newest = messaging.recent_messages(channel.id, 1, viewer_id=caller.user_id)[-1]
    assert newest.content == "Posted from an MCP client" and newest.user_id == caller.user_id

    # Someone else's key sees none of it: the same 404 the API gives.
    stranger = new_caller("Eve")
    listed, _ = await call(stranger, "list_channels")
    assert listed["data"] == []
    for name, arguments in (("read_channel", {"channel": channel.slug}),
                            ("post_message", {"channel": channel.slug, "content": "let me in"})):
        text, failed = await call(stranger, name, arguments)
        assert failed and "404: Channel not found" in text
    found, _ = await call(stranger, "search_messages", {"query": "Porto"})
    assert found["data"] == []
    assert channels.member_channel_id(channel.slug, caller.user_id) == channel.id


async def test_ask_an_agent_and_a_channel(caller: Caller, workspace: Workspace, fake_provider) -> None:
    async with connected(caller) as client:
        answer = await client.call_tool("ask_agent", {"agent": "scout", "question": "where is the source"})
        assert not answer.is_error and answer.content[0].text == "Echo: where is the source"
        collective = await client.call_tool("ask_channel", {"channel": workspace.channel.slug, "question": "which venue"})
        missing = await client.call_tool("ask_agent", {"agent": "nobody", "question": "hello"})
    assert not collective.is_error
    result = collective.structured_content
    assert {a["agent"] for a in result["answers"]} == {"scout", "critic"} and result["answer"]
    assert missing.is_error and "404" in missing.content[0].text
    assert json.dumps(result)  # plain JSON, as the API gives it


async def test_a_read_only_key_reads_but_cannot_post_or_ask(caller: Caller, workspace: Workspace) -> None:
    """The tools are bound by the key's scopes: the API's 403 names the missing one."""
    secret, _ = api_keys.create_key(caller.user_id, "read only", limits=KeyLimits(scopes=("read",)))
    reader = replace(caller, key=secret)
    page, failed = await call(reader, "read_channel", {"channel": workspace.channel.slug})
    assert not failed and page["object"] == "list"
    for name, arguments, scope in (("post_message", {"channel": workspace.channel.slug, "content": "hi"}, "write"),
                                   ("ask_agent", {"agent": "scout", "question": "hi"}, "chat")):
        text, failed = await call(reader, name, arguments)
        assert failed and "403" in text and f"'{scope}'" in text
    assert messaging.recent_messages(workspace.channel.id, 5, viewer_id=caller.user_id) == []
