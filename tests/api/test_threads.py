"""Threads over the API: messages carry thread_id and reply_count, POST takes
thread_id, GET ?thread_id= reads a thread, and agents answer inside it."""

from __future__ import annotations

import time

from tests.api.conftest import Caller, Workspace
from tests.api.test_keys import assert_openai_error


def test_post_and_read_a_thread(caller: Caller, new_caller, workspace: Workspace) -> None:
    slug = workspace.channel.slug
    with caller.http() as http:
        root = http.post(f"/channels/{slug}/messages", json={"content": "Which venue?"}).json()
        assert (root["thread_id"], root["reply_count"]) == (None, 0)
        replies = [
            http.post(f"/channels/{slug}/messages", json={"content": text, "thread_id": root["id"]}) for text in ("Lisbon", "Porto")
        ]
        assert [r.status_code for r in replies] == [201, 201]
        assert {r.json()["thread_id"] for r in replies} == {root["id"]}

        channel_page = http.get(f"/channels/{slug}/messages").json()["data"]
        assert [m["id"] for m in channel_page] == [root["id"]]  # replies are not in the channel's pages
        assert channel_page[0]["reply_count"] == 2
        thread = http.get(f"/channels/{slug}/messages", params={"thread_id": root["id"]}).json()
        assert [m["content"] for m in thread["data"]] == ["Lisbon", "Porto"] and thread["has_more"] is False
        newest = http.get(f"/channels/{slug}/messages", params={"thread_id": root["id"], "limit": 1}).json()
        assert [m["content"] for m in newest["data"]] == ["Porto"] and newest["has_more"] is True

        first_reply = replies[0].json()["id"]
        assert_openai_error(
            http.post(f"/channels/{slug}/messages", json={"content": "nested", "thread_id": first_reply}), 422
        )
        assert_openai_error(http.get(f"/channels/{slug}/messages", params={"thread_id": first_reply}), 404)
        assert_openai_error(http.get(f"/channels/{slug}/messages", params={"thread_id": root["id"], "before": "1"}), 422)
        assert_openai_error(http.post(f"/channels/{slug}/messages", json={"content": "x", "thread_id": 0}), 422)

    # Another user's channel: its thread is not found from here, and not postable.
    eve = new_caller("Eve")
    with eve.http() as http:
        assert_openai_error(http.get(f"/channels/{slug}/messages", params={"thread_id": root["id"]}), 404)
        mine = http.post("/channels", json={"name": "Eve's own"}).json()["slug"]
        assert_openai_error(http.post(f"/channels/{mine}/messages", json={"content": "x", "thread_id": root["id"]}), 404)
        assert_openai_error(http.get(f"/channels/{mine}/messages", params={"thread_id": root["id"]}), 404)


def test_a_mentioned_agent_answers_in_the_thread(caller: Caller, workspace: Workspace) -> None:
    slug = workspace.channel.slug
    with caller.http() as http:
        root = http.post(f"/channels/{slug}/messages", json={"content": "Sources for the venue?"}).json()
        http.post(f"/channels/{slug}/messages", json={"content": "@scout find two", "thread_id": root["id"]}).raise_for_status()
        deadline, answers = time.monotonic() + 20, []
        while time.monotonic() < deadline and not answers:
            thread = http.get(f"/channels/{slug}/messages", params={"thread_id": root["id"]}).json()["data"]
            answers = [m for m in thread if m["author_kind"] == "agent" and m["status"] == "complete"]
            time.sleep(0.2)
        assert [a["author_name"] for a in answers] == ["Scout"] and answers[0]["thread_id"] == root["id"]
        assert all(m["author_kind"] != "agent" for m in http.get(f"/channels/{slug}/messages").json()["data"])
