"""Video and audio in channels on real stores (Postgres + Redis, SQLite + in-process
cache), over real HTTP routes: uploads streamed and checked (kind, size while
streaming, the decoder's verdict), served to members only with range requests,
processed in the background into frames, a poster and a transcript from the fake
provider with progress every viewer sees, and gone with their message or channel."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from neurocache_ui.api.app import create_app
from neurocache_ui.infra import bus
from neurocache_ui.services import api_keys, auth, channels, messaging, retention
from neurocache_ui.services.media import processing, reading, worker
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.media_models import CHUNK_BYTES, Media, MediaChunk
from neurocache_ui.store.models import utcnow
from testkit import media as testmedia
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(params=["unshared_postgres+redis", "sqlite+memory"], ids=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    """Postgres: a database no hub server of the run reads (their media workers would
    claim this test's sent files)."""
    return setup_stores(
        request, use_settings, request.param, **fake_provider.env(),
        NEUROCACHE_LLM_MAX_RETRIES="0", NEUROCACHE_TRANSCRIPTION_MODEL="whisper-1",
    )


def person(name: str) -> auth.CurrentUser:
    return auth.create_user(name=name, email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")


class Room:
    """Ada and Bob in a channel; Eve outside it."""

    def __init__(self) -> None:
        self.ada, self.bob, self.eve = person("Ada"), person("Bob"), person("Eve")
        self.channel = channels.create_channel(self.ada.id, name=f"clips {uuid.uuid4().hex[:6]}")
        channels.invite(self.channel.id, self.ada.id, self.bob.email)


def hub() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://hub.test")


def as_(client: httpx.AsyncClient, who: auth.CurrentUser | None) -> httpx.AsyncClient:
    client.cookies.clear()
    if who is not None:
        client.cookies.set(auth.SESSION_COOKIE, auth.start_session(who.id))
    return client


async def upload(client: httpx.AsyncClient, channel_id: int, name: str, data: bytes, kind: str = "") -> httpx.Response:
    return await client.post(f"/media?channel={channel_id}&filename={name}&kind={kind}", content=data)


def media_rows() -> int:
    with get_engine().connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(MediaChunk)).scalar() or 0)


# ---------------------------------------------------------------- uploads


async def test_uploads_are_checked_in_order_of_cost(stores: Stores, use_settings) -> None:
    room = Room()
    cid = room.channel.id
    clip = testmedia.video_bytes(seconds=2)
    async with hub() as client:
        assert (await upload(as_(client, None), cid, "a.mp4", clip)).status_code == 401
        assert (await upload(as_(client, room.eve), cid, "a.mp4", clip)).status_code == 404
        refused = await upload(as_(client, room.ada), cid, "notes.txt", b"hello")
        assert refused.status_code == 415 and "not a video or audio file" in refused.json()["detail"]
        use_settings(NEUROCACHE_MEDIA_MAX_MB="1")
        declared = await client.post(
            f"/media?channel={cid}&filename=big.mp4", content=b"x" * 10, headers={"Content-Length": str(2 * CHUNK_BYTES)}
        )
        assert declared.status_code == 413 and "limit is 1 MB" in declared.json()["detail"]
        sent = 0

        async def endless() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(64):  # 4 MB offered, without a length
                sent += 1
                yield b"\0" * 65536

        streamed = await client.post(f"/media?channel={cid}&filename=big.webm", content=endless())
        assert streamed.status_code == 413 and streamed.headers["connection"] == "close"
        assert sent < 20  # cut off just past 1 MB: the rest was never read
        use_settings(NEUROCACHE_MEDIA_MAX_MB=None, NEUROCACHE_MEDIA_MAX_MINUTES="1")
        for name, data, words in (
            ("broken.mp4", testmedia.corrupt_bytes(), "could not be read"),
            ("huge.mkv", testmedia.huge_dimensions_bytes(), "8K"),
            ("long.ogg", testmedia.audio_bytes(seconds=62, container="ogg"), "limit is 1 minute"),
        ):
            refused = await upload(client, cid, name, data)
            assert refused.status_code == 422, (name, refused.text)
            assert words in refused.json()["detail"], (name, refused.json())
        assert media_rows() == 0  # nothing refused was ever stored
        use_settings(NEUROCACHE_MEDIA_MAX_MINUTES=None)
        first = await upload(client, cid, "clip.mp4", clip)
        assert first.status_code == 200
        body = first.json()
        assert body["kind"] == "video" and body["filename"] == "clip.mp4" and body["size"] == len(clip)
        assert 1800 <= body["duration_ms"] <= 2300
        voice = (await upload(client, cid, "voice.webm", testmedia.audio_bytes(2, container="webm"), kind="voice")).json()
        assert voice["kind"] == "voice"
        for name in ("b.wav", "c.wav"):
            assert (await upload(client, cid, name, testmedia.audio_bytes(1))).status_code == 200
        full = await upload(client, cid, "d.wav", testmedia.audio_bytes(1))
        assert full.status_code == 422 and "waiting to be sent" in full.json()["detail"]
        assert (await as_(client, room.bob).delete(f"/media/{body['id']}")).status_code == 404  # not his
        assert (await as_(client, room.ada).delete(f"/media/{body['id']}")).status_code == 204
        assert (await upload(client, cid, "d.wav", testmedia.audio_bytes(1))).status_code == 200


