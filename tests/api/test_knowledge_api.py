"""The knowledge endpoints over HTTP (httpx) against the production-like hub, whose own
background worker processes the uploads: files and a .zip in one multipart request
above the API's 1 MiB JSON cap, statuses polled to ready, paging, delete, web sources
checked, a stranger's key 404 everywhere, and search equal to what a reply is given."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from neurocache_ui.services import agents
from testkit.documents import make_docx, make_zip, zip_bomb
from testkit.fake_provider import FakeOpenAIServer
from tests.api.conftest import Caller

FACTS = {
    "harbour.md": "# Harbour\n\nThe harbour cranes are inspected every Tuesday by the port authority.",
    "ferries.txt": "Ferries to the island leave at seven in the morning and return at six in the evening.",
    "canteen.txt": "The canteen serves fish soup on Fridays and closes at three.",
}


def wait_ready(http: httpx.Client, slug: str, count: int, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = http.get(f"/agents/{slug}/knowledge", params={"limit": 200}).json()
        if body["total"] >= count and not any(d["status"] in ("queued", "reading", "embedding") for d in body["data"]):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.3)


@pytest.fixture
def slug(caller: Caller) -> str:
    return agents.create_agent(caller.user_id, {"name": "Harbourmaster", "instructions": "Be brief."}).slug


def test_upload_poll_page_get_delete(caller: Caller, slug: str) -> None:
    padding = "Filler line about nothing in particular.\n" * 40_000  # ~1.6 MB: above the API's JSON body cap
    archive = make_zip({name: text.encode() for name, text in FACTS.items()} | {"../trick.txt": b"no"})
    files = [
        ("files", ("archive.zip", archive, "application/zip")),
        ("files", ("report.docx", make_docx("Port report", ["Tonnage rose by four percent."]), "application/octet-stream")),
        ("files", ("padding.txt", padding.encode(), "text/plain")),
        ("files", ("bomb.zip", zip_bomb(), "application/zip")),
        ("files", ("virus.exe", b"MZ", "application/octet-stream")),
    ]
    with caller.http() as http:
        answer = http.post(f"/agents/{slug}/knowledge", files=files)
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert sorted(d["filename"] for d in body["data"]) == sorted([*FACTS, "report.docx", "padding.txt"])
        assert {d["status"] for d in body["data"]} == {"queued"}
        assert {s["filename"] for s in body["skipped"]} == {"../trick.txt", "bomb.zip", "virus.exe"}
        assert all(s["reason"] for s in body["skipped"])

        listed = wait_ready(http, slug, 5)
        assert listed["counts"] == {"ready": 5} and listed["total"] == 5
        for document in listed["data"]:
            assert document["status"] == "ready" and document["status_reason"] == ""
            assert document["progress"] == {"done": document["passages"], "total": document["passages"]}

        page = http.get(f"/agents/{slug}/knowledge", params={"limit": 2, "offset": 0}).json()
        assert len(page["data"]) == 2 and page["has_more"] is True and page["total"] == 5
        assert http.get(f"/agents/{slug}/knowledge", params={"search": "ferr"}).json()["total"] == 1
        assert http.get(f"/agents/{slug}/knowledge", params={"status": "failed"}).json()["data"] == []
        assert http.get(f"/agents/{slug}/knowledge", params={"status": "nonsense"}).status_code == 422

        report = next(d for d in listed["data"] if d["filename"] == "report.docx")
        assert http.get(f"/agents/{slug}/knowledge/{report['id']}").json()["passages"] == 1
        assert http.delete(f"/agents/{slug}/knowledge/{report['id']}").status_code == 204
        assert http.get(f"/agents/{slug}/knowledge/{report['id']}").status_code == 404

        refused = http.post(f"/agents/{slug}/knowledge/urls", json={"url": "http://127.0.0.1:9/", "depth": 1, "max_pages": 5})
        assert refused.status_code == 422 and "not a public internet address" in refused.json()["error"]["message"]
        too_deep = http.post(f"/agents/{slug}/knowledge/urls", json={"url": "https://example.com/", "depth": 99})
        assert too_deep.status_code == 422
        assert http.get(f"/agents/{slug}/knowledge/urls").json()["data"] == []


def test_a_stranger_gets_404_on_every_path(caller: Caller, new_caller, slug: str) -> None:
    with caller.http() as http:
        [document] = http.post(f"/agents/{slug}/knowledge", files=[("files", ("a.txt", b"Secret tides.", "text/plain"))]).json()["data"]
    stranger = new_caller("Mallory")
    with stranger.http() as http:
        paths = [
            ("POST", f"/agents/{slug}/knowledge", {"files": [("files", ("b.txt", b"mine now", "text/plain"))]}),
            ("GET", f"/agents/{slug}/knowledge", {}),
            ("GET", f"/agents/{slug}/knowledge/{document['id']}", {}),
            ("DELETE", f"/agents/{slug}/knowledge/{document['id']}", {}),
            ("POST", f"/agents/{slug}/knowledge/{document['id']}/retry", {}),
            ("POST", f"/agents/{slug}/knowledge/search", {"json": {"query": "tides"}}),
            ("POST", f"/agents/{slug}/knowledge/urls", {"json": {"url": "https://example.com/"}}),
            ("GET", f"/agents/{slug}/knowledge/urls", {}),
            ("POST", f"/agents/{slug}/knowledge/urls/1/recrawl", {}),
        ]
        for method, path, kwargs in paths:
            answer = http.request(method, path, **kwargs)
            assert answer.status_code == 404, (method, path, answer.text)
        own = agents.create_agent(stranger.user_id, {"name": "Other"}).slug
        assert http.get(f"/agents/{own}/knowledge/{document['id']}").status_code == 404  # not through their own agent either


PASSAGE = re.compile(r'\[\d+\] from "(.*?)":\n"""\n(.*?)\n"""', re.S)


def test_search_returns_exactly_what_a_reply_is_given(caller: Caller, slug: str, fake_provider: FakeOpenAIServer) -> None:
    question = "When do the ferries to the island leave, and when is the harbour inspected?"
    with caller.http() as http:
        files = [("files", (name, text.encode(), "text/plain")) for name, text in FACTS.items()]
        assert http.post(f"/agents/{slug}/knowledge", files=files).status_code == 202
        wait_ready(http, slug, 3)
        found = http.post(f"/agents/{slug}/knowledge/search", json={"query": question, "limit": 4})
        assert found.status_code == 200
        passages = found.json()["data"]
        assert {p["filename"] for p in passages} >= {"ferries.txt", "harbour.md"}
        assert all(a["score"] >= b["score"] for a, b in zip(passages, passages[1:]))
        reply = http.post("/chat/completions", json={"model": f"agent:{slug}", "messages": [{"role": "user", "content": question}]})
        assert reply.status_code == 200, reply.text
    system = next(m["content"] for m in fake_provider.last_body()["messages"] if m["role"] == "system")
    given = [(name, content) for name, content in PASSAGE.findall(system)]
    assert given == [(p["filename"], p["content"].strip()) for p in passages]
