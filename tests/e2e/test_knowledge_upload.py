"""Knowledge documents through the agent page in a real browser: upload with the
file chooser, see them listed and go to ready, refuse an unsupported file with
a clear message, delete one; a .zip of many files processed in the background with
the list's statuses and count going live to ready; a PDF bomb failing with its reason
while the server keeps answering; and the upload endpoint's own guard
(api/upload_guard.py) over raw HTTP.
Retrieval and the PDF parser's limits are tested in tests/integration."""

from __future__ import annotations

import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from neurocache_ui.api.upload_guard import upload_limit
from neurocache_ui.services import auth
from neurocache_ui.services.auth import SESSION_COOKIE
from neurocache_ui.web.state.knowledge import KnowledgeState
from testkit.documents import bomb_pdf, make_zip
from testkit.factories import Account, new_account
from testkit.hub import HubServer
from tests.e2e.test_agents import create_agent, signed_in

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]


def test_upload_list_and_delete_documents(new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Librarian")
    page.get_by_role("tab", name="Knowledge").click()
    expect(page.get_by_text("No documents yet")).to_be_visible()

    notes = tmp_path / "tides.md"
    notes.write_text("# Tides\n\nSpring tides happen at new and full moon.\n\nNeap tides happen at quarter moons.\n")
    faq = tmp_path / "faq.txt"
    faq.write_text("The harbour office opens at seven in the morning.")
    page.locator("#knowledge-upload input[type=file]").set_input_files([str(notes), str(faq)])
    page.get_by_role("button", name="Upload").click()
    table = page.get_by_role("table")
    expect(table.get_by_text("tides.md")).to_be_visible()
    expect(table.get_by_text("faq.txt")).to_be_visible()
    expect(table.get_by_text("Ready")).to_have_count(2)

    page.reload()
    page.get_by_role("tab", name="Knowledge").click()
    expect(page.get_by_role("table").get_by_text("tides.md")).to_be_visible()

    page.get_by_role("button", name="Delete faq.txt").click()
    expect(page.get_by_role("table").get_by_text("faq.txt")).to_have_count(0)
    expect(page.get_by_role("table").get_by_text("tides.md")).to_be_visible()


def test_an_empty_document_is_refused_with_a_clear_message(new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Picky")
    page.get_by_role("tab", name="Knowledge").click()
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    page.locator("#knowledge-upload input[type=file]").set_input_files(str(empty))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").filter(has_text="empty.txt is empty.")).to_be_visible()  # refused at once
    expect(page.get_by_text("No documents yet")).to_be_visible()
    blank = tmp_path / "blank.txt"
    blank.write_text("   \n  ")
    page.locator("#knowledge-upload input[type=file]").set_input_files(str(blank))
    page.get_by_role("button", name="Upload").click()  # stored, then failed by the worker with its reason
    expect(page.get_by_role("table").get_by_text("blank.txt contains no text to learn from.")).to_be_visible()
    expect(page.get_by_text("1 document · 1 failed")).to_be_visible()
    page.get_by_role("button", name="Delete blank.txt").click()
    expect(page.get_by_text("No documents yet")).to_be_visible()


def test_a_zip_of_many_files_goes_to_ready_live(new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Archivist")
    page.get_by_role("tab", name="Knowledge").click()
    files = {f"notes/day-{n:03}.md": f"# Day {n}\n\nOn day {n} the lighthouse keeper logged {n} ships.".encode() for n in range(300)}
    archive = tmp_path / "logbook.zip"
    archive.write_bytes(make_zip(files | {"../escape.txt": b"no"}))
    page.locator("#knowledge-upload input[type=file]").set_input_files(str(archive))
    started = time.monotonic()
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status").filter(has_text="300 files queued.")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="../escape.txt has a path that climbs out of the archive")).to_be_visible()
    expect(page.get_by_text("Page 1 of 12")).to_be_visible()
    # Live: the count and the statuses change without a reload until every document is ready.
    expect(page.get_by_text("300 documents", exact=True)).to_be_visible(timeout=90_000)
    print(f"300 files ready in the browser {time.monotonic() - started:.1f} s after Upload")
    expect(page.get_by_role("table").get_by_text("Ready")).to_have_count(25)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 12")).to_be_visible()
    page.get_by_label("Filter documents by name").fill("day-007")
    expect(page.get_by_text("1 document", exact=True)).to_be_visible()
    expect(page.get_by_role("table").get_by_text("notes/day-007.md")).to_be_visible()


# ---------------------------------------------------------------- untrusted uploads


def test_a_pdf_bomb_is_refused_while_the_server_keeps_answering(
    new_context: NewContext, single_worker_hub: HubServer, sign_up: SignUp, tmp_path: Path
) -> None:
    """7 KB that inflate to 20 MB of page content: parsed in a confined child
    process, refused with an alert naming the file, and /ping never waits."""
    hub = single_worker_hub
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Bombproof")
    page.get_by_role("tab", name="Knowledge").click()
    bomb = tmp_path / "inflated.pdf"
    bomb.write_bytes(bomb_pdf())

    stalls: list[float] = []
    done = threading.Event()

    def ping() -> None:
        with httpx.Client(base_url=hub.url, timeout=10) as client:
            while not done.is_set():
                started = time.monotonic()
                assert client.get("/ping").status_code == 200
                stalls.append(time.monotonic() - started)
                time.sleep(0.05)

    pinger = threading.Thread(target=ping)
    pinger.start()
    try:
        time.sleep(0.5)
        page.locator("#knowledge-upload input[type=file]").set_input_files(str(bomb))
        started = time.monotonic()
        page.get_by_role("button", name="Upload").click()
        expect(page.get_by_role("table").get_by_text("inflated.pdf has more than 1,000,000 characters")).to_be_visible()
        refused_after = time.monotonic() - started
    finally:
        done.set()
        pinger.join()
    print(f"bomb refused in the browser after {refused_after:.2f} s; worst /ping {max(stalls) * 1000:.0f} ms of {len(stalls)}")
    assert refused_after < 15
    assert len(stalls) > 10 and max(stalls) < 1.0
    expect(page.get_by_role("table").get_by_text("Failed")).to_be_visible()
    expect(page.get_by_role("button", name="Retry inflated.pdf")).to_be_visible()


@pytest.fixture
def session_cookie(postgres_url: str, use_settings) -> dict[str, str]:
    """A signed-in user's cookie, made in the hub's database."""
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    account = new_account("Uploader")
    user = auth.create_user(name=account.name, email=account.email, password=account.password)
    return {SESSION_COOKIE: auth.start_session(user.id)}


UPLOAD_HEADERS = {"Reflex-Client-Token": "not-a-tab", "Reflex-Event-Handler": "no.such.handler"}


def raw_upload(hub: HubServer, headers: dict[str, str], body: Iterator[bytes]) -> tuple[int, int]:
    """POST /_upload over a bare socket, sending `body` until the server answers
    or closes; (status, bytes of body sent)."""
    host, port = "127.0.0.1", int(hub.url.rsplit(":", 1)[1])
    head = f"POST /_upload HTTP/1.1\r\nHost: {host}:{port}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sent = 0
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n")
        for piece in body:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            try:
                sock.sendall(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
        response = sock.recv(4096)
    return int(response.split(b" ", 2)[1]), sent


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A chunked multipart body: one file of `total` bytes (boundary "b")."""
    head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
    yield b"%x\r\n" % len(head) + head + b"\r\n"
    for offset in range(0, total, size):
        piece = b"x" * min(size, total - offset)
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    tail = b"\r\n--b--\r\n"
    yield b"%x\r\n" % len(tail) + tail + b"\r\n0\r\n\r\n"


UPLOAD_HANDLER = KnowledgeState.get_full_name() + ".upload"


def test_upload_endpoint_refuses_anonymous_and_oversized_requests(hub: HubServer, session_cookie: dict[str, str]) -> None:
    small = {"files": ("notes.txt", b"hello", "text/plain")}
    with httpx.Client(base_url=hub.url, timeout=10) as client:
        assert client.post("/_upload", files=small, headers=UPLOAD_HEADERS).status_code == 401
        client.cookies.set(SESSION_COOKIE, "forged")
        assert client.post("/_upload", files=small, headers=UPLOAD_HEADERS).status_code == 401
        client.cookies.set(SESSION_COOKIE, session_cookie[SESSION_COOKIE])
        passed = client.post("/_upload", files=small, headers=UPLOAD_HEADERS)
        assert passed.status_code == 400 and "Unknown upload event handler" in passed.text  # Reflex's own check

    cookie = f"{SESSION_COOKIE}={session_cookie[SESSION_COOKIE]}"
    limit = upload_limit()
    # A declared length above the limit: answered before a byte of the body is sent.
    status, sent = raw_upload(hub, {"Cookie": cookie, "Content-Length": str(limit + 1), **UPLOAD_HEADERS},
                              iter(()))
    assert (status, sent) == (413, 0)
    # No declared length, for the real upload handler (which reads the body):
    # cut off once the limit is passed, not read to the end.
    headers = {"Cookie": cookie, "Transfer-Encoding": "chunked", "Content-Type": "multipart/form-data; boundary=b",
               **UPLOAD_HEADERS, "Reflex-Event-Handler": UPLOAD_HANDLER}
    status, sent = raw_upload(hub, headers, chunked(2 * limit))
    assert status == 413 and limit < sent < 2 * limit
    status, sent = raw_upload(hub, {**headers, "Cookie": "nc_session=forged"}, chunked(1024))
    assert status == 401
