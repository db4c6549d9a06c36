"""Images in channels on real stores (Postgres + Redis, SQLite + in-process cache):
stored before sending, checked by decoding them, linked to their message in its
transaction, served over real HTTP to members only, gone with their message,
and shown to the agent that answers as OpenAI image_url parts."""

from __future__ import annotations

import asyncio
import base64
import io
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin

from neurocache_ui.api.app import create_app
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.infra import images
from neurocache_ui.services import (
    agents,
    api_keys,
    attachments,
    auth,
    channels,
    knowledge,
    messaging,
    retention,
    team,
)
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.media_models import Attachment
from neurocache_ui.store.models import Message
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(request, use_settings, request.param, **fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0")


def png(width: int = 64, height: int = 48, color: str = "teal", **text: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    """An image's decoded pixels: what a clean copy keeps of the original."""
    return Image.open(io.BytesIO(data)).convert("RGB").tobytes()


def add(channel_id: int, user_id: int, filename: str, data: bytes) -> attachments.AttachmentView:
    """attachments.add_image from a test without an event loop."""
    return asyncio.run(attachments.add_image(channel_id, user_id, filename, data))


def person(name: str) -> auth.CurrentUser:
    return auth.create_user(name=name, email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")


class Room:
    def __init__(self) -> None:
        self.ada, self.bob, self.eve = person("Ada"), person("Bob"), person("Eve")
        self.channel = channels.create_channel(self.ada.id, name=f"pics {uuid.uuid4().hex[:6]}")
        channels.invite(self.channel.id, self.ada.id, self.bob.email)


def stored_attachments() -> int:
    with get_engine().connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(Attachment)).scalar() or 0)


def test_an_image_is_stored_sent_and_shown_to_members_only(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    first = add(cid, room.ada.id, "cat.png", png(640, 480))
    second = add(cid, room.ada.id, "../../dog.gif", _gif())
    assert (first.content_type, first.width, first.height, second.filename) == ("image/png", 640, 480, "dog.gif")
    # Unsent: only the uploader sees it.
    assert pixels(attachments.get_image(first.id, room.ada.id).data) == pixels(png(640, 480))
    with pytest.raises(NotFound):
        attachments.get_image(first.id, room.bob.id)

    # Someone else's image cannot be sent; the whole send is undone.
    with pytest.raises(Invalid):
        messaging.post_message(cid, user_id=room.bob.id, content="mine now", attachment_ids=[first.id])
    assert [m.content for m in messaging.recent_messages(cid, viewer_id=room.ada.id)] == []

    # Image-only message: allowed.
    view = messaging.post_message(cid, user_id=room.ada.id, content="", attachment_ids=[first.id, second.id])
    assert [a.id for a in view.attachments] == [first.id, second.id]
    assert view.attachments[0].thumbnail_url == f"/attachments/{first.id}/thumbnail"
    # From the cache window and from the database, the same.
    assert messaging.recent_messages(cid, viewer_id=room.bob.id)[-1].attachments == view.attachments
    assert messaging.older_messages(cid, before=None, viewer_id=room.bob.id)[-1].attachments == view.attachments

    full = attachments.get_image(first.id, room.bob.id)
    thumb = attachments.get_image(first.id, room.bob.id, thumbnail=True)
    assert full.content_type == "image/png" and thumb.content_type == "image/webp"
    assert max(Image.open(io.BytesIO(thumb.data)).size) == images.THUMBNAIL_SIDE
    with pytest.raises(NotFound):
        attachments.get_image(first.id, room.eve.id)
    with pytest.raises(NotFound):
        add(cid, room.eve.id, "x.png", png())
    # Sent images cannot be sent again.
    with pytest.raises(Invalid):
        messaging.post_message(cid, user_id=room.ada.id, content="again", attachment_ids=[first.id])


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (30, 20)).save(out, "GIF")
    return out.getvalue()


def test_what_is_not_an_image_within_the_limits_is_refused(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    before = stored_attachments()
    with pytest.raises(Invalid, match="not a PNG, JPEG, WebP or GIF"):
        add(cid, room.ada.id, "notes.png", b"just text, named like an image")
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "BMP")
    with pytest.raises(Invalid, match="not a PNG"):
        add(cid, room.ada.id, "old.png", out.getvalue())
    with pytest.raises(Invalid, match="damaged or incomplete"):
        add(cid, room.ada.id, "cut.png", png(300, 300, "red")[:200])
    with pytest.raises(Invalid, match="too large"):
        add(cid, room.ada.id, "huge.png", b"\0" * (attachments.MAX_IMAGE_BYTES + 1))
    # A decompression bomb: a small file that claims 100 million pixels.
    bomb = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(bomb, "PNG")
    assert len(bomb.getvalue()) < 100_000
    with pytest.raises(Invalid, match="too many pixels"):
        add(cid, room.ada.id, "bomb.png", bomb.getvalue())
    assert stored_attachments() == before


def test_retention_takes_images_with_their_messages_and_drops_abandoned_ones(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    sent = add(cid, room.ada.id, "old.png", png())
    view = messaging.post_message(cid, user_id=room.ada.id, content="long ago", attachment_ids=[sent.id])
    kept = add(cid, room.ada.id, "new.png", png())
    messaging.post_message(cid, user_id=room.ada.id, content="today", attachment_ids=[kept.id])
    abandoned = add(cid, room.ada.id, "never-sent.png", png())
    waiting = add(cid, room.ada.id, "about-to-send.png", png())
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with get_engine().begin() as conn:
        conn.execute(sa.update(Message).where(Message.id == view.id).values(created_at=long_ago))
        conn.execute(sa.update(Attachment).where(Attachment.id == abandoned.id).values(created_at=long_ago))
    report = retention.run_retention()
    assert report.messages_deleted >= 1 and report.images_abandoned >= 1
    with get_engine().connect() as conn:
        left = set(conn.execute(sa.select(Attachment.id)).scalars())
    assert {sent.id, abandoned.id}.isdisjoint(left) and {kept.id, waiting.id} <= left


async def test_the_route_serves_members_with_safe_headers(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    stored = await attachments.add_image(cid, room.ada.id, "Grüße \"x\".png", png(500, 100))
    messaging.post_message(cid, user_id=room.ada.id, content="look", attachment_ids=[stored.id])
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        for who, expected in ((room.bob, 200), (room.eve, 404), (None, 404)):
            client.cookies.clear()
            if who is not None:
                client.cookies.set(auth.SESSION_COOKIE, auth.start_session(who.id))
            full = await client.get(f"/attachments/{stored.id}")
            thumb = await client.get(f"/attachments/{stored.id}/thumbnail")
            assert (full.status_code, thumb.status_code) == (expected, expected)
        assert full.headers["cache-control"] == "no-store"
        client.cookies.set(auth.SESSION_COOKIE, auth.start_session(room.bob.id))
        full = await client.get(f"/attachments/{stored.id}")
        thumb = await client.get(f"/attachments/{stored.id}/thumbnail")
        assert (await client.get("/attachments/999999999")).status_code == 404
        assert (await client.get("/attachments/abc")).status_code in (404, 422)
    assert pixels(full.content) == pixels(png(500, 100))
    assert full.headers["content-type"] == "image/png" and thumb.headers["content-type"] == "image/webp"
    assert full.headers["x-content-type-options"] == "nosniff"
    assert full.headers["cache-control"].startswith("private, max-age=")
    assert full.headers["content-security-policy"].startswith("default-src 'none'")
    assert full.headers["content-disposition"].startswith('inline; filename="Gr')
    assert "filename*=UTF-8''Gr%C3%BC%C3%9Fe" in full.headers["content-disposition"]
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 64)


async def test_the_answering_agent_sees_the_images_as_image_url_parts(
    stores: Stores, fake_provider: FakeOpenAIServer
) -> None:
    room = Room()
    cid = room.channel.id
    agent = agents.create_agent(room.ada.id, {"model": "fake-model", "name": "Looker", "slug": f"look{uuid.uuid4().hex[:4]}"})
    team.add_agent(cid, room.ada.id, agent.id)
    big = await attachments.add_image(cid, room.bob.id, "wide.png", png(3000, 1000, "navy"))
    small = await attachments.add_image(cid, room.bob.id, "small.jpg", _jpeg())
    view = await asyncio.to_thread(
        lambda: messaging.post_message(cid, user_id=room.bob.id, content=f"@{agent.slug} what is this?",
                                       attachment_ids=[big.id, small.id])
    )
    runner.trigger(view, triggered_by_user_id=room.bob.id)
    await runner.drain(timeout=60)
    body = fake_provider.last_body()
    [asked] = [m for m in body["messages"] if m["role"] == "user"]
    text, *parts = asked["content"]
    assert text == {"type": "text", "text": f"Bob: @{agent.slug} what is this?"}
    assert [p["type"] for p in parts] == ["image_url", "image_url"]
    first, second = (p["image_url"]["url"] for p in parts)
    kept = attachments.get_image(small.id, room.bob.id).data  # small files go as they are kept
    assert first.startswith("data:image/jpeg;base64,") and second == "data:image/jpeg;base64," + base64.b64encode(kept).decode()
    resized = Image.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1])))
    assert resized.size == (2000, 667)
    [reply] = [m for m in messaging.recent_messages(cid, viewer_id=room.bob.id) if m.author_kind == "agent"]
    assert reply.status == "complete"
    await runner.shutdown()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(out, "JPEG")
    return out.getvalue()


