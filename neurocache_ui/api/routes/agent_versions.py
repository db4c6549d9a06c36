"""/agents/{slug}/versions: an agent's immutable history (services/agent_versions.py).
Restoring saves an old version's settings again, as a new version."""

from __future__ import annotations

import asyncio
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.schemas import AgentVersionList, AgentVersionOut
from neurocache_ui.services import agent_versions, agents
from neurocache_ui.services.agents import AgentPublic

router = APIRouter(prefix="/agents/{slug}/versions", tags=["agents"])
Number = Annotated[int, Path(ge=1, le=2**31 - 1, description="The version's number.")]


@router.get("", response_model=AgentVersionList, summary="An agent's versions, newest first")
def list_versions(
    slug: str,
    key: ReadKey,
    limit: Annotated[int, Query(ge=1, le=agent_versions.PAGE_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> AgentVersionList:
    page, has_more = agent_versions.list_versions(key.user_id, slug, limit, offset)
    return AgentVersionList(data=[AgentVersionOut(**asdict(v)) for v in page], has_more=has_more)


@router.get("/{number}", response_model=AgentVersionOut, summary="One version of an agent")
def get_version(slug: str, number: Number, key: ReadKey) -> AgentVersionOut:
    return AgentVersionOut(**asdict(agent_versions.get_version(key.user_id, slug, number)))


@router.post("/{number}/restore", response_model=AgentPublic, summary="Make a version current again (as a new version)")
async def restore_version(slug: str, number: Number, key: WriteKey) -> AgentPublic:
    return await asyncio.to_thread(agents.restore_version, key.user_id, slug, number)
