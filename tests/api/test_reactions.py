"""Reactions over the API: add and remove your own, see everyone's on the message,
and the errors (not a member, another channel's message, a bad emoji, archived)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import quote

from neurocache_ui.services import channels, messaging
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def _shared_channel(ada: Caller, bob: Caller) -> tuple[str, int]:
    """Ada's channel with Bob in it, and a message of Ada's there: (slug, message id)."""
    channel = channels.create_channel(ada.user_id, name=f"Reacts {uuid.uuid4().hex[:6]}")
    channels.invite(channel.id, ada.user_id, bob.email)
    message = messaging.post_message(channel.id, user_id=ada.user_id, content="Shipped the beta")
    return channel.slug, message.id


def _reactions(body: dict) -> list[tuple[str, int, list[int]]]:
    return [(r["emoji"], r["count"], r["user_ids"]) for r in body["reactions"]]


def test_add_and_remove_reactions(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob = new_caller("Bob")
    slug, message_id = _shared_channel(caller, bob)
    path = f"/channels/{slug}/messages/{message_id}/reactions"
    with bob.http() as as_bob, caller.http() as as_ada:
        added = as_bob.post(path, json={"emoji": "👍"})
        assert added.status_code == 201, added.text
        assert added.json()["id"] == message_id and added.json()["content"] == "Shipped the beta"
        assert _reactions(added.json()) == [("👍", 1, [bob.user_id])]
        assert added.json()["reactions"][0]["names"][0].startswith("Bob ")
        again = as_bob.post(path, json={"emoji": "👍"})  # already there: nothing changes
        assert again.status_code == 200 and _reactions(again.json()) == [("👍", 1, [bob.user_id])]

        both = as_ada.post(path, json={"emoji": "👍"})
        assert both.status_code == 201 and _reactions(both.json()) == [("👍", 2, [bob.user_id, caller.user_id])]
        # The variation selector is optional: a bare heart is the picker's ❤️.
        heart = as_ada.post(path, json={"emoji": "\u2764"})
        assert heart.status_code == 201
        assert _reactions(heart.json()) == [("👍", 2, [bob.user_id, caller.user_id]), ("❤️", 1, [caller.user_id])]
        # Everyone reading the channel sees them on the message.
        listed = as_bob.get(f"/channels/{slug}/messages").json()["data"]
        assert [_reactions(m) for m in listed if m["id"] == message_id] == [_reactions(heart.json())]

        removed = as_bob.delete(f"{path}/{quote('👍')}")
        assert removed.status_code == 200, removed.text
        assert _reactions(removed.json()) == [("👍", 1, [caller.user_id]), ("❤️", 1, [caller.user_id])]
        gone = as_bob.delete(f"{path}/{quote('👍')}")  # not his any more: nothing changes
        assert gone.status_code == 200 and _reactions(gone.json()) == _reactions(removed.json())
        assert as_ada.delete(f"{path}/{quote('👍')}").status_code == 200
        last = as_ada.delete(f"{path}/{quote(chr(0x2764) + chr(0xFE0F))}")
        assert last.status_code == 200 and last.json()["reactions"] == []
    assert messaging.get_message(message_id, viewer_id=bob.user_id).reactions == ()


def test_reaction_errors(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob, carol = new_caller("Bob"), new_caller("Carol")
    slug, message_id = _shared_channel(caller, bob)
    path = f"/channels/{slug}/messages/{message_id}/reactions"
    elsewhere = channels.create_channel(caller.user_id, name=f"Other {uuid.uuid4().hex[:6]}")
    other_message = messaging.post_message(elsewhere.id, user_id=caller.user_id, content="over here")
    with caller.http() as as_ada, carol.http() as as_carol:
        bad = assert_openai_error(as_ada.post(path, json={"emoji": "lol"}), 422, "invalid_value")
        assert bad["param"] == "emoji" and "Pick a reaction" in bad["message"] and "👍" in bad["message"]
        assert "Pick a reaction" in assert_openai_error(as_ada.delete(f"{path}/lol"), 422)["message"]
        assert_openai_error(as_ada.post(path, json={"emoji": ""}), 422)
        assert_openai_error(as_ada.post(path, json={}), 422)
        # A message is reached only through its own channel, by members.
        assert_openai_error(as_carol.post(path, json={"emoji": "👍"}), 404)
        assert_openai_error(as_carol.delete(f"{path}/{quote('👍')}"), 404)
        wrong_channel = f"/channels/{slug}/messages/{other_message.id}/reactions"
        assert assert_openai_error(as_ada.post(wrong_channel, json={"emoji": "👍"}), 404)["message"] == "Message not found."
        assert_openai_error(as_ada.post(f"/channels/{slug}/messages/{2**62}/reactions", json={"emoji": "👍"}), 404)
        assert_openai_error(as_ada.post(f"/channels/{slug}/messages/0/reactions", json={"emoji": "👍"}), 422)
        assert_openai_error(as_ada.post(f"/channels/{slug}/messages/{2**63}/reactions", json={"emoji": "👍"}), 422)
        # Nothing above was stored.
        assert messaging.get_message(message_id, viewer_id=None).reactions == ()
        assert messaging.get_message(other_message.id, viewer_id=None).reactions == ()

        channels.archive(elsewhere.id, caller.user_id)
        archived = assert_openai_error(as_ada.post(wrong_channel.replace(slug, elsewhere.slug), json={"emoji": "👍"}), 403)
        assert "archived" in archived["message"]
