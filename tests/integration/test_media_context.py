"""What an agent is shown of the video and audio in its channel, on real stores and
the fake provider: the newest video's frames as image_url parts labelled with their
moments, every file's timestamped transcript, and a reply to a voice message waits
until its transcript exists (the media rows are written here as the processor
writes them: services/media/ has its own tests)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.media import MediaRef
from neurocache_ui.services import agents, messaging, team
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.media_models import Media, MediaFrame
from neurocache_ui.store.models import Message
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores
from tests.integration.test_attachments import Room

pytestmark = pytest.mark.timeout(120)

SAID = [(0, 1800, "Here is the red square."), (2000, 3900, "Now the blue one appears.")]


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, request.param, **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


def attach(message_id: int, channel_id: int, kind: str, *, status: str, frames: int = 0, said=SAID, note: str = "") -> MediaRef:
    """A processed (or processing) file on the message, as the media processor leaves it."""
    with session_scope() as session:
        media = Media(
            channel_id=channel_id, message_id=message_id, kind=kind, content_type="video/mp4", filename=f"clip-{kind}.mp4",
            size=1000, complete=True, duration_ms=4000, status=status, progress=100 if status == "ready" else 40,
            note=note, transcript=[list(s) for s in said] if status == "ready" else [],
            transcript_text=" ".join(text for _, _, text in said) if status == "ready" else "",
        )
        session.add(media)
        session.flush()
        assert media.id is not None
        for seq in range(frames):
            session.add(MediaFrame(media_id=media.id, seq=seq, at_ms=seq * 1000, data=b"\xff\xd8jpeg%d" % seq))
        ref = MediaRef(media.id, kind, media.filename, 4000, status, media.progress, note, status == "ready")  # type: ignore[arg-type]
        session.execute(sa.update(Message).where(Message.id == message_id).values(media=[ref.to_row()]))
    messaging.published_update(messaging.get_message(message_id, viewer_id=None))  # the cache and viewers too
    return ref


def mark_ready(ref: MediaRef, message_id: int) -> None:
    with session_scope() as session:
        session.execute(
            sa.update(Media).where(Media.id == ref.id).values(
                status="ready", progress=100, transcript=[list(s) for s in SAID], transcript_text="red square blue"
            )
        )
        done = MediaRef(ref.id, ref.kind, ref.filename, ref.duration_ms, "ready", 100, "", True)
        session.execute(sa.update(Message).where(Message.id == message_id).values(media=[done.to_row()]))
    messaging.published_update(messaging.get_message(message_id, viewer_id=None))


def replying_agent(room: Room, **settings: str) -> agents.AgentPublic:
    agent = agents.create_agent(
        room.ada.id, {"model": "fake-model", "name": "Watcher", "slug": f"w{uuid.uuid4().hex[:6]}", **settings}
    )
    team.add_agent(room.channel.id, room.ada.id, agent.id)
    return agent


async def test_the_agent_sees_the_newest_videos_frames_and_every_transcript(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Room()
    cid = room.channel.id
    agent = replying_agent(room)
    older = messaging.post_message(cid, user_id=room.bob.id, content="the first take")
    attach(older.id, cid, "video", status="ready", frames=2)
    asked = messaging.post_message(cid, user_id=room.bob.id, content=f"@{agent.slug} when does the colour change?")
    attach(asked.id, cid, "video", status="ready", frames=3)
    runner.trigger(messaging.get_message(asked.id, viewer_id=room.bob.id), triggered_by_user_id=room.bob.id)
    await runner.drain(timeout=60)

    users = [m for m in fake_provider.last_body()["messages"] if m["role"] == "user"]
    first, second = (m["content"] for m in users)
    # The older video: its transcript, no frames.
    assert [p["type"] for p in first] == ["text", "text"]
    assert first[1]["text"].startswith('[Video "clip-video.mp4", 00:04 long. Cite moments as [mm:ss].]')
    assert "[00:00] Here is the red square.\n[00:02] Now the blue one appears." in first[1]["text"]
    # The newest: its transcript, then each frame after its moment.
    assert second[0] == {"type": "text", "text": f"Bob: @{agent.slug} when does the colour change?"}
    assert "3 frames below" in second[1]["text"] and "[00:02] Now the blue one appears." in second[1]["text"]
    labels = [p["text"] for p in second[2::2]]
    assert labels == ["Frame at 00:00:", "Frame at 00:01:", "Frame at 00:02:"]
    assert all(p["type"] == "image_url" and p["image_url"]["url"].startswith("data:image/jpeg;base64,") for p in second[3::2])
    await runner.shutdown()


async def test_a_reply_to_a_voice_message_waits_for_its_transcript(stores: Stores, fake_provider: FakeOpenAIServer) -> None:
    room = Room()
    cid = room.channel.id
    replying_agent(room, reply_mode="all")
    voice = messaging.post_message(cid, user_id=room.bob.id, content="listen")
    ref = attach(voice.id, cid, "voice", status="processing")
    runner.trigger(messaging.get_message(voice.id, viewer_id=room.bob.id), triggered_by_user_id=room.bob.id)
    await asyncio.sleep(1.5)
    assert fake_provider.requests() == []  # not before the transcript exists
    await asyncio.to_thread(mark_ready, ref, voice.id)
    await runner.drain(timeout=60)
    [asked] = [m for m in fake_provider.last_body()["messages"] if m["role"] == "user"]
    assert asked["content"][0] == {"type": "text", "text": "Bob: listen"}
    assert asked["content"][1]["text"].startswith('[Voice message "clip-voice.mp4", 00:04 long')
    assert "[00:02] Now the blue one appears." in asked["content"][1]["text"]
    [reply] = [m for m in messaging.recent_messages(cid, viewer_id=room.bob.id) if m.author_kind == "agent"]
    assert reply.status == "complete"
    await runner.shutdown()
