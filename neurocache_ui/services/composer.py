"""What the channel composer's text does: a slash command (`/arena`, services/arena.py)
or a message, so the page has one call to make and commands can grow in one place."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from neurocache_ui.domain import arena as arena_rules
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services import arena, messaging


async def send(
    user_id: int, channel_id: int, content: str, attachment_ids: Sequence[int] = (), media_ids: Sequence[int] = ()
) -> tuple[MessageView, bool]:
    """(the stored message, whether it is a plain message the channel's agents may answer).
    A command's message has its own answerers and keeps any pending images and media for
    the next message. `media_ids`: the sender's uploaded, unsent video and audio (api/media.py)."""
    if arena_rules.is_command(content):
        return await arena.start(user_id, channel_id, content), False
    view = await asyncio.to_thread(
        messaging.post_message, channel_id, user_id=user_id, content=content, attachment_ids=attachment_ids,
        media_ids=media_ids,
    )  # fmt: skip
    return view, True
