"""GET /models: the key owner's agents and channels (those the key may reach), as
OpenAI models, and the hub's embedding model (POST /embeddings)."""

from __future__ import annotations

from fastapi import APIRouter

from neurocache_ui.api.deps import ReadKey
from neurocache_ui.api.errors import ApiError
from neurocache_ui.api.schemas import ModelCard, ModelList
from neurocache_ui.domain.errors import NotFound
from neurocache_ui.services import agents, channels, embeddings, key_limits

router = APIRouter(tags=["models"])
AGENT, CHANNEL = "agent:", "channel:"


def all_agents(user_id: int, search: str = "") -> list[agents.AgentPublic]:
    """Every agent of the user (matching `search`), page by page."""
    found: list[agents.AgentPublic] = []
    while True:
        page = agents.list_agents(user_id, search, limit=agents.MAX_PAGE_SIZE, offset=len(found))
        found += page
        if len(page) < agents.MAX_PAGE_SIZE:
            return found


def _agent_card(agent: agents.AgentPublic) -> ModelCard:
    return ModelCard(
        id=AGENT + agent.slug, created=int(agent.created_at.timestamp()), owned_by="user",
        name=agent.name, description=agent.description,
    )


def _embedding_card() -> ModelCard:
    return ModelCard(
        id=embeddings.model_name(), created=0, owned_by="hub", name="Embeddings",
        description="The hub's embedding model, what knowledge uses: POST /embeddings (also as model \"default\").",
    )


def _channel_card(channel: channels.ChannelView) -> ModelCard:
    return ModelCard(
        id=CHANNEL + channel.slug, created=int(channel.created_at.timestamp()), owned_by="channel",
        name=channel.name, description=channel.goal or channel.description,
    )


@router.get("/models", response_model=ModelList, summary="List agents and channels as models")
def list_models(key: ReadKey) -> ModelList:
    cards = [_agent_card(a) for a in key_limits.reachable_agents(key, all_agents(key.user_id))]
    for summary in key_limits.reachable_channels(key, channels.list_channels(key.user_id)):
        try:
            cards.append(_channel_card(channels.get_channel(summary.id, key.user_id)))
        except NotFound:  # left or deleted meanwhile
            continue
    return ModelList(data=[*cards, _embedding_card()])


def model_not_found(model: str) -> ApiError:
    return ApiError(
        404,
        f"The model {model!r} does not exist or is not yours. Use agent:<slug> or channel:<slug> from GET /api/v1/models.",
        code="model_not_found",
        param="model",
    )


@router.get("/models/{model}", response_model=ModelCard, summary="One model")
def get_model(model: str, key: ReadKey) -> ModelCard:
    try:
        if model.startswith(AGENT):
            key_limits.ensure_agent(key, model.removeprefix(AGENT))
            return _agent_card(agents.get_agent(key.user_id, model.removeprefix(AGENT)))
        if model.startswith(CHANNEL):
            key_limits.ensure_channel(key, model.removeprefix(CHANNEL))
            return _channel_card(channels.get_channel(model.removeprefix(CHANNEL), key.user_id))
    except NotFound:
        pass
    if model == embeddings.model_name():
        return _embedding_card()
    raise model_not_found(model)