def test_image_metadata_text_is_read() -> None:
    assert images.metadata_text(png(Description="A diagram of the launch plan", Title="Launch")) == (
        "A diagram of the launch plan\nLaunch"
    )
    assert images.metadata_text(png()) == ""


def test_knowledge_takes_images_by_name_and_description(stores: Stores) -> None:
    """An image in an agent's knowledge is found by its file name and the text
    its metadata carries; what it shows is not read (no captioning, no OCR)."""
    room = Room()
    agent = agents.create_agent(room.ada.id, {"model": "fake-model", "name": "Librarian", "slug": f"lib{uuid.uuid4().hex[:4]}"})
    doc = knowledge.add_document(room.ada.id, agent.id, "launch_timeline-v2.png",
                                 png(Description="Gantt chart: rocket assembly then fueling"))
    assert (doc.content_type, doc.chunk_count) == ("image/png", 1)
    [hit] = knowledge.search(agent.id, "gantt fueling")
    assert hit.filename == "launch_timeline-v2.png" and "timeline" in hit.content
    assert knowledge.search(agent.id, "timeline")[0].document_id == doc.id
    with pytest.raises(Invalid, match="not a PNG"):
        knowledge.add_document(room.ada.id, agent.id, "fake.png", b"plain text pretending")


async def test_the_api_lists_a_messages_images(stores: Stores) -> None:
    """GET /channels/{slug}/messages names each image with its same-origin URL."""
    room = Room()
    image = await attachments.add_image(room.channel.id, room.ada.id, "cat.png", png(320, 200))
    messaging.post_message(room.channel.id, user_id=room.ada.id, content="look", attachment_ids=[image.id])
    secret, _ = api_keys.create_key(room.bob.id, "reader")
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        page = await http.get(
            f"/api/v1/channels/{room.channel.slug}/messages", headers={"Authorization": f"Bearer {secret}"}
        )
    assert page.status_code == 200
    [message] = page.json()["data"]
    assert message["images"] == [
        {"id": image.id, "filename": "cat.png", "width": 320, "height": 200, "url": f"/attachments/{image.id}"}
    ]


