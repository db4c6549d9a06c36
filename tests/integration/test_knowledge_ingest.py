"""Knowledge ingestion on Postgres and SQLite: every format read in the parse processes,
.zip archives (path tricks, bombs, nesting, encryption refused), the background queue
(statuses, progress, failures with reasons, retry, leases, restart), and paging."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import knowledge
from neurocache_ui.services.knowledge import worker
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.ingest_models import KnowledgePayload
from neurocache_ui.store.models import KnowledgeDocument, utcnow
from neurocache_ui.store.repositories import knowledge_ingest as queue
from testkit.documents import make_docx, make_pdf, make_pptx, make_xlsx, make_zip, zip_bomb
from tests.integration.messaging_support import make_agent, make_user


@pytest.fixture
def owner(unshared_database: str) -> tuple[int, int]:
    user = make_user("Ada")
    return user, make_agent(user, "Librarian")


def drain() -> None:
    """Run the worker until the queue is empty (as the lifespan task would)."""
    while asyncio.run(worker.run_once()):
        pass


def statuses(user: int, agent: int) -> dict[str, tuple[str, str]]:
    return {d.filename: (d.status, d.status_reason) for d in knowledge.list_documents(user, agent)}


FORMATS = {
    "guide.docx": (make_docx("Warranty Guide", ["Batteries are covered for one year."], [["Part", "Years"], ["Screen", "3"]]),
                   ["# Warranty Guide", "Batteries are covered for one year.", "Part: Screen\nYears: 3"]),
    "roadmap.pptx": (make_pptx([("Roadmap", "The gondola launch happens in March."), ("Team", "Ada leads design.")]),
                     ["## Slide 1: Roadmap", "The gondola launch happens in March.", "## Slide 2: Team"]),
    "prices.xlsx": (make_xlsx({"Prices": [["Plan", "Euros"], ["Pro", 20], ["Starter", 0]]}),
                    ["# Prices", "Plan: Pro\nEuros: 20", "Plan: Starter\nEuros: 0"]),
    "staff.csv": (b"name;city\nAda;London\nBob;Paris\n", ["name: Ada\ncity: London", "name: Bob\ncity: Paris"]),
    "faq.json": (json.dumps({"title": "FAQ", "items": [{"q": "Refunds?", "a": "Within 14 days"}]}).encode(),
                 ["title: FAQ", "items[1].q: Refunds?\nitems[1].a: Within 14 days"]),
    "tickets.jsonl": (b'{"id": 1, "subject": "Printer jam"}\n\n{"id": 2, "subject": "Lost badge"}\n',
                      ["id: 1\nsubject: Printer jam", "id: 2\nsubject: Lost badge"]),
    "venues.html": (b"<html><head><title>Venues of the summit</title></head><body><nav>Home</nav><article><h1>Venues</h1>"
                    b"<p>The Lisbon venue seats three hundred people and has a garden for the receptions.</p></article>"
                    b"</body></html>", ["Venues\nThe Lisbon venue seats three hundred people"]),
    "notes.md": (b"# Notes\n\nThe espresso machine is descaled on Fridays.", ["# Notes\n\nThe espresso machine"]),
    "manual.pdf": (make_pdf(["The boiler is serviced every October."]), ["The boiler is serviced every October."]),
}


def test_every_format_is_read_in_the_background(owner: tuple[int, int]) -> None:
    user, agent = owner
    added = knowledge.enqueue_files(user, agent, [(name, data) for name, (data, _) in FORMATS.items()])
    assert added.skipped == [] and {d.status for d in added.documents} == {"queued"}
    assert len(added.documents) == len(FORMATS)
    drain()
    assert statuses(user, agent) == {name: ("ready", "") for name in FORMATS}
    for view in knowledge.list_documents(user, agent):
        assert view.progress_done == view.progress_total == view.chunk_count > 0
        text = "\n\n".join(content for _, content in chunks(view.id))
        for expected in FORMATS[view.filename][1]:
            assert expected in text, (view.filename, text)
    with get_engine().connect() as conn:  # raw bytes are gone once read
        assert conn.execute(sa.select(sa.func.count()).select_from(KnowledgePayload)).scalar() == 0
    [hit] = knowledge.search(agent, "When does the gondola launch happen?", 1)
    assert hit.filename == "roadmap.pptx"
    assert knowledge.search(agent, "who lives in Paris", 1)[0].filename == "staff.csv"


def chunks(document_id: int) -> list[tuple[int, str]]:
    from neurocache_ui.store.models import KnowledgeChunk

    with get_engine().connect() as conn:
        return [tuple(row) for row in conn.execute(
            sa.select(KnowledgeChunk.ordinal, KnowledgeChunk.content)
            .where(KnowledgeChunk.document_id == document_id).order_by(KnowledgeChunk.ordinal))]


def test_a_zip_of_many_files_with_tricks_refused(owner: tuple[int, int]) -> None:
    user, agent = owner
    files = {f"handbook/section-{n:03}.txt": f"Section {n}: the rule number {n} of the handbook.".encode() for n in range(250)}
    files |= {
        "../escape.txt": b"outside", "/etc/cron.txt": b"absolute", "C:/Windows/win.txt": b"drive",
        "inner/more.zip": make_zip({"a.txt": b"nested"}), "tool.exe": b"MZ", "empty.md": b"",
        "__MACOSX/._x.txt": b"junk", "data/report.docx": make_docx("Quarterly report", ["Revenue grew by nine percent."]),
    }
    archive = make_zip(files, symlinks={"passwd.txt": "/etc/passwd"}, encrypted=("secret.txt",))
    added = knowledge.enqueue_files(user, agent, [("dataset.zip", archive), ("loose.txt", b"A loose note about parking.")])
    assert len(added.documents) == 252
    reasons = {item.name: item.reason for item in added.skipped}
    assert reasons == {
        "../escape.txt": "../escape.txt has a path that climbs out of the archive (..).",
        "/etc/cron.txt": "/etc/cron.txt has an absolute path.",
        "C:/Windows/win.txt": "C:/Windows/win.txt has an absolute path.",
        "inner/more.zip": "inner/more.zip is an archive inside the archive; unpack it and add its files.",
        "tool.exe": "tool.exe is not a supported document type (.txt, .md, .pdf, .html, .docx, .pptx, .xlsx, .csv, .json, .jsonl, video or audio).",
        "empty.md": "empty.md is empty.",
        "passwd.txt": "passwd.txt is a symbolic link.",
        "secret.txt": "secret.txt is password-protected.",
    }
    drain()
    page = knowledge.page_documents(user, agent, search="handbook/", limit=10)
    assert page.total == 250 and len(page.documents) == 10 and page.counts == {"ready": 252}
    assert page.documents[0].filename.startswith("handbook/section-")
    assert knowledge.search(agent, "revenue growth", 1)[0].filename == "data/report.docx"


def test_zip_bombs_and_oversized_archives_are_refused_whole(owner: tuple[int, int], use_settings) -> None:
    user, agent = owner
    added = knowledge.enqueue_files(user, agent, [("bomb.zip", zip_bomb())])
    assert added.documents == []
    [refused] = added.skipped
    assert refused.name == "bomb.zip" and "would inflate" in refused.reason and "zip bomb" in refused.reason

    use_settings(NEUROCACHE_KNOWLEDGE_ZIP_MAX_UNPACKED_BYTES="5000")
    big = make_zip({f"{n}.txt": secrets.token_hex(1000).encode() for n in range(6)})
    [refused] = knowledge.enqueue_files(user, agent, [("big.zip", big)]).skipped
    assert refused.reason == "big.zip would unpack to 12 KB; the limit is 5 KB."
    use_settings(NEUROCACHE_KNOWLEDGE_ZIP_MAX_UNPACKED_BYTES=None, NEUROCACHE_KNOWLEDGE_ZIP_MAX_FILES="3")
    [refused] = knowledge.enqueue_files(user, agent, [("many.zip", big)]).skipped
    assert refused.reason == "many.zip has 6 entries; a .zip may hold at most 3."
    use_settings(NEUROCACHE_KNOWLEDGE_ZIP_MAX_FILES=None, NEUROCACHE_KNOWLEDGE_ZIP_MAX_BYTES="2048")
    [refused] = knowledge.enqueue_files(user, agent, [("big.zip", big)]).skipped
    assert refused.reason == f"big.zip is too large ({len(big) // 1024} KB); the limit is 2 KB. Split it into smaller files."
    [refused] = knowledge.enqueue_files(user, agent, [("fake.zip", b"not a zip at all")]).skipped
    assert refused.reason == "fake.zip is not a readable .zip archive."
    assert knowledge.list_documents(user, agent) == []


def test_failures_keep_their_reason_and_can_be_retried(owner: tuple[int, int]) -> None:
    user, agent = owner
    added = knowledge.enqueue_files(user, agent, [("broken.docx", b"PK\x03\x04 broken"), ("blank.md", b"  \n "),
                                                  ("ok.txt", b"Fine text about llamas.")])
    drain()
    assert statuses(user, agent) == {
        "broken.docx": ("failed", "broken.docx could not be read as a DOCX file; it may be damaged or password-protected."),
        "blank.md": ("failed", "blank.md contains no text to learn from."),
        "ok.txt": ("ready", ""),
    }
    page = knowledge.page_documents(user, agent, status="failed")
    assert page.total == 2 and page.counts == {"failed": 2, "ready": 1}
    broken = next(d for d in added.documents if d.filename == "broken.docx")
    with pytest.raises(Invalid):
        knowledge.retry_document(user, next(d.id for d in added.documents if d.filename == "ok.txt"))
    assert knowledge.retry_document(user, broken.id).status == "queued"
    assert knowledge.page_documents(user, agent, status="pending").total == 1
    drain()
    assert statuses(user, agent)["broken.docx"][0] == "failed"  # the same bytes, the same verdict
    with pytest.raises(NotFound):
        knowledge.retry_document(make_user("Mallory"), broken.id)
    with pytest.raises(Invalid):
        knowledge.page_documents(user, agent, status="bogus")


def test_progress_is_visible_while_embedding(owner: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    """The embedding stage reports passages done; the document shows it while it runs."""
    user, agent = owner
    seen: list[tuple[str, int, int]] = []
    release = threading.Event()

    def embed(document_id: int, on_progress=None) -> None:  # stands in for the retrieval branch's embedder
        total = len(chunks(document_id))
        on_progress(1, total)
        view = knowledge.get_document(user, document_id)
        seen.append((view.status, view.progress_done, view.progress_total))
        release.set()
        on_progress(total, total)

    monkeypatch.setattr(worker.indexing, "embed_document", embed)
    text = "\n\n".join(f"Paragraph {n} talks about the harbour cranes and their schedule number {n}." * 8 for n in range(20))
    [doc] = knowledge.enqueue_files(user, agent, [("long.txt", text.encode())]).documents
    drain()
    assert release.is_set()
    [(status, done, total)] = seen
    assert status == "embedding" and done == 1 and total > 3
    view = knowledge.get_document(user, doc.id)
    assert (view.status, view.progress_done, view.progress_total) == ("ready", total, total)


def test_a_restart_or_a_dead_worker_puts_work_back_in_the_queue(owner: tuple[int, int], use_settings) -> None:
    user, agent = owner
    docs = knowledge.enqueue_files(user, agent, [(f"{n}.txt", f"Note {n} about tides.".encode()) for n in range(3)]).documents
    claimed = worker.claim_some(2)
    assert claimed == [docs[0].id, docs[1].id]
    assert worker.claim_some(5) == [docs[2].id]  # never the same document twice
    assert worker.recover() == 3  # no Redis: one process, so its half-done work is all requeued
    with session_scope() as session:
        assert set(queue.claim(session, 10)) == {d.id for d in docs}
        session.execute(sa.update(KnowledgeDocument).where(KnowledgeDocument.id == docs[0].id)
                        .values(claimed_at=utcnow() - timedelta(seconds=worker.LEASE_SECONDS + 5)))
    assert worker.requeue_expired() == 1 and worker.claim_some(5) == [docs[0].id]  # an expired lease is anyone's to take
    use_settings(REDIS_URL="redis://127.0.0.1:1")  # several processes: a live lease is left alone
    assert worker.recover() == 0


def test_claims_skip_rows_another_host_holds(postgres_url: str, use_settings) -> None:
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    user = make_user("Ada")
    agent = make_agent(user, "Librarian")
    docs = knowledge.enqueue_files(user, agent, [(f"{n}.txt", b"Some words here.") for n in range(4)]).documents
    with session_scope() as first:
        mine = queue.claim(first, 2)
        with session_scope() as second:  # another host, while the first claim is not yet committed
            theirs = queue.claim(second, 4)
    assert sorted(mine + theirs) == sorted(d.id for d in docs) and not set(mine) & set(theirs)


def test_add_document_reads_at_once_and_deleting_mid_way_is_safe(owner: tuple[int, int]) -> None:
    user, agent = owner
    doc = knowledge.add_document(user, agent, "table.csv", b"city,river\nLisbon,Tagus\n")
    assert (doc.status, doc.chunk_count) == ("ready", 1)
    [queued] = knowledge.enqueue_files(user, agent, [("gone.txt", b"Soon deleted.")]).documents
    knowledge.delete_document(user, queued.id)
    assert worker.process_document(queued.id) == ""
    with pytest.raises(NotFound):
        knowledge.enqueue_files(make_user("Mallory"), agent, [("x.txt", b"hello")])
