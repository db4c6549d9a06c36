"""Video and audio in an agent's private "Try it" chat, on real stores (Postgres +
Redis, SQLite + in-process cache), over the real HTTP routes and the real media
processor with the fake provider: a file belongs to the agent, only its owner (the
uploader) reads it, the same limits hold, the owner's answer waits for it and watches
its frames and transcript as in a channel, and it goes with the agent."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.domain.media import MediaRef
from neurocache_ui.services import agents, channels, retention
from neurocache_ui.services.agent_runs import private
from neurocache_ui.services.media import sending, uploads, worker
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.media_models import Media, MediaChunk
from neurocache_ui.store.models import utcnow
from testkit import media as testmedia
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores
from tests.integration.test_media import as_, hub, person

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(params=["unshared_postgres+redis", "sqlite+memory"], ids=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    """Postgres: a database no hub server of the run reads (their media workers would claim these files)."""
    return setup_stores(
        request, use_settings, request.param, **fake_provider.env(),
        NEUROCACHE_LLM_MAX_RETRIES="0", NEUROCACHE_TRANSCRIPTION_MODEL="whisper-1",
    )


class Lab:
    """Ada and her agent; Bob, a member of Ada's channel but not the agent's owner."""

    def __init__(self) -> None:
        self.ada, self.bob = person("Ada"), person("Bob")
        self.agent = agents.create_agent(
            self.ada.id, {"model": "fake-model", "name": "Watcher", "slug": f"w{uuid.uuid4().hex[:6]}"}
        )
        self.channel = channels.create_channel(self.ada.id, name=f"lab {uuid.uuid4().hex[:6]}")
        channels.invite(self.channel.id, self.ada.id, self.bob.email)


async def upload_to(client, agent_id: int, name: str, data: bytes, kind: str = ""):
    return await client.post(f"/media?agent={agent_id}&filename={name}&kind={kind}", content=data)


def stored(ids: list[int]) -> tuple[set[int], int]:
    """(which of these media rows exist, how many chunks they have)."""
    with get_engine().connect() as conn:
        rows = set(conn.execute(sa.select(Media.id).where(Media.id.in_(ids))).scalars())
        chunks = conn.execute(sa.select(sa.func.count()).select_from(MediaChunk).where(MediaChunk.media_id.in_(ids))).scalar()
    return rows, int(chunks or 0)


async def test_a_try_it_file_is_its_owners_alone_within_the_same_limits(stores: Stores) -> None:
    lab = Lab()
    clip = testmedia.video_bytes(seconds=2)
    async with hub() as client:
        assert (await upload_to(as_(client, None), lab.agent.id, "a.mp4", clip)).status_code == 401
        assert (await upload_to(as_(client, lab.bob), lab.agent.id, "a.mp4", clip)).status_code == 404  # not his agent
        both = await client.post(f"/media?agent={lab.agent.id}&channel={lab.channel.id}&filename=a.mp4", content=clip)
        assert both.status_code == 422 and "a channel or an agent" in both.json()["detail"]
        made = await upload_to(as_(client, lab.ada), lab.agent.id, "clip.mp4", clip)
        assert made.status_code == 200, made.text
        media_id = made.json()["id"]
        assert made.json()["kind"] == "video"
        part = await client.get(f"/media/{media_id}", headers={"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == clip[:100]
        sending.send_private(lab.ada.id, lab.agent.id, [media_id])
        await worker.run_once()
        assert (await client.get(f"/media/{media_id}/poster")).status_code == 200
        assert (await client.get(f"/media/{media_id}/transcript")).json()["text"].startswith("Words at second 0.")
        for who in (lab.bob, None):  # a member of Ada's channel is a stranger to her Try it chat
            for path in ("", "/poster", "/transcript"):
                assert (await as_(client, who).get(f"/media/{media_id}{path}")).status_code == 404
        as_(client, lab.ada)
        assert (await client.delete(f"/media/{media_id}")).status_code == 404  # sent: no longer droppable
        waiting = [(await upload_to(client, lab.agent.id, f"{n}.wav", testmedia.audio_bytes(1))).json()["id"]
                   for n in range(uploads.MAX_PENDING)]
        full = await upload_to(client, lab.agent.id, "more.wav", testmedia.audio_bytes(1))
        assert full.status_code == 422 and "waiting to be sent" in full.json()["detail"]
        channel_file = await client.post(f"/media?channel={lab.channel.id}&filename=c.wav", content=testmedia.audio_bytes(1))
        assert channel_file.status_code == 200  # each place has its own room
        assert (await client.delete(f"/media/{waiting[0]}")).status_code == 204
    with pytest.raises(NotFound):
        sending.send_private(lab.bob.id, lab.agent.id, waiting[1:2])  # Bob cannot send Ada's files to her agent
    with pytest.raises(Invalid):
        sending.send_private(lab.ada.id, lab.agent.id, [waiting[1], channel_file.json()["id"]])  # a channel's file
    assert sending.send_private(lab.ada.id, lab.agent.id, [waiting[1]]) == [waiting[1]]
    with pytest.raises(Invalid):
        sending.send_private(lab.ada.id, lab.agent.id, [waiting[1]])  # already sent


async def test_the_answer_waits_for_the_file_and_watches_it_as_in_a_channel(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    await worker.run_once()  # what earlier tests left queued
    fake_provider.reset()
    fake_provider.configure(transcript="The red square comes first. Then the blue one.", reply="Blue at [00:02].")
    lab = Lab()
    async with hub() as client:
        media_id = (await upload_to(as_(client, lab.ada), lab.agent.id, "clip.mp4", testmedia.video_bytes(seconds=4))).json()["id"]
    sending.send_private(lab.ada.id, lab.agent.id, [media_id])
    seen: list[list[MediaRef]] = []
    steps: list[str] = []

    async def on_media(refs: list[MediaRef]) -> None:
        seen.append(refs)

    async def on_step(text: str) -> None:
        steps.append(text)

    async def show(_text: str) -> None:
        return None

    turns = [{"role": "user", "content": "When does the colour change?", "status": "complete", "media": [media_id]}]
    answering = asyncio.create_task(private.answer(
        lab.ada.id, lab.agent.id, turns, show=show, stop=asyncio.Event(), on_step=on_step, on_media=on_media
    ))
    await asyncio.sleep(1.0)
    assert not answering.done() and seen[0][0].status == "processing"  # it waits for the processor
    assert [r for r in fake_provider.requests() if r["path"] == "/v1/chat/completions"] == []
    assert await worker.run_once() == 1
    content, status = await asyncio.wait_for(answering, 60)
    assert (content, status) == ("Blue at [00:02].", "complete")
    assert seen[-1][0].status == "ready" and seen[-1][0].transcript
    assert steps[0] == "Watching and listening to the media…"

    [asked] = [m for m in fake_provider.last_body()["messages"] if m["role"] == "user"]
    text, heard, *pictures = asked["content"]
    assert text == {"type": "text", "text": "When does the colour change?"}
    assert heard["text"].startswith('[Video "clip.mp4", 00:04 long') and "frames below" in heard["text"]
    assert "[00:00] The red square comes first." in heard["text"]
    labels = [p["text"] for p in pictures[0::2]]
    assert len(labels) >= 2 and all(label.startswith("Frame at 00:0") for label in labels)
    assert all(p["type"] == "image_url" for p in pictures[1::2]) and len(pictures[1::2]) == len(labels)

    # A later turn still hears the earlier file (its transcript; the frames go with the newest video).
    fake_provider.reset()
    later = [*turns, {"role": "assistant", "content": content, "status": status},
             {"role": "user", "content": "And the sound?", "status": "complete"}]
    await private.answer(lab.ada.id, lab.agent.id, later, show=show, stop=asyncio.Event())
    first, _, last = (m["content"] for m in fake_provider.last_body()["messages"] if m["role"] != "system")
    assert "The red square comes first." in first[1]["text"] and last == "And the sound?"
    # Bob naming Ada's file in his own chat learns nothing of it.
    bobs = agents.create_agent(lab.bob.id, {"model": "fake-model", "name": "Peek", "slug": f"p{uuid.uuid4().hex[:6]}"})
    fake_provider.reset()
    peek = [{"role": "user", "content": "what is in it?", "status": "complete", "media": [media_id]}]
    await private.answer(lab.bob.id, bobs.id, peek, show=show, stop=asyncio.Event())
    [asked] = [m for m in fake_provider.last_body()["messages"] if m["role"] == "user"]
    assert asked["content"] == "what is in it?"


async def test_try_it_files_go_with_the_agent_or_after_a_day(stores: Stores) -> None:
    lab = Lab()
    async with hub() as client:
        ids = [(await upload_to(as_(client, lab.ada), lab.agent.id, f"{n}.wav", testmedia.audio_bytes(2))).json()["id"]
               for n in range(3)]
    sending.send_private(lab.ada.id, lab.agent.id, ids[:2])
    with get_engine().begin() as conn:  # ids[0]: a Try it chat of two days ago
        conn.execute(sa.update(Media).where(Media.id == ids[0]).values(created_at=utcnow() - timedelta(days=2)))
    assert retention.run_retention().media_abandoned >= 1
    assert stored(ids)[0] == {ids[1], ids[2]}
    agents.delete_agent(lab.ada.id, lab.agent.id)
    assert stored(ids) == (set(), 0)
