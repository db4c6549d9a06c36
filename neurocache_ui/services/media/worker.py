"""The media lifespan task of every worker process: sent video and audio are claimed
from the database one at a time (a lease, safe with several hosts) and processed
(services/media/processing.py), forever. Sending in this process wakes it at once
(services/media/sending.py); another host's is found within IDLE_SECONDS.

A worker that dies mid-file leaves it "processing" with a lease that runs out; any
worker claims it again, at most MAX_ATTEMPTS times in all, then it is marked failed
and its viewers are told: no file stays "Processing" forever."""

from __future__ import annotations

import asyncio

from neurocache_ui.infra.doorbell import work_forever
from neurocache_ui.services import messaging
from neurocache_ui.services.media import processing, sending
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.repositories import media as repo
from neurocache_ui.store.repositories import messages as messages_repo

IDLE_SECONDS = 5.0
MAX_ATTEMPTS = 3


def claim() -> int | None:
    """One file to process now (its lease taken), after failing those whose attempts ran out."""
    with session_scope() as session:
        given_up = repo.worn_out(session, utcnow(), MAX_ATTEMPTS)
        for message_id in given_up:
            repo.show_on_message(session, message_id)
        views = [messages_repo.view(session, message_id) for message_id in given_up]
        media_id = repo.claim(session, utcnow(), processing.lease_until(), MAX_ATTEMPTS)
    for view in views:
        if view is not None:
            messaging.published_update(view)
    return media_id


async def run_once() -> int:
    """Claim and process files until none is waiting; how many were processed."""
    done = 0
    while (media_id := await asyncio.to_thread(claim)) is not None:
        await processing.process(media_id)
        done += 1
    return done


async def process_forever() -> None:
    """Lifespan task: process sent media, forever."""
    await work_forever(sending.bell, run_once, idle=IDLE_SECONDS, name="media worker")


__all__ = ["MAX_ATTEMPTS", "claim", "process_forever", "run_once"]