# ---------------------------------------------------------------- serving


async def test_members_get_the_file_by_range_and_no_one_else(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    sound = testmedia.audio_bytes(seconds=12)  # a WAV over one chunk (1 MB)
    assert len(sound) > CHUNK_BYTES
    async with hub() as client:
        media_id = (await upload(as_(client, room.ada), cid, "talk.wav", sound)).json()["id"]
        assert (await client.get(f"/media/{media_id}")).status_code == 200  # the uploader, before sending
        assert (await as_(client, room.bob).get(f"/media/{media_id}")).status_code == 404  # unsent: not yet Bob's
        view = messaging.post_message(cid, user_id=room.ada.id, content="", media_ids=[media_id])
        assert [(m.id, m.kind, m.status) for m in view.media] == [(media_id, "audio", "processing")]
        whole = await client.get(f"/media/{media_id}")
        assert whole.status_code == 200 and whole.content == sound
        assert whole.headers["accept-ranges"] == "bytes" and whole.headers["content-type"] == "audio/wav"
        assert whole.headers["x-content-type-options"] == "nosniff"
        assert whole.headers["content-security-policy"].startswith("default-src 'none'")
        start, end = CHUNK_BYTES - 100, CHUNK_BYTES + 99  # across the chunk boundary
        part = await client.get(f"/media/{media_id}", headers={"Range": f"bytes={start}-{end}"})
        assert part.status_code == 206 and part.content == sound[start : end + 1]
        assert part.headers["content-range"] == f"bytes {start}-{end}/{len(sound)}"
        tail = await client.get(f"/media/{media_id}", headers={"Range": "bytes=-10"})
        assert tail.status_code == 206 and tail.content == sound[-10:]
        rest = await client.get(f"/media/{media_id}", headers={"Range": f"bytes={len(sound) - 5}-"})
        assert rest.content == sound[-5:]
        bad = await client.get(f"/media/{media_id}", headers={"Range": f"bytes={len(sound)}-"})
        assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(sound)}"
        for who in (room.eve, None):
            for path in ("", "/poster", "/transcript"):
                assert (await as_(client, who).get(f"/media/{media_id}{path}")).status_code == 404
        assert (await as_(client, room.bob).get("/media/999999999")).status_code == 404
        assert (await client.delete(f"/media/{media_id}")).status_code == 404  # sent: no longer droppable


# ---------------------------------------------------------------- processing


def listen_for_updates(received: list) -> tuple[asyncio.Task, asyncio.Event]:
    ready = asyncio.Event()

    async def consume() -> None:
        async for _channel, event in bus.listen(ready=ready):
            if event.type == "message.updated":
                received.append(event.message)

    return asyncio.create_task(consume()), ready


