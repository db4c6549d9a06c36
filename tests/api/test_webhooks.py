"""Webhooks over HTTP against the running hub. Incoming: only the channel's owner or a
moderator manages them (a member 403, a stranger 404); the secret URL needs no key,
posts as a labelled integration (JSON or Slack's `payload=` form, into a thread too),
wakes agents only when allowed, is rate limited, and answers 404 once revoked; bodies
too large are 413, empty texts 422. Outgoing: create, list (no secret), delete and the
delivery log, each 404 for anyone but the owner."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable

import httpx

from neurocache_ui.domain.webhooks import INCOMING_RATE
from neurocache_ui.services import channels, moderation
from tests.api.conftest import Caller, Workspace
from tests.api.test_keys import assert_openai_error

RECEIVER = "https://receiver.invalid/hook"
"""Never resolves: the hub's own delivery workers try it and log a failure."""


def _anonymous(caller: Caller) -> httpx.Client:
    return httpx.Client(timeout=30)


def _messages(http: httpx.Client, slug: str) -> list[dict]:
    return http.get(f"/channels/{slug}/messages").json()["data"]


def test_an_incoming_webhook_posts_as_an_integration_until_revoked(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob, eve = new_caller("Bob"), new_caller("Eve")
    channel = channels.create_channel(caller.user_id, name=f"Deploys {secrets.token_hex(3)}")
    channels.invite(channel.id, caller.user_id, bob.email)
    path = f"/channels/{channel.slug}/webhooks/incoming"
    with caller.http() as ada, bob.http() as as_bob, eve.http() as as_eve, _anonymous(caller) as anyone:
        made = ada.post(path, json={"name": "CI"})
        assert made.status_code == 201, made.text
        hook = made.json()
        assert hook["url"].startswith(f"{caller.base_url}/hooks/nch_") and hook["trigger_agents"] is False
        listed = ada.get(path).json()["data"]
        assert [h["id"] for h in listed] == [hook["id"]] and "url" not in listed[0]
        assert hook["url"].split("/hooks/")[1] not in json.dumps(listed)  # the secret is shown once

        assert_openai_error(as_bob.post(path, json={"name": "Mine"}), 403)  # a member, not a moderator
        assert_openai_error(as_bob.get(path), 403)
        assert_openai_error(as_eve.post(path, json={"name": "Spy"}), 404)
        assert_openai_error(as_eve.delete(f"{path}/{hook['id']}"), 404)
        assert_openai_error(ada.post(path, json={"name": ""}), 422)

        posted = anyone.post(hook["url"], json={"text": "Build 812 passed"})
        assert posted.status_code == 200, posted.text
        slack = anyone.post(hook["url"], data={"payload": json.dumps({"text": "Deployed", "username": "Release bot"})})
        assert slack.status_code == 200, slack.text
        in_thread = anyone.post(hook["url"], json={"text": "Details follow", "thread_id": posted.json()["id"]})
        assert in_thread.status_code == 200, in_thread.text
        rows = [(m["author_name"], m["author_kind"], m["content"]) for m in _messages(ada, channel.slug)]
        assert rows[-2:] == [("CI", "integration", "Build 812 passed"), ("Release bot", "integration", "Deployed")]
        thread = ada.get(f"/channels/{channel.slug}/messages", params={"thread_id": posted.json()["id"]}).json()["data"]
        assert [m["content"] for m in thread] == ["Details follow"]

        assert_openai_error(anyone.post(hook["url"], json={"text": "  "}), 422)
        assert_openai_error(anyone.post(hook["url"], content=b"not json", headers={"Content-Type": "application/json"}), 422)
        assert_openai_error(anyone.post(hook["url"], json={"text": "x" * 2_000_000}), 413)
        assert_openai_error(anyone.post(hook["url"], json={"text": "x", "thread_id": 10**12}), 404)

        assert ada.delete(f"{path}/{hook['id']}").status_code == 204
        assert_openai_error(anyone.post(hook["url"], json={"text": "after revoking"}), 404)
        assert_openai_error(anyone.post(f"{caller.base_url}/hooks/nch_{'A' * 43}", json={"text": "guess"}), 404)
        assert_openai_error(ada.delete(f"{path}/{hook['id']}"), 404)
        assert ada.get(path).json()["data"] == []


def test_a_moderator_may_manage_them_and_posts_are_rate_limited(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob = new_caller("Bob")
    channel = channels.create_channel(caller.user_id, name=f"Alerts {secrets.token_hex(3)}")
    channels.invite(channel.id, caller.user_id, bob.email)
    moderation.set_role(channel.id, caller.user_id, bob.user_id, "moderator")
    with bob.http() as as_bob, _anonymous(caller) as anyone:
        made = as_bob.post(f"/channels/{channel.slug}/webhooks/incoming", json={"name": "Pager"})
        assert made.status_code == 201, made.text
        allowed = int(INCOMING_RATE.split("/")[0])
        statuses = [anyone.post(made.json()["url"], json={"text": f"alert {n}"}).status_code for n in range(allowed + 1)]
    assert statuses[:allowed] == [200] * allowed
    assert statuses[allowed] == 429


def test_an_incoming_post_wakes_agents_only_when_allowed(caller: Caller, workspace: Workspace) -> None:
    slug = workspace.channel.slug
    with caller.http() as http, _anonymous(caller) as anyone:
        quiet = http.post(f"/channels/{slug}/webhooks/incoming", json={"name": "Quiet"}).json()
        loud = http.post(f"/channels/{slug}/webhooks/incoming", json={"name": "Loud", "trigger_agents": True}).json()
        assert anyone.post(quiet["url"], json={"text": "@scout ignore this"}).status_code == 200
        assert anyone.post(loud["url"], json={"text": "@scout summarise the alert"}).status_code == 200
        deadline = time.monotonic() + 20
        replies: list[dict] = []
        while time.monotonic() < deadline and not replies:
            replies = [m for m in _messages(http, slug) if m["author_kind"] == "agent" and m["status"] == "complete"]
            time.sleep(0.2)
        time.sleep(1.0)  # a reply to the quiet one would have started by now
        replies = [m for m in _messages(http, slug) if m["author_kind"] == "agent"]
    assert len(replies) == 1 and "summarise the alert" in replies[0]["content"]


def test_outgoing_webhooks_are_their_owners_alone(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    eve = new_caller("Eve")
    channel = channels.create_channel(caller.user_id, name=f"Ops {secrets.token_hex(3)}")
    with caller.http() as ada, eve.http() as as_eve:
        made = ada.post("/webhooks", json={"url": RECEIVER, "events": ["mention", "message.created"], "channel": channel.slug})
        assert made.status_code == 201, made.text
        hook = made.json()
        assert hook["secret"].startswith("whsec_") and hook["events"] == ["message.created", "mention"]
        assert hook["channel"] == channel.slug and hook["active"] is True
        everywhere = ada.post("/webhooks", json={"url": RECEIVER, "events": ["reaction.added"]}).json()
        assert everywhere["channel"] is None
        listed = ada.get("/webhooks").json()["data"]
        assert [h["id"] for h in listed] == [hook["id"], everywhere["id"]] and "secret" not in listed[0]
        assert ada.get(f"/webhooks/{hook['id']}/deliveries").json() == {"data": []}

        assert_openai_error(ada.post("/webhooks", json={"url": RECEIVER, "events": ["message.deleted"]}), 422)
        assert_openai_error(ada.post("/webhooks", json={"url": RECEIVER, "events": []}), 422)
        assert_openai_error(ada.post("/webhooks", json={"url": "ftp://files.example.com/", "events": ["mention"]}), 422)
        assert_openai_error(as_eve.post("/webhooks", json={"url": RECEIVER, "events": ["mention"], "channel": channel.slug}), 404)
        assert as_eve.get("/webhooks").json() == {"data": []}
        assert_openai_error(as_eve.get(f"/webhooks/{hook['id']}/deliveries"), 404)
        assert_openai_error(as_eve.delete(f"/webhooks/{hook['id']}"), 404)

        assert ada.delete(f"/webhooks/{hook['id']}").status_code == 204
        assert_openai_error(ada.delete(f"/webhooks/{hook['id']}"), 404)
        assert [h["id"] for h in ada.get("/webhooks").json()["data"]] == [everywhere["id"]]
    with caller.http(key=None) as nobody:
        assert nobody.get("/webhooks").status_code == 401
        assert nobody.post(f"/channels/{channel.slug}/webhooks/incoming", json={"name": "x"}).status_code == 401
