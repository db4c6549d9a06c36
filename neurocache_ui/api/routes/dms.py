"""/dms: start (or find) a direct message with people and agents. The DM is a
channel, so its messages are read and posted through /channels/{slug}/messages."""

from __future__ import annotations

from fastapi import APIRouter, Response

from neurocache_ui.api.deps import WriteKey
from neurocache_ui.api.routes.channels import channel_public
from neurocache_ui.api.schemas import ChannelPublic, DmCreate
from neurocache_ui.services import dms

router = APIRouter(prefix="/dms", tags=["direct messages"])


@router.post(
    "", response_model=ChannelPublic, status_code=201,
    summary="Open the direct message with these members (201 started now, 200 it existed)",
    responses={200: {"model": ChannelPublic, "description": "The same members' existing direct message."}},
)
def open_dm(body: DmCreate, key: WriteKey, response: Response) -> ChannelPublic:
    view, started = dms.open_by_refs(key.user_id, body.members)
    if not started:
        response.status_code = 200
    return channel_public(view, key.user_id)
