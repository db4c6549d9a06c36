"""Notifications over HTTP: `GET`/`PATCH /channels/{slug}/notifications` for members
only (404 to anyone else, 422 for a level that does not exist), and the e-mail
digest's unsubscribe link, which needs no login: GET only asks, POST turns e-mail off."""

from __future__ import annotations

import secrets
from collections.abc import Callable

import httpx

from neurocache_ui.services import channels, notify_settings
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.notify_models import NotificationSetting
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_a_member_sets_their_level_and_mute_and_a_stranger_gets_404(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    bob, eve = new_caller("Bob"), new_caller("Eve")
    channel = channels.create_channel(caller.user_id, name=f"Launch {secrets.token_hex(3)}")
    channels.invite(channel.id, caller.user_id, bob.email)
    path = f"/channels/{channel.slug}/notifications"
    with bob.http() as as_bob:
        assert as_bob.get(path).json() == {"notify": "mentions", "default": True, "muted": False}
        changed = as_bob.patch(path, json={"notify": "all", "muted": True})
        assert changed.status_code == 200, changed.text
        assert changed.json() == {"notify": "all", "default": False, "muted": True}
        assert as_bob.patch(path, json={"muted": False}).json() == {"notify": "all", "default": False, "muted": False}
        assert_openai_error(as_bob.patch(path, json={"notify": "loud"}), 422)
        assert_openai_error(as_bob.patch(path, json={"sound": "on"}), 422)
    with caller.http() as as_ada:  # one person's choice is theirs alone
        assert as_ada.get(path).json()["notify"] == "mentions"
    with eve.http() as as_eve:
        assert_openai_error(as_eve.get(path), 404)
        assert_openai_error(as_eve.patch(path, json={"muted": True}), 404)
        assert_openai_error(as_eve.get("/channels/no-such-channel/notifications"), 404)
    with caller.http(key=None) as nobody:
        assert nobody.get(path).status_code == 401


def test_the_unsubscribe_link_asks_on_get_and_turns_email_off_on_post(caller: Caller) -> None:
    token = secrets.token_urlsafe(32)
    with session_scope() as session:
        session.add(NotificationSetting(user_id=caller.user_id, unsubscribe_token=token))
    with httpx.Client(base_url=caller.base_url.removesuffix("/api/v1")) as anonymous:
        page = anonymous.get("/email/unsubscribe", params={"t": token})
        assert page.status_code == 200 and "Turn off e-mail notifications" in page.text
        assert notify_settings.person_settings(caller.user_id).email_enabled is True  # a GET changes nothing
        assert anonymous.post("/email/unsubscribe", params={"t": "x" * 43}).status_code == 404
        done = anonymous.post("/email/unsubscribe", params={"t": token})
        assert done.status_code == 200 and "no more e-mail" in done.text
    assert notify_settings.person_settings(caller.user_id).email_enabled is False
