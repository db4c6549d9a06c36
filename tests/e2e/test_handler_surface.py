"""A tab that never logged in calls every event handler with another user's ids,
over a raw socket.io connection (no browser, so nothing in the page can stop it):
nothing of hers comes back, nothing is posted or changed, no model is called.

The same client, given her session cookie, does receive her channel: the probe
can see a leak when there is one."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from neurocache_ui.infra import bus, presence
from neurocache_ui.services import agents, api_keys, auth, channels, messaging, notify_settings, pins, profiles, team
from neurocache_ui.services.webhooks import incoming, outgoing
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import (
    Agent,
    ApiKey,
    Channel,
    ChannelAgent,
    ChannelMember,
    Message,
    User,
)
from neurocache_ui.store.notify_models import NotificationSetting
from neurocache_ui.store.pin_models import Pin, SavedMessage
from neurocache_ui.store.profile_models import UserProfile
from neurocache_ui.store.webhook_models import IncomingWebhook, Webhook
from neurocache_ui.store.workspace_models import SignupInvite, Workspace
from neurocache_ui.web.state.surface import PUBLIC_HANDLERS, state_classes
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.servers import RedisServer
from testkit.socket_client import RawTab

# Helpers that were public events before; calling them must do nothing either.
FORMER_HELPERS: dict[str, dict[str, Any]] = {
    "ChatState.restore": {"token": "x", "slug": "", "user": {"id": 0, "name": "x", "email": "x"}},
    "ChatState.apply_event": {"channel_id": 0, "event": {}},
    "ChatState.resync": {},
    "TeamState.message_sent": {"view": {}, "user_id": 0},
    "TeamState.on_event": {"channel_id": 0, "event": {}},
    "AuthState.require_user": {},
    "AuthState.user_or_none": {},
    "AuthState.setvar": {"var_name": "user_id", "value": 0},
    "ChatState.setvar": {"var_name": "channel_id", "value": 0},
}


@dataclass
class Victim:
    tag: str
    user: auth.CurrentUser
    channel: channels.ChannelView
    message_id: int
    agent: agents.AgentPublic
    key_id: int
    incoming_id: int
    outgoing_id: int

    @property
    def secrets(self) -> list[str]:
        """Strings only her data contains (slugs are guessable, so they are inputs, not secrets)."""
        return [f"secret-{self.tag}", f"Her {self.tag}", f"Vault {self.tag}", f"goal-{self.tag}",
                f"Agent {self.tag}", self.user.email, f"key-{self.tag}", f"title-{self.tag}", f"status-{self.tag}",
                f"Hook {self.tag}", f"her-{self.tag}.example.com"]


@pytest.fixture
def victim(use_settings, postgres_url: str, redis_server: RedisServer) -> Victim:
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url)
    tag = uuid.uuid4().hex[:8]
    user = auth.create_user(name=f"Her {tag}", email=f"her-{tag}@example.com", password=f"vault-{tag}-pass")
    channel = channels.create_channel(user.id, name=f"Vault {tag}", goal=f"goal-{tag}")
    message = messaging.post_message(channel.id, user_id=user.id, content=f"secret-{tag}")
    pins.set_pinned(message.id, user_id=user.id, pinned=True)  # a stranger must not unpin or unsave them
    pins.set_saved(message.id, user_id=user.id, saved=True)
    agent = agents.create_agent(user.id, {"name": f"Agent {tag}", "model": "fake-model", "reply_mode": "all"})
    team.add_agent(channel.id, user.id, agent.id)
    _, key = api_keys.create_key(user.id, f"key-{tag}", None)
    profiles.update(user.id, title=f"title-{tag}", status=("", f"status-{tag}"))  # her card: only channel mates see it
    notify_settings.set_channel_level(user.id, channel.id, notify="nothing")  # her choices: nobody else changes them
    notify_settings.save_person_settings(user.id, email_enabled=True, email_delay_minutes=10, quiet_start="22:00",
                                         quiet_end="07:00", timezone="Europe/Berlin")
    _, hook_in = incoming.create(channel.id, user.id, f"Hook {tag}")  # nobody else lists, makes or revokes hers
    _, hook_out = outgoing.create(user.id, f"https://her-{tag}.example.com/hook", ["mention"])
    return Victim(tag, user, channel, message.id, agent, key.id, hook_in.id, hook_out.id)


# Resolved once at import: Reflex's registry lives in a context variable that
# each async test would otherwise have to set up again.
STATES = state_classes()
NAMES = {name: state_cls.get_full_name() for name, state_cls in STATES.items()}


def _argument(name: str, annotation: Any, her: Victim) -> Any:
    """Her ids for every id-like parameter; forms naming her things; harmless values otherwise."""
    ids = {"message_id": her.message_id, "agent_id": her.agent.id, "key_id": her.key_id, "document_id": 1,
           "channel_id": her.channel.id, "user_id": her.user.id, "hook_id": her.incoming_id, "webhook_id": her.outgoing_id}
    if name in ids:
        return ids[name]
    text = str(annotation)
    if "dict" in text:
        return {"content": "intruder was here", "name": "Intruder", "email": "intruder@example.com",
                "password": "intruder-password-1", "prompt": "spend her tokens", "current": "x", "new": "y",
                "repeat": "y", "description": "", "goal": "", "model": "fake-model", "visibility": "open", "q": "",
                # "New message" with her and her agent (web/state/dms.py): neither is his to message.
                f"person-{her.user.id}": "on", f"agent-{her.agent.id}": "on"}
    if "list" in text:
        return []
    if "bool" in text:
        return True
    if "int" in text:
        return her.channel.id
    return her.channel.slug


def _calls(her: Victim) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(event name, payload, page path) for every allow-listed handler, from pages of hers."""
    paths = [f"/channels/{her.channel.slug}", f"/agents/{her.agent.slug}"]
    for class_name, handler_names in PUBLIC_HANDLERS.items():
        state_cls = STATES[class_name]
        for handler in sorted(handler_names):
            fn = state_cls.event_handlers[handler].fn
            params = list(inspect.signature(fn).parameters.values())[1:]
            payload = {p.name: _argument(p.name, p.annotation, her) for p in params}
            for path in paths:
                yield f"{NAMES[class_name]}.{handler}", payload, path
    for dotted, payload in FORMER_HELPERS.items():
        class_name, handler = dotted.split(".")
        payload = {**payload, **({"slug": her.channel.slug} if "slug" in payload else {})}
        if "user" in payload:
            payload["user"] = {"id": her.user.id, "name": her.user.name, "email": her.user.email}
        if "channel_id" in payload:
            payload["channel_id"] = her.channel.id
        if "user_id" in payload:
            payload["user_id"] = her.user.id
        yield f"{NAMES[class_name]}.{handler}", payload, paths[0]


