"""Profiles over the API: `PATCH /me` sets a title and a status (checked, 422 naming
the field), `GET /users/{id}` shows them to someone who shares a channel and is 404 to
a stranger; avatars are served to signed-in accounts only, never to an API key."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from neurocache_ui.services import channels
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_title_and_status_reach_a_channel_mate_and_not_a_stranger(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob, eve = new_caller("Bob"), new_caller("Eve")
    channel = channels.create_channel(caller.user_id, name="Design")
    channels.invite(channel.id, caller.user_id, bob.email)
    with caller.http() as as_ada:
        changed = as_ada.patch("/me", json={"title": "Product designer", "status": {"emoji": "📅", "text": "In a meeting", "until": "1h"}})
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert (body["id"], body["title"], body["status"]["text"], body["avatar_url"]) == (caller.user_id, "Product designer", "In a meeting", None)
        assert body["status"]["until"] is not None
        bad = assert_openai_error(as_ada.patch("/me", json={"title": "x" * 81}), 422)
        assert "80" in bad["message"]
        assert as_ada.patch("/me", json={"status": {"emoji": "🌴", "text": ""}}).status_code == 422
        assert as_ada.patch("/me", json={"status": {"text": "Away", "until": "forever"}}).status_code == 422
        assert as_ada.patch("/me", json={"nickname": "A"}).status_code == 422
    with bob.http() as as_bob:
        seen = as_bob.get(f"/users/{caller.user_id}")
        assert seen.status_code == 200 and seen.json()["title"] == "Product designer"
        assert seen.json()["status"]["emoji"] == "📅"
    with eve.http() as as_eve:
        assert_openai_error(as_eve.get(f"/users/{caller.user_id}"), 404)
        assert_openai_error(as_eve.get("/users/999999999"), 404)
    with caller.http() as as_ada:
        cleared = as_ada.patch("/me", json={"status": {"text": ""}}).json()
        assert cleared["status"] is None and cleared["title"] == "Product designer"
    with httpx.Client(base_url=caller.base_url.removesuffix("/api/v1")) as anonymous:
        assert anonymous.get(f"/avatars/{caller.user_id}/128").status_code == 404
        keyed = anonymous.get(f"/avatars/{caller.user_id}/128", headers={"Authorization": f"Bearer {caller.key}"})
        assert keyed.status_code == 404
    with caller.http(key=None) as nobody:
        assert nobody.get(f"/users/{caller.user_id}").status_code == 401
        assert nobody.patch("/me", json={"title": "x"}).status_code == 401
