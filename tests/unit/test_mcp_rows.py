"""The MCP tab's rows (web/state/mcp.py), as pure functions: what discovery found stays
with a server's row only while that row is the same server (issue 18: a stale error
stayed after the server was removed and added again with a token)."""

from __future__ import annotations

from neurocache_ui.infra.mcp_client import RemoteTool
from neurocache_ui.services.mcp_servers import ServerTools, ServerView
from neurocache_ui.web.state.mcp import discovered, merged_rows, shown_tools

URL = "https://tools.example/mcp"


def view(has_token: bool = False, disabled: tuple[str, ...] = (), allowed: tuple[str, ...] | None = None) -> ServerView:
    return ServerView(URL, "tools.example", has_token, disabled, allowed)


def found(error: str = "", names: tuple[str, ...] = ("add",)) -> ServerTools:
    tools = tuple(RemoteTool(name, f"The {name} tool.", {"type": "object"}) for name in names)
    return ServerTools(URL, "tools.example", tools, frozenset(names), error=error)


def test_an_unchanged_server_keeps_what_discovery_found() -> None:
    rows, next_rev = merged_rows([], [view()], 1)
    rows, tools = discovered(rows, [], {URL: rows[0]["rev"]}, [found(error="tools.example needs a token (HTTP 401).")])
    again, _ = merged_rows(rows, [view()], next_rev)
    assert again == rows and again[0]["error"] == "tools.example needs a token (HTTP 401)."


def test_a_server_given_a_token_starts_afresh_without_the_old_error() -> None:
    rows, next_rev = merged_rows([], [view()], 1)
    rows, tools = discovered(rows, [], {URL: rows[0]["rev"]}, [found(error="tools.example needs a token (HTTP 401).")])
    # Removed, then added again with its token: a new row, no error, not yet discovered.
    removed, next_rev = merged_rows(rows, [], next_rev)
    readded, next_rev = merged_rows(removed, [view(has_token=True)], next_rev)
    assert readded[0]["error"] == "" and not readded[0]["discovered"] and readded[0]["rev"] != rows[0]["rev"]
    # Even without the removal showing in between, a token makes it another row.
    direct, _ = merged_rows(rows, [view(has_token=True)], next_rev)
    assert direct[0]["error"] == "" and not direct[0]["discovered"]


def test_a_discovery_that_started_before_the_row_changed_is_not_applied_to_it() -> None:
    rows, next_rev = merged_rows([], [view()], 1)
    started = {URL: rows[0]["rev"]}  # discovery begins, with the server as it was
    changed, _ = merged_rows([], [view(has_token=True)], next_rev)  # removed and added again meanwhile
    after, tools = discovered(changed, [], started, [found(error="tools.example needs a token (HTTP 401).")])
    assert after == changed and tools == []


def test_tools_follow_their_row_and_its_switches() -> None:
    rows, next_rev = merged_rows([], [view()], 1)
    rows, tools = discovered(rows, [], {URL: rows[0]["rev"]}, [found(names=("add", "wipe"))])
    assert [(t["name"], t["enabled"]) for t in tools] == [("add", True), ("wipe", True)]
    switched = shown_tools(tools, rows, [view(disabled=("wipe",))])
    assert [(t["name"], t["enabled"]) for t in switched] == [("add", True), ("wipe", False)]
    known_only = shown_tools(tools, rows, [view(allowed=("add",))])
    assert [(t["name"], t["enabled"]) for t in known_only] == [("add", True), ("wipe", False)]
    readded, _ = merged_rows([], [view(has_token=True)], next_rev)
    assert shown_tools(tools, readded, [view(has_token=True)]) == []
