"""An agent's tools and MCP servers through the API: the same rules as the hub's
form, and MCP tokens that go in but never come back out."""

from __future__ import annotations

from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_tools_and_mcp_servers_in_the_agent_schema(caller: Caller) -> None:
    with caller.http() as http:
        created = http.post("/agents", json={
            "name": "Researcher", "tools": ["web_search", "fetch_url", "web_search"],
            "mcp_servers": [{"url": "https://tools.example/mcp", "token": "s3cret", "disabled_tools": ["wipe"]}],
        })
        assert created.status_code == 201, created.text
        agent = created.json()
        assert agent["tools"] == ["web_search", "fetch_url"]
        assert agent["mcp_servers"] == [
            {"url": "https://tools.example/mcp", "has_token": True, "disabled_tools": ["wipe"], "allowed_tools": None}
        ]
        assert "s3cret" not in created.text
        for read in (http.get("/agents/researcher"), http.get("/agents")):
            assert read.status_code == 200 and "s3cret" not in read.text and "has_token" in read.text

        # A PATCH replaces the list; a server sent back as reads show it keeps its token.
        patched = http.patch("/agents/researcher", json={
            "tools": ["fetch_url"], "mcp_servers": [{"url": "https://tools.example/mcp", "disabled_tools": []}],
        })
        assert patched.status_code == 200, patched.text
        assert patched.json()["tools"] == ["fetch_url"]
        assert patched.json()["mcp_servers"] == [
            {"url": "https://tools.example/mcp", "has_token": True, "disabled_tools": [], "allowed_tools": None}
        ]

        refused = assert_openai_error(http.post("/agents", json={"name": "X", "tools": ["shell"]}), 422)
        assert refused["param"] == "tools.0" and "'web_search' or 'fetch_url'" in refused["message"]
        bad_url = assert_openai_error(http.post("/agents", json={"name": "X", "mcp_servers": [{"url": "ftp://a"}]}), 422)
        assert bad_url["param"].startswith("mcp_servers") and "http" in bad_url["message"]

        schema = http.get("/openapi.json").json()["components"]["schemas"]
        assert "token" in schema["McpServer"]["properties"]  # what requests send
        assert set(schema["McpServerPublic"]["properties"]) == {"url", "has_token", "disabled_tools", "allowed_tools"}
        assert "owner_id" not in schema["AgentPublic"]["properties"]  # what reads show


def test_the_api_refuses_mcp_servers_the_agent_page_refuses(caller: Caller) -> None:
    """A private address is refused by the API as by the page (before: saved, and only
    failing when used), named by its host only: its path may hold a secret."""
    with caller.http() as http:
        for url in ("http://10.0.0.7/mcp/SECRET-IN-PATH", "http://169.254.169.254/latest/mcp", "http://[fec0::1]/mcp"):
            refused = assert_openai_error(http.post("/agents", json={"name": "Sneaky", "mcp_servers": [{"url": url}]}), 422)
            assert refused["param"] == "mcp_servers" and "is not a public internet address" in refused["message"]
            assert "SECRET" not in refused["message"]
        created = http.post("/agents", json={"name": "Sneaky"})
        assert created.status_code == 201
        patched = http.patch("/agents/sneaky", json={"mcp_servers": [{"url": "http://127.0.0.1:6379/mcp"}]})
        assert assert_openai_error(patched, 422)["param"] == "mcp_servers"
        assert http.get("/agents/sneaky").json()["mcp_servers"] == []
