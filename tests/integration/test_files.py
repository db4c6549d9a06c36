"""Any file attached to a message, on real stores (Postgres + Redis, SQLite + in-process
cache) over the real HTTP routes: its own size limit (declared and while streaming),
members-only downloads as attachments with nosniff, previews of text files and PDFs,
its text read by the knowledge parsers for agents within a budget, and the public
API's POST /files, `file_ids` and `files`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from neurocache_ui.domain import media_prompts
from neurocache_ui.domain.media import PREVIEW_LINES
from neurocache_ui.services import api_keys, messaging
from neurocache_ui.services.media import context, worker
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.media_models import CHUNK_BYTES, Media
from testkit.documents import make_pdf
from tests.integration.messaging_support import Stores
from tests.integration.test_media import Room, as_, hub, stores, upload

pytestmark = pytest.mark.timeout(180)
__all__ = ["stores"]  # the fixture, shared with test_media.py

def files_of(channel_id: int) -> int:
    """The stored files of one channel (the database is shared by the module's tests)."""
    with get_engine().connect() as conn:
        query = sa.select(sa.func.count()).select_from(Media).where(Media.channel_id == channel_id)  # type: ignore[arg-type]
        return int(conn.execute(query).scalar() or 0)


LINES = "\n".join(f"line {n} of the notes" for n in range(1, 301)).encode()


async def test_a_file_has_its_own_limit_declared_and_while_streaming(stores: Stores, use_settings) -> None:
    room = Room()
    cid = room.channel.id
    use_settings(NEUROCACHE_FILE_MAX_MB="1", NEUROCACHE_MEDIA_MAX_MB="5")
    async with hub() as client:
        assert (await upload(as_(client, None), cid, "a.zip", b"PK", kind="file")).status_code == 401
        assert (await upload(as_(client, room.eve), cid, "a.zip", b"PK", kind="file")).status_code == 404
        as_(client, room.ada)
        declared = await client.post(
            f"/media?channel={cid}&filename=big.zip&kind=file", content=b"x" * 10,
            headers={"Content-Length": str(2 * CHUNK_BYTES)},
        )  # fmt: skip
        assert declared.status_code == 413 and "limit is 1 MB" in declared.json()["detail"]
        sent = 0

        async def endless() -> AsyncIterator[bytes]:
            nonlocal sent
            for _ in range(64):  # 4 MB offered, without a length: under the media limit, over the file limit
                sent += 1
                yield b"\0" * 65536

        streamed = await client.post(f"/media?channel={cid}&filename=big.bin&kind=file", content=endless())
        assert streamed.status_code == 413 and streamed.headers["connection"] == "close"
        assert sent < 20
        assert (await upload(client, cid, "empty.csv", b"", kind="file")).status_code == 422
        assert files_of(cid) == 0  # nothing refused was ever stored
        kept = await upload(client, cid, "data.bin", b"\x00\x01binary", kind="file")
        assert kept.status_code == 200 and kept.json()["kind"] == "file" and kept.json()["size"] == 8


async def test_members_download_it_as_an_attachment_and_preview_text(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    async with hub() as client:
        notes = (await upload(as_(client, room.ada), cid, "notes.txt", LINES, kind="file")).json()
        archive = (await upload(client, cid, "bundle.zip", b"PK\x03\x04 not really", kind="file")).json()
        unsent = f"/media/{notes['id']}"
        assert (await as_(client, room.bob).get(unsent)).status_code == 404  # not sent yet: its uploader's only
        view = messaging.post_message(cid, user_id=room.ada.id, content="", media_ids=[notes["id"], archive["id"]])
        assert [(m.kind, m.filename, m.size) for m in view.media] == [
            ("file", "notes.txt", len(LINES)), ("file", "bundle.zip", archive["size"])
        ]
        got = await client.get(unsent)
        assert got.status_code == 200 and got.content == LINES
        assert got.headers["content-disposition"].startswith('attachment; filename="notes.txt"')
        assert got.headers["x-content-type-options"] == "nosniff" and got.headers["content-type"].startswith("text/plain")
        shown = await client.get(unsent + "/preview")
        assert shown.status_code == 200 and shown.headers["x-content-type-options"] == "nosniff"
        assert shown.headers["content-type"] == "text/plain; charset=utf-8" and "sandbox" in shown.headers["content-security-policy"]
        assert "line 1 of the notes" in shown.text and f"line {PREVIEW_LINES} of the notes" in shown.text
        assert f"line {PREVIEW_LINES + 1} " not in shown.text and "download the file for the rest" in shown.text
        assert (await client.get(f"/media/{archive['id']}/preview")).status_code == 404  # a zip has no preview
        zipped = await client.get(f"/media/{archive['id']}")
        assert zipped.headers["content-type"] == "application/zip" and zipped.headers["content-disposition"].startswith("attachment")
        for who in (room.eve, None):
            assert (await as_(client, who).get(unsent)).status_code == 404
            assert (await client.get(unsent + "/preview")).status_code == 404


async def test_an_agent_gets_a_documents_text_within_its_budget(stores: Stores) -> None:
    room = Room()
    cid = room.channel.id
    pdf = make_pdf(["The quarterly revenue was 42 million.", "Page two says nothing."])
    long_doc = "\n\n".join(f"Rule {n}: be kind to the build." for n in range(2000)).encode()
    async with hub() as client:
        ids = []
        for name, data in (("report.pdf", pdf), ("handbook.md", long_doc), ("bundle.zip", b"PK\x03\x04")):
            made = await upload(as_(client, room.ada), cid, name, data, kind="file")
            assert made.status_code == 200, made.text
            ids.append(made.json()["id"])
        view = messaging.post_message(cid, user_id=room.ada.id, content="What do these say?", media_ids=ids)
        assert {m.status for m in view.media} == {"processing"}
        await worker.run_once()
        settled, heard = await context.settled(view, timeout=5)
        assert heard == ""  # a document's text is not something said: it does not become the knowledge query
        parts = (await context.model_parts([settled]))[view.id]
        report, handbook, bundle = (part["text"] for part in parts)
        assert report.startswith('[File "report.pdf"') and "quarterly revenue was 42 million" in report
        assert handbook.startswith('[File "handbook.md"') and "Rule 0: be kind" in handbook
        assert len(handbook) < media_prompts.FILE_CHARS + 300 and "more characters, not shown" in handbook
        assert "does not read .zip files" in bundle
        pdf_preview = await client.get(f"/media/{ids[0]}/preview")
        assert pdf_preview.status_code == 200 and "quarterly revenue was 42 million" in pdf_preview.text


async def test_the_api_uploads_sends_and_lists_files(stores: Stores, use_settings) -> None:
    room = Room()
    slug = room.channel.slug
    ada_key, _ = api_keys.create_key(room.ada.id, "ada")
    bob_key, _ = api_keys.create_key(room.bob.id, "bob")
    eve_key, _ = api_keys.create_key(room.eve.id, "eve")
    ada, bob, eve = ({"Authorization": f"Bearer {key}"} for key in (ada_key, bob_key, eve_key))
    data = b"name,score\nada,3\n"
    async with hub() as http:
        made = await http.post(f"/api/v1/files?channel={slug}&filename=scores.csv", content=data, headers=ada)
        assert made.status_code == 201, made.text
        assert made.json()["name"] == "scores.csv" and made.json()["size"] == len(data)
        file_id = made.json()["id"]
        assert (await http.post(f"/api/v1/files?channel={slug}&filename=x.csv", content=data, headers=eve)).status_code == 404
        stolen = await http.post(f"/api/v1/channels/{slug}/messages", json={"content": "", "file_ids": [file_id]}, headers=bob)
        assert stolen.status_code == 422  # not his upload
        posted = await http.post(f"/api/v1/channels/{slug}/messages", json={"content": "", "file_ids": [file_id]}, headers=ada)
        assert posted.status_code == 201, posted.text
        body = posted.json()
        assert body["media"] == [] and body["files"] == [
            {"id": file_id, "name": "scores.csv", "size": len(data), "content_type": "text/csv", "url": f"/api/v1/media/{file_id}"}
        ]
        listed = (await http.get(f"/api/v1/channels/{slug}/messages", headers=bob)).json()["data"]
        assert listed[-1]["files"][0]["id"] == file_id
        got = await http.get(f"/api/v1/media/{file_id}", headers=bob)
        assert got.status_code == 200 and got.content == data
        assert got.headers["content-disposition"].startswith("attachment") and got.headers["x-content-type-options"] == "nosniff"
        assert (await http.get(f"/api/v1/media/{file_id}", headers=eve)).status_code == 404
        use_settings(NEUROCACHE_FILE_MAX_MB="1")
        big = await http.post(
            f"/api/v1/files?channel={slug}&filename=big.bin", content=b"x" * (CHUNK_BYTES + 10), headers=ada
        )
        assert big.status_code == 413