def _counts(her: Victim) -> dict[str, Any]:
    with get_engine().connect() as conn:
        def one(query: sa.Select) -> Any:
            return conn.execute(query).scalar_one()

        return {
            "messages": one(sa.select(sa.func.count()).select_from(Message).where(Message.channel_id == her.channel.id)),
            "members": one(sa.select(sa.func.count()).select_from(ChannelMember).where(ChannelMember.channel_id == her.channel.id)),
            "channel": conn.execute(
                sa.select(Channel.name, Channel.archived_at, Channel.visibility).where(Channel.id == her.channel.id)
            ).one(),
            "pins": one(sa.select(sa.func.count()).select_from(Pin).where(Pin.channel_id == her.channel.id)),
            "saved": one(sa.select(sa.func.count()).select_from(SavedMessage).where(SavedMessage.message_id == her.message_id)),
            "team": one(sa.select(sa.func.count()).select_from(ChannelAgent).where(ChannelAgent.channel_id == her.channel.id)),
            "agent": conn.execute(sa.select(Agent.name).where(Agent.id == her.agent.id)).one(),
            "key_revoked": one(sa.select(ApiKey.revoked_at).where(ApiKey.id == her.key_id)),
            "her_agents": one(sa.select(sa.func.count()).select_from(Agent).where(Agent.owner_id == her.user.id)),
            "her_dms": one(sa.select(sa.func.count()).select_from(ChannelMember).join(Channel, Channel.id == ChannelMember.channel_id)
                           .where(ChannelMember.user_id == her.user.id, Channel.kind == "dm")),
            "dms_with_her_agent": one(sa.select(sa.func.count()).select_from(ChannelAgent).join(Channel, Channel.id == ChannelAgent.channel_id)
                                      .where(ChannelAgent.agent_id == her.agent.id, Channel.kind == "dm")),
            "roles": conn.execute(sa.select(ChannelMember.user_id, ChannelMember.role)
                                  .where(ChannelMember.channel_id == her.channel.id)).all(),
            "her_account": conn.execute(sa.select(User.is_admin, User.deactivated_at).where(User.id == her.user.id)).one(),
            "signup_mode": conn.execute(sa.select(Workspace.signup_mode)).scalar_one_or_none(),
            "invites": one(sa.select(sa.func.count()).select_from(SignupInvite)),
            "her_notify": conn.execute(sa.select(ChannelMember.notify, ChannelMember.muted).where(
                ChannelMember.channel_id == her.channel.id, ChannelMember.user_id == her.user.id)).one(),
            "her_notify_settings": conn.execute(sa.select(
                NotificationSetting.email_enabled, NotificationSetting.quiet_start, NotificationSetting.timezone,
            ).where(NotificationSetting.user_id == her.user.id)).one(),
            "her_hooks": conn.execute(sa.select(IncomingWebhook.id, IncomingWebhook.revoked_at)
                                      .where(IncomingWebhook.channel_id == her.channel.id)).all(),
            "her_outgoing": conn.execute(sa.select(Webhook.id).where(Webhook.owner_id == her.user.id)).all(),
            "her_profile": conn.execute(sa.select(UserProfile.title, UserProfile.status_text, UserProfile.avatar_version)
                                        .where(UserProfile.user_id == her.user.id)).one(),
        }


