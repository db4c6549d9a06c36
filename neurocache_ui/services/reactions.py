"""Emoji reactions on messages: members add and remove their own; every viewer
sees the message's new reactions live (it is published as updated)."""

from __future__ import annotations

from neurocache_ui.domain.errors import NotFound
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.domain.reactions import clean_emoji
from neurocache_ui.services import channels, messaging
from neurocache_ui.services.webhooks import outbox
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.repositories import messages as message_rows
from neurocache_ui.store.repositories import reactions as repo


def react(message_id: int, *, user_id: int, emoji: str, on: bool | None = None) -> MessageView:
    """Add (`on=True`), remove (`on=False`) or toggle (None) the user's `emoji` on a
    message of a channel they may post in; returns the message with its reactions.
    Adding what is there, or removing what is not, changes nothing."""
    emoji = clean_emoji(emoji)
    with database_guard(messaging.UNAVAILABLE_WRITE), session_scope() as session:
        channel_id = repo.lock_message(session, message_id)
        if channel_id is None:
            raise NotFound(messaging.MESSAGE_NOT_FOUND)
        try:
            channels.ensure_can_post(channel_id, user_id, session=session)
        except NotFound:
            raise NotFound(messaging.MESSAGE_NOT_FOUND) from None
        present = repo.mine(session, message_id, user_id, emoji)
        wanted = not present if on is None else on
        if wanted == present:
            view = message_rows.view(session, message_id)
            if view is None:
                raise NotFound(messaging.MESSAGE_NOT_FOUND)
            return view
        if wanted:
            repo.add(session, message_id, user_id, emoji)
        else:
            repo.remove(session, message_id, user_id, emoji)
        repo.sum_up(session, message_id)
        view = message_rows.view(session, message_id)
        if wanted and view is not None:
            outbox.reaction_added(session, view, user_id, emoji)
    if view is None:
        raise NotFound(messaging.MESSAGE_NOT_FOUND)
    messaging.published_update(view)
    return view
