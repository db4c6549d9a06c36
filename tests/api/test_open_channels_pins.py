"""Open channels, pins and saved messages over the API: a stranger finds, reads and
joins an open channel, and gets 404 for every route of a private one (the channel,
its messages, its pins, pinning, saving its messages, joining it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from neurocache_ui.services import messaging
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def _channels(ada: Caller) -> tuple[str, str, list[int], int]:
    """Ada's open channel (with 3 messages) and private channel (with 1): their slugs and message ids."""
    tag = uuid.uuid4().hex[:8]
    with ada.http() as as_ada:
        shared = as_ada.post("/channels", json={"name": f"Town hall {tag}", "description": "All hands", "visibility": "open"})
        secret = as_ada.post("/channels", json={"name": f"Board {tag}"})
    assert shared.status_code == 201 and shared.json()["visibility"] == "open", shared.text
    assert secret.json()["visibility"] == "private"
    ids = [messaging.post_message(shared.json()["id"], user_id=ada.user_id, content=f"note {i}").id for i in range(3)]
    hidden = messaging.post_message(secret.json()["id"], user_id=ada.user_id, content="numbers").id
    return shared.json()["slug"], secret.json()["slug"], ids, hidden


def test_a_stranger_browses_reads_and_joins_an_open_channel(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob = new_caller("Bob")
    shared, secret, ids, _hidden = _channels(caller)
    with bob.http() as as_bob:
        listed = as_bob.get("/channels/browse", params={"q": shared.split("-")[-1], "per_page": 100}).json()
        assert [(c["slug"], c["member_count"], c["is_member"]) for c in listed["data"]] == [(shared, 1, False)]
        assert all(c["slug"] != secret for c in as_bob.get("/channels/browse", params={"per_page": 100}).json()["data"])
        before = as_bob.get(f"/channels/{shared}")
        assert before.status_code == 200 and before.json()["is_member"] is False
        history = as_bob.get(f"/channels/{shared}/messages").json()["data"]
        assert [m["id"] for m in history] == ids  # read before joining
        refused = assert_openai_error(as_bob.post(f"/channels/{shared}/messages", json={"content": "hi"}), 403)
        assert "Join this channel" in refused["message"]
        joined = as_bob.post(f"/channels/{shared}/join")
        assert joined.status_code == 200 and joined.json()["is_member"] and joined.json()["member_count"] == 2
        assert as_bob.post(f"/channels/{shared}/join").json()["member_count"] == 2
        assert as_bob.post(f"/channels/{shared}/messages", json={"content": "hi"}).status_code == 201
        assert shared in [c["slug"] for c in as_bob.get("/channels").json()["data"]]
        assert_openai_error(as_bob.put(f"/channels/{shared}/visibility", json={"visibility": "private"}), 403)
    with caller.http() as as_ada:
        closed = as_ada.put(f"/channels/{shared}/visibility", json={"visibility": "private"})
        assert closed.status_code == 200 and closed.json()["visibility"] == "private"
        assert_openai_error(as_ada.post("/channels", json={"name": "x", "visibility": "public"}), 422)


def test_private_channel_routes_are_404_to_a_stranger(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    eve = new_caller("Eve")
    shared, secret, ids, hidden = _channels(caller)
    with eve.http() as as_eve:
        for method, path in [
            ("get", f"/channels/{secret}"), ("get", f"/channels/{secret}/messages"), ("post", f"/channels/{secret}/join"),
            ("get", f"/channels/{secret}/pins"), ("post", f"/channels/{secret}/messages/{hidden}/pin"),
            ("delete", f"/channels/{secret}/messages/{hidden}/pin"), ("post", f"/messages/{hidden}/save"),
            ("delete", f"/messages/{hidden}/save"), ("put", f"/channels/{secret}/visibility"),
        ]:
            kwargs = {"json": {"visibility": "open"}} if method == "put" else {}
            assert_openai_error(getattr(as_eve, method)(path, **kwargs), 404)
        # Another channel's message through an open channel's path is not found either.
        assert_openai_error(as_eve.post(f"/channels/{shared}/messages/{hidden}/pin"), 404)
        assert as_eve.get("/saved").json()["data"] == []


def test_pins_and_saved_messages(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob = new_caller("Bob")
    shared, _secret, ids, _hidden = _channels(caller)
    with caller.http() as as_ada, bob.http() as as_bob:
        pinned = as_ada.post(f"/channels/{shared}/messages/{ids[1]}/pin")
        assert pinned.status_code == 200 and pinned.json() == {"message_id": ids[1], "pinned": True}
        assert as_ada.post(f"/channels/{shared}/messages/{ids[1]}/pin").status_code == 200  # twice: no change
        listed = as_bob.get(f"/channels/{shared}/pins").json()["data"]  # a reader of the open channel sees pins
        assert [(p["message"]["content"], p["pinned_by"].split()[0]) for p in listed] == [("note 1", "Ada")]
        refused = assert_openai_error(as_bob.post(f"/channels/{shared}/messages/{ids[2]}/pin"), 403)
        assert "Join" in refused["message"]

        assert as_bob.post(f"/messages/{ids[2]}/save").json() == {"message_id": ids[2], "saved": True}
        saved = as_bob.get("/saved").json()
        assert [(s["message"]["id"], s["channel_slug"]) for s in saved["data"]] == [(ids[2], shared)]
        assert saved["has_more"] is False and as_ada.get("/saved").json()["data"] == []  # private to Bob
        assert as_bob.delete(f"/messages/{ids[2]}/save").json()["saved"] is False
        assert as_bob.get("/saved").json()["data"] == []
        assert as_ada.delete(f"/channels/{shared}/messages/{ids[1]}/pin").json()["pinned"] is False
        assert as_ada.get(f"/channels/{shared}/pins").json()["data"] == []
        assert_openai_error(as_bob.post(f"/messages/{2**62}/save"), 404)
        assert_openai_error(as_bob.get("/saved", params={"page": 0}), 422)