async def _settle(tab: RawTab, seconds: float = 1.5) -> None:
    """Wait until nothing has arrived for a while: every handler has answered."""
    seen = -1
    while seen != len(tab.received):
        seen = len(tab.received)
        await asyncio.sleep(seconds)


SESSION_ENDERS = frozenset({"logout", "logout_everywhere", "change_password"})


@pytest.mark.parametrize("signed_in", [False, True], ids=["never logged in", "another user's session"])
async def test_a_stranger_gets_nothing_from_any_handler(
    agent_hub: HubServer, victim: Victim, fake_provider: FakeOpenAIServer, use_settings, postgres_url: str,
    redis_server: RedisServer, signed_in: bool,
) -> None:
    cookie = None
    if signed_in:
        him = auth.create_user(name="Mallory", email=f"mallory-{uuid.uuid4().hex[:8]}@example.com", password="mallory-pass-1234")
        cookie = auth.start_session(him.id)
    before = _counts(victim)
    # The calls that end his own session come last, so the rest run signed in.
    calls = sorted(_calls(victim), key=lambda call: call[0].rsplit(".", 1)[1] in SESSION_ENDERS)
    assert len(calls) > 2 * sum(len(h) for h in PUBLIC_HANDLERS.values())  # every handler, from two pages
    heard: list[str] = []
    ready = asyncio.Event()

    async def listen() -> None:  # what her channel's viewers are told meanwhile (typing, presence)
        async for channel_id, event in bus.listen(ready=ready):
            if channel_id == victim.channel.id:
                heard.append(event.type)

    listener = asyncio.create_task(listen())
    await asyncio.wait_for(ready.wait(), 10)
    async with RawTab(agent_hub.url, cookie=cookie) as stranger:
        for name, payload, path in calls:
            await stranger.call(name, payload, path)
        await _settle(stranger)
        # She posts while the stranger's tab is still open: nothing arrives live either.
        use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url)
        messaging.post_message(victim.channel.id, user_id=victim.user.id, content=f"secret-{victim.tag} live")
        await _settle(stranger)
        received = stranger.text()
    assert stranger.received, "the probe got no answer at all: the protocol is wrong, not the server safe"
    leaked = [s for s in victim.secrets if s in received]
    assert leaked == [], f"a stranger received {leaked}"
    after = _counts(victim)
    assert after == {**before, "messages": before["messages"] + 1}  # only her own live post
    assert fake_provider.requests() == [], "a stranger made her agent call the model"
    listener.cancel()
    await asyncio.gather(listener, return_exceptions=True)
    assert presence.online(victim.channel.id) == []
    assert "typing" not in heard and "presence" not in heard, f"her viewers were told {heard}"


async def test_the_probe_sees_her_channel_with_her_session(agent_hub: HubServer, victim: Victim) -> None:
    token = auth.start_session(victim.user.id)
    path = f"/channels/{victim.channel.slug}"
    async with RawTab(agent_hub.url, cookie=token) as hers:
        await hers.call(f"{NAMES['ChatState']}.open_channel", {}, path)
        await _settle(hers)
        assert f"secret-{victim.tag}" in hers.text()
        assert f"Vault {victim.tag}" in hers.text()
