"""Channel roles over the API (api/routes/channel_roles.py): the members list with
roles, the owner naming a moderator, a moderator deleting someone else's message and
removing a member, a plain member refused with 403 and a clear message, and a
stranger (not a member) answered 404 on every route, exactly as the hub refuses."""

from __future__ import annotations

from collections.abc import Callable

from neurocache_ui.services import channels, messaging
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_roles_are_checked_the_same_over_the_api(new_caller: Callable[..., Caller]) -> None:
    ada, bob, cy, eve = new_caller("Ada"), new_caller("Bob"), new_caller("Cy"), new_caller("Eve")
    channel = channels.create_channel(ada.user_id, name="Moderated room")
    for member in (bob, cy):
        channels.invite(channel.id, ada.user_id, member.email)
    slug = channel.slug
    spam = messaging.post_message(channel.id, user_id=cy.user_id, content="cheap watches")
    fine = messaging.post_message(channel.id, user_id=ada.user_id, content="agenda")

    with bob.http() as http:
        roles = {m["user_id"]: m["role"] for m in http.get(f"/channels/{slug}/members").json()["data"]}
        assert roles == {ada.user_id: "owner", bob.user_id: "member", cy.user_id: "member"}
        assert http.get(f"/channels/{slug}").json()["role"] == "member"
        refused = assert_openai_error(http.delete(f"/channels/{slug}/messages/{spam.id}"), 403)
        assert refused["message"] == "Only the channel's owner or a moderator can delete other people's messages."
        assert_openai_error(http.put(f"/channels/{slug}/members/{cy.user_id}/role", json={"role": "moderator"}), 403)
        assert_openai_error(http.delete(f"/channels/{slug}/members/{cy.user_id}"), 403)

    with ada.http() as http:
        made = http.put(f"/channels/{slug}/members/{bob.user_id}/role", json={"role": "moderator"})
        assert made.status_code == 200 and made.json()["role"] == "moderator" and made.json()["user_id"] == bob.user_id
        assert_openai_error(http.put(f"/channels/{slug}/members/{ada.user_id}/role", json={"role": "member"}), 422)
        assert_openai_error(http.put(f"/channels/{slug}/members/{bob.user_id}/role", json={"role": "owner"}), 422)

    with bob.http() as http:
        assert http.get(f"/channels/{slug}").json()["role"] == "moderator"
        assert http.delete(f"/channels/{slug}/messages/{spam.id}").status_code == 204
        assert_openai_error(http.delete(f"/channels/{slug}/messages/{spam.id}"), 404)  # gone
        assert http.delete(f"/channels/{slug}/members/{cy.user_id}").status_code == 204
        assert_openai_error(http.delete(f"/channels/{slug}/members/{ada.user_id}"), 403)
    assert [m.id for m in messaging.recent_messages(channel.id, 10, viewer_id=ada.user_id)] == [fine.id]

    with cy.http() as http:  # removed: the channel is gone for Cy
        assert_openai_error(http.get(f"/channels/{slug}/members"), 404)
    with eve.http() as http:  # never a member: 404 everywhere, nothing to learn
        assert_openai_error(http.get(f"/channels/{slug}/members"), 404)
        assert_openai_error(http.put(f"/channels/{slug}/members/{bob.user_id}/role", json={"role": "member"}), 404)
        assert_openai_error(http.delete(f"/channels/{slug}/members/{bob.user_id}"), 404)
        assert_openai_error(http.delete(f"/channels/{slug}/messages/{fine.id}"), 404)
    other = channels.create_channel(eve.user_id, name="Elsewhere")
    elsewhere = messaging.post_message(other.id, user_id=eve.user_id, content="mine")
    with ada.http() as http:  # a message of another channel, named through this one
        assert_openai_error(http.delete(f"/channels/{slug}/messages/{elsewhere.id}"), 404)
