"""GET /api/v1/search over real HTTP on the production-like hub: keyed, only the
key owner's channels, newest first in keyset pages, clear 422s."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from neurocache_ui.services import channels, messaging
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_search_finds_the_owners_messages_with_highlights(new_caller: Callable[..., Caller]) -> None:
    ada, bob = new_caller("Ada"), new_caller("Bob")
    word = f"zebra{uuid.uuid4().hex[:8]}"  # unique in the shared database
    shared = channels.create_channel(ada.user_id, name=f"Shared {word[-6:]}")
    channels.invite(shared.id, ada.user_id, bob.email)
    bobs_own = channels.create_channel(bob.user_id, name=f"Bob only {word[-6:]}")
    seen = messaging.post_message(shared.id, user_id=bob.user_id, content=f"The {word} crossing is open")
    messaging.post_message(bobs_own.id, user_id=bob.user_id, content=f"Secret {word} notes")

    with ada.http() as http:
        response = http.get("/search", params={"q": word[:-2]})  # a prefix, as while typing
        assert response.status_code == 200, response.text
        body = response.json()
    assert body["object"] == "list" and body["has_more"] is False and body["next_cursor"] is None
    [hit] = body["data"]
    assert hit["id"] == seen.id
    assert (hit["channel_slug"], hit["channel_name"], hit["channel_id"]) == (shared.slug, shared.name, shared.id)
    assert hit["author_name"].startswith("Bob ") and (hit["author_kind"], hit["thread_id"]) == ("user", None)
    assert hit["url"] == f"/channels/{shared.slug}?m={seen.id}"
    assert hit["snippet"] == [
        {"text": "The ", "hit": False}, {"text": word, "hit": True}, {"text": " crossing is open", "hit": False},
    ]
    with bob.http() as http:  # Bob sees both channels' messages, newest first
        assert [h["channel_slug"] for h in http.get("/search", params={"q": word}).json()["data"]] == [bobs_own.slug, shared.slug]


def test_search_pages_by_cursor(caller: Caller) -> None:
    word = f"okapi{uuid.uuid4().hex[:8]}"
    channel = channels.create_channel(caller.user_id, name=f"Pages {word[-6:]}")
    posted = [messaging.post_message(channel.id, user_id=caller.user_id, content=f"{word} number {i}").id for i in range(5)]
    found: list[int] = []
    with caller.http() as http:
        first = http.get("/search", params={"q": word, "limit": 2}).json()
        assert first["has_more"] and first["next_cursor"]
        found += [h["id"] for h in first["data"]]
        cursor = first["next_cursor"]
        while cursor:
            page = http.get("/search", params={"q": word, "limit": 2, "before": cursor}).json()
            found += [h["id"] for h in page["data"]]
            cursor = page["next_cursor"]
    assert found == posted[::-1]


def test_search_errors(caller: Caller) -> None:
    with caller.http(key=None) as http:
        assert_openai_error(http.get("/search", params={"q": "hello"}), 401, "missing_api_key")
    with caller.http(key="nck_not_a_real_key") as http:
        assert_openai_error(http.get("/search", params={"q": "hello"}), 401, "invalid_api_key")
    with caller.http() as http:
        assert_openai_error(http.get("/search"), 422)
        for query in ["", "   ", "?!&|:*()"]:
            error = assert_openai_error(http.get("/search", params={"q": query}), 422)
            assert error["message"] == "Type at least one word (letters or digits) to search for."
            assert error["param"] == "q"
        assert_openai_error(http.get("/search", params={"q": "x" * 201}), 422)
        assert_openai_error(http.get("/search", params={"q": "hello", "limit": 0}), 422)
        assert_openai_error(http.get("/search", params={"q": "hello", "limit": 51}), 422)
        for before in ["nonsense", "1_99999999999999999999", "-1_-1"]:
            error = assert_openai_error(http.get("/search", params={"q": "hello", "before": before}), 422)
            assert error["param"] == "before"
