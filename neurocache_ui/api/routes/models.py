"""GET /models: the key owner's agents and channels, as OpenAI models."""

from __future__ import annotations

from fastapi import APIRouter

from neurocache_ui.api.deps import CurrentKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.schemas import ModelCard, ModelList
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.services import agents, channels

router = APIRouter(tags=["models"])
AGENT, CHANNEL = "agent:", "channel:"


def all_agents(user_id: int) -> list[agents.AgentPublic]:
    found: list[agents.AgentPublic] = []
    while True:
        page = agents.list_agents(user_id, limit=agents.MAX_PAGE_SIZE, offset=len(found))
        found += page
        if len(page) < agents.MAX_PAGE_SIZE:
            return found


def _agent_card(agent: agents.AgentPublic) -> ModelCard:
    return ModelCard(
        id=AGENT + agent.slug, created=int(agent.created_at.timestamp()), owned_by="user",
        name=agent.name, description=agent.description,
    )


def _channel_card(channel: channels.ChannelView) -> ModelCard:
    return ModelCard(
        id=CHANNEL + channel.slug, created=int(channel.created_at.timestamp()), owned_by="channel",
        name=channel.name, description=channel.goal or channel.description,
    )


@router.get("/models", response_model=ModelList, summary="List agents and channels as models")
def list_models(key: CurrentKey) -> ModelList:
    cards = [_agent_card(a) for a in all_agents(key.user_id)]
    for summary in channels.list_channels(key.user_id):
        try:
            cards.append(_channel_card(channels.get_channel(summary.id, key.user_id)))
        except NotFound:  # left or deleted meanwhile
            continue
    return ModelList(data=cards)


def model_not_found(model: str) -> ApiError:
    return ApiError(
        404,
        f"The model {model!r} does not exist or is not yours. Use agent:<slug> or channel:<slug> from GET /api/v1/models.",
        code="model_not_found",
        param="model",
    )


@router.get("/models/{model}", response_model=ModelCard, summary="One model")
def get_model(model: str, key: CurrentKey) -> ModelCard:
    try:
        if model.startswith(AGENT):
            return _agent_card(agents.get_agent(key.user_id, model.removeprefix(AGENT)))
        if model.startswith(CHANNEL):
            return _channel_card(channels.get_channel(model.removeprefix(CHANNEL), key.user_id))
    except NotFound:
        pass
    raise model_not_found(model)