# ---------------------------------------------------------------- what an upload may cost and keep


def _photo_with_gps() -> bytes:
    """A JPEG as a phone takes it: EXIF with GPS, a description, rotated 90° by its
    orientation tag (stored 60 x 30, shown 30 x 60), and a comment."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010E] = "Ada's garden, secret location"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (60, 30), "green").save(out, "JPEG", exif=exif.tobytes(), comment=b"taken at home")
    return out.getvalue()


async def test_a_kept_image_carries_no_exif_gps_or_comment_and_stands_upright(stores: Stores) -> None:
    """Served back to members, an uploaded photo has no metadata left, only pixels,
    turned the way its orientation said (before: the original bytes, GPS included)."""
    room = Room()
    photo = _photo_with_gps()
    assert b"secret location" in photo and Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)
    stored = await attachments.add_image(room.channel.id, room.ada.id, "garden.jpg", photo)
    messaging.post_message(room.channel.id, user_id=room.ada.id, content="", attachment_ids=[stored.id])
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        client.cookies.set(auth.SESSION_COOKIE, auth.start_session(room.bob.id))
        served = (await client.get(f"/attachments/{stored.id}")).content
    image = Image.open(io.BytesIO(served))
    assert image.format == "JPEG" and (stored.width, stored.height) == image.size == (30, 60)
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    assert b"Exif" not in served and b"secret location" not in served and b"taken at home" not in served


def _big_png() -> bytes:
    """8000 x 5000 pixels in about 120 KB: seconds of CPU to decode and thumbnail."""
    out = io.BytesIO()
    Image.new("L", (8000, 5000)).save(out, "PNG")
    return out.getvalue()


async def test_uploads_are_refused_before_any_pixel_is_decoded(stores: Stores) -> None:
    """A stranger's 30 large PNGs (and a member's beyond her room for unsent images)
    are refused by the database checks alone: before, each was decoded and thumbnailed
    first (~1 s of CPU each, 32 s for 30). At most 4 images per upload."""
    room = Room()
    big = _big_png()
    files = {f"huge-{n}.png": big for n in range(30)}
    started = time.monotonic()
    with pytest.raises(NotFound):
        await attachments.add_images(room.channel.id, room.eve.id, files)
    for name in list(files)[:10]:
        with pytest.raises(NotFound):
            await attachments.add_image(room.channel.id, room.eve.id, name, big)
    assert time.monotonic() - started < 2.0

    small = {f"dot-{n}.png": png(8, 8) for n in range(6)}
    added = await attachments.add_images(room.channel.id, room.ada.id, small)
    assert [view.filename for view in added.views] == [f"dot-{n}.png" for n in range(4)]
    assert added.problems == ["Attach at most 4 images at a time; not added: dot-4.png, dot-5.png."]
    for batch in range(4):  # 20 unsent images: her room is used up
        await attachments.add_images(room.channel.id, room.ada.id, {f"more-{batch}-{n}.png": png(8, 8) for n in range(4)})
    before = stored_attachments()
    started = time.monotonic()
    added = await attachments.add_images(room.channel.id, room.ada.id, {f"huge-{n}.png": big for n in range(4)})
    assert time.monotonic() - started < 1.0
    assert added.views == [] and added.problems[0].startswith("You have 20 images waiting to be sent here.")
    assert stored_attachments() == before
