"""/agents: the key owner's agents, with the same settings model and validation
as the hub's generated form (services.agents.AgentSettings), and MCP server URLs
checked against the same address rules as the agent page's (422 otherwise)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.routes.models import all_agents
from neurocache_ui.api.schemas import AgentCreate, AgentList, AgentUpdate
from neurocache_ui.services import agents, key_limits, mcp_servers
from neurocache_ui.services.agents import AgentPublic

router = APIRouter(prefix="/agents", tags=["agents"])


@router.get("", response_model=AgentList, summary="List your agents")
def list_agents(
    key: ReadKey,
    search: Annotated[str, Query(max_length=200, description="Matches name, slug or description.")] = "",
    limit: Annotated[int, Query(ge=1, le=agents.MAX_PAGE_SIZE)] = agents.PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AgentList:
    if key.limits.agents:  # at most scopes.SLUGS_MAX agents: filter them all, then page
        reachable = key_limits.reachable_agents(key, all_agents(key.user_id, search))
        return AgentList(data=reachable[offset : offset + limit], has_more=len(reachable) > offset + limit)
    page = agents.list_agents(key.user_id, search, limit, offset)
    has_more = len(page) == limit and agents.count_agents(key.user_id, search) > offset + limit
    return AgentList(data=page, has_more=has_more)



def _urls(servers: Iterable[Any] | None) -> list[str]:
    return [str(s.get("url") if isinstance(s, dict) else getattr(s, "url", "")) for s in servers or ()]


@router.post("", response_model=AgentPublic, status_code=201, summary="Create an agent")
async def create_agent(body: AgentCreate, key: WriteKey) -> AgentPublic:
    await mcp_servers.check_urls(_urls(body.mcp_servers))
    return await asyncio.to_thread(agents.create_agent, key.user_id, body)


@router.get("/{slug}", response_model=AgentPublic, summary="One of your agents")
def get_agent(slug: str, key: ReadKey) -> AgentPublic:
    return agents.get_agent(key.user_id, slug)


@router.patch("/{slug}", response_model=AgentPublic, summary="Change some of an agent's settings")
async def update_agent(slug: str, body: Annotated[AgentUpdate, Body()], key: WriteKey) -> AgentPublic:  # type: ignore[valid-type]
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)  # type: ignore[attr-defined]
    await mcp_servers.check_urls(_urls(changes.get("mcp_servers")))
    return await asyncio.to_thread(agents.update_agent, key.user_id, slug, changes)


@router.delete("/{slug}", status_code=204, response_class=Response, summary="Delete an agent")
def delete_agent(slug: str, key: WriteKey) -> Response:
    agents.delete_agent(key.user_id, slug)
    return Response(status_code=204)