async def test_a_sent_video_gets_frames_a_poster_and_a_transcript_with_progress(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    await worker.run_once()  # what earlier tests left queued
    fake_provider.reset()
    room = Room()
    cid = room.channel.id
    clip = testmedia.video_bytes(seconds=4)
    fake_provider.configure(transcript="Hello from the red second. Then green follows.")
    async with hub() as client:
        media_id = (await upload(as_(client, room.ada), cid, "clip.mp4", clip)).json()["id"]
        received: list = []
        task, ready = listen_for_updates(received)
        await asyncio.wait_for(ready.wait(), 5)
        sent = await asyncio.to_thread(messaging.post_message, cid, user_id=room.ada.id, content="look", media_ids=[media_id])
        assert await worker.run_once() == 1
        for _ in range(100):
            if received and received[-1].media[0].status == "ready":
                break
            await asyncio.sleep(0.05)
        task.cancel()
        frames = reading.frames_of(media_id)
        assert 2 <= len(frames) <= 32 and [at for at, _ in frames] == sorted(at for at, _ in frames)
        assert all(Image.open(io.BytesIO(jpeg)).format == "JPEG" for _, jpeg in frames)
        segments, note = reading.transcript_of(media_id)
        assert note == "" and [text for _, _, text in segments] == ["Hello from the red second.", "Then green follows."]
        assert segments[0][0] == 0 and segments[-1][1] <= 4500
        [request] = [r for r in fake_provider.requests() if r["path"] == "/v1/audio/transcriptions"]
        assert request["body"]["model"] == "whisper-1" and request["body"]["response_format"] == "verbose_json"
        assert request["body"]["timestamp_granularities"] == ["segment"] and request["body"]["duration_ms"] > 3000
        poster = await as_(client, room.bob).get(f"/media/{media_id}/poster")
        assert poster.status_code == 200 and Image.open(io.BytesIO(poster.content)).format == "JPEG"
        said = (await client.get(f"/media/{media_id}/transcript")).json()
        assert said["text"] == "Hello from the red second. Then green follows." and said["note"] == ""
        assert said["segments"][1]["start_ms"] > 0
    progress = [(m.media[0].status, m.media[0].progress) for m in received if m.id == sent.id]
    assert progress[-1] == ("ready", 100) and len(progress) >= 2
    assert all(status == "processing" and 0 < value < 100 for status, value in progress[:-1])
    assert [value for _, value in progress[:-1]] == sorted(value for _, value in progress[:-1])
    shown = messaging.get_message(sent.id, viewer_id=room.bob.id).media[0]
    assert (shown.status, shown.progress, shown.transcript, shown.note) == ("ready", 100, True, "")


async def test_without_a_speech_model_media_plays_and_says_why_there_is_no_transcript(
    stores: Stores, use_settings
) -> None:
    use_settings(NEUROCACHE_TRANSCRIPTION_MODEL=None)
    room = Room()
    async with hub() as client:
        media_id = (await upload(as_(client, room.ada), room.channel.id, "v.webm", testmedia.audio_bytes(2, container="webm"), "voice")).json()["id"]
        sent = messaging.post_message(room.channel.id, user_id=room.ada.id, content="", media_ids=[media_id])
        await worker.run_once()
        said = (await as_(client, room.bob).get(f"/media/{media_id}/transcript")).json()
    assert said == {"segments": [], "text": "", "note": processing.NO_MODEL}
    assert reading.frames_of(media_id) == []
    shown = messaging.get_message(sent.id, viewer_id=room.bob.id).media[0]
    assert (shown.kind, shown.status, shown.note, shown.transcript) == ("voice", "ready", processing.NO_MODEL, False)


async def test_a_failing_provider_leaves_a_playable_file_with_the_reason(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    await worker.run_once()  # what earlier tests left queued
    fake_provider.configure(fail_status=500, fail_times=-1)
    room = Room()
    async with hub() as client:
        media_id = (await upload(as_(client, room.ada), room.channel.id, "a.wav", testmedia.audio_bytes(1))).json()["id"]
    sent = messaging.post_message(room.channel.id, user_id=room.ada.id, content="", media_ids=[media_id])
    assert await worker.run_once() == 1
    shown = messaging.get_message(sent.id, viewer_id=room.ada.id).media[0]
    assert shown.status == "ready" and shown.note.startswith("No transcript: The model provider")
    assert reading.transcript_of(media_id) == ([], shown.note)


def test_a_dead_workers_file_is_retried_then_failed_never_left_processing(stores: Stores) -> None:
    asyncio.run(worker.run_once())  # what earlier tests left queued
    room = Room()
    with session_scope() as session:
        row = Media(channel_id=room.channel.id, user_id=room.ada.id, kind="audio", content_type="audio/wav",
                    filename="a.wav", size=1, complete=True)
        session.add(row)
        session.flush()
        media_id = row.id
    sent = messaging.post_message(room.channel.id, user_id=room.ada.id, content="", media_ids=[media_id])
    for _ in range(worker.MAX_ATTEMPTS):
        assert worker.claim() == media_id  # claimed, then the worker "dies"
        assert worker.claim() is None  # its lease holds meanwhile
        with session_scope() as session:
            session.execute(sa.update(Media).where(Media.id == media_id).values(lease_until=utcnow()))
    assert worker.claim() is None
    shown = messaging.get_message(sent.id, viewer_id=room.ada.id).media[0]
    assert (shown.status, shown.note) == ("failed", "This file could not be processed.")


# ---------------------------------------------------------------- the public API and deletion


async def test_the_api_uploads_sends_lists_and_reads_media(stores: Stores) -> None:
    room = Room()
    sound = testmedia.audio_bytes(seconds=2)
    ada_key, _ = api_keys.create_key(room.ada.id, "ada")
    eve_key, _ = api_keys.create_key(room.eve.id, "eve")
    ada, eve = {"Authorization": f"Bearer {ada_key}"}, {"Authorization": f"Bearer {eve_key}"}
    slug = room.channel.slug
    async with hub() as http:
        made = await http.post(f"/api/v1/media?channel={slug}&filename=memo.wav", content=sound, headers=ada)
        assert made.status_code == 201, made.text
        media_id = made.json()["id"]
        assert (await http.post(f"/api/v1/media?channel={slug}&filename=x.txt", content=b"hi", headers=ada)).status_code == 415
        assert (await http.post(f"/api/v1/media?channel={slug}&filename=x.wav", content=sound, headers=eve)).status_code == 404
        posted = await http.post(f"/api/v1/channels/{slug}/messages", json={"content": "", "media_ids": [media_id]}, headers=ada)
        assert posted.status_code == 201, posted.text
        [listed] = posted.json()["media"]
        assert listed["id"] == media_id and listed["kind"] == "audio" and listed["status"] == "processing"
        assert listed["url"] == f"/api/v1/media/{media_id}" and listed["transcript_url"] == f"/api/v1/media/{media_id}/transcript"
        again = await http.post(f"/api/v1/channels/{slug}/messages", json={"content": "", "media_ids": [media_id]}, headers=ada)
        assert again.status_code == 422  # already sent
        await worker.run_once()
        page = (await http.get(f"/api/v1/channels/{slug}/messages", headers=ada)).json()["data"]
        assert page[-1]["media"][0]["status"] == "ready"
        part = await http.get(f"/api/v1/media/{media_id}", headers=ada | {"Range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == sound[:100]
        said = (await http.get(f"/api/v1/media/{media_id}/transcript", headers=ada)).json()
        assert said["text"].startswith("Words at second 0.") and said["note"] == ""
        assert (await http.get(f"/api/v1/media/{media_id}", headers=eve)).status_code == 404
        assert (await http.get(f"/api/v1/media/{media_id}/transcript", headers=eve)).status_code == 404


async def test_media_goes_with_its_message_and_its_channel(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    async with hub() as client:
        ids = [(await upload(as_(client, room.ada), cid, f"{n}.wav", testmedia.audio_bytes(1))).json()["id"] for n in range(4)]
    sent = messaging.post_message(cid, user_id=room.ada.id, content="one", media_ids=[ids[0]])
    messaging.post_message(cid, user_id=room.ada.id, content="two", media_ids=[ids[1]])
    messaging.delete_message(sent.id, user_id=room.ada.id)
    with get_engine().begin() as conn:  # ids[2] was uploaded long ago and never sent; ids[3] is about to be
        conn.execute(sa.update(Media).where(Media.id == ids[2]).values(created_at=utcnow() - timedelta(days=2)))
    assert retention.run_retention().media_abandoned >= 1
    with get_engine().connect() as conn:
        assert set(conn.execute(sa.select(Media.id)).scalars()) & set(ids) == {ids[1], ids[3]}
    channels.delete_channel(cid, room.ada.id)
    with get_engine().connect() as conn:
        assert set(conn.execute(sa.select(Media.id)).scalars()) & set(ids) == set()
        assert conn.execute(sa.select(sa.func.count()).select_from(MediaChunk).where(MediaChunk.media_id.in_(ids))).scalar() == 0
