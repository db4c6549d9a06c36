"""Outgoing webhooks end to end on Postgres and SQLite: events written to the outbox
with the change, drained by the delivery worker to a real local HTTP receiver that
checks the signature itself; retried after a 500 with backoff; still delivered by a
new worker after the one holding them stopped; refused for a private address unless
allowed; turned off after repeated failures; and only about channels the owner is in."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.webhooks import MAX_FAILURES
from neurocache_ui.services import agents, channels, messaging, reactions, retention, team
from neurocache_ui.services.webhooks import delivery, outgoing
from neurocache_ui.services.webhooks.delivery import Deliverer
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import utcnow
from neurocache_ui.store.webhook_models import Webhook, WebhookDelivery
from testkit.factories import create_user
from testkit.servers import SmtpServer
from testkit.webhook_receiver import WebhookReceiver


@pytest.fixture
def outbox(unshared_database: str) -> str:
    """An empty outbox: the worker drains the whole table, and earlier tests leave rows
    waiting for a retry (the database is shared by this run's tests, not by any hub)."""
    with session_scope() as session:
        session.connection().execute(sa.delete(WebhookDelivery))
        session.connection().execute(sa.delete(Webhook))
    return unshared_database


@pytest.fixture
def receiver(outbox: str, use_settings) -> Iterator[WebhookReceiver]:
    """A receiver on loopback, allowed for this test (as NEUROCACHE_FETCH_ALLOWED_HOSTS allows it in production)."""
    with WebhookReceiver() as server:
        use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=server.host_port)
        yield server


def _deliver(now_offset: float = 0.0) -> int:
    async def run() -> int:
        worker = Deliverer()
        try:
            return await worker.run_once(utcnow() + timedelta(seconds=now_offset))
        finally:
            await worker.close()

    return asyncio.run(run())


def _pending() -> int:
    with session_scope() as session:
        return int(session.connection().execute(
            sa.select(sa.func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "pending")
        ).scalar_one())


def _channel(owner_id: int) -> channels.ChannelView:
    return channels.create_channel(owner_id, name=f"Launch {secrets.token_hex(3)}")


def test_every_event_arrives_signed_and_only_for_channels_the_owner_is_in(receiver: WebhookReceiver) -> None:
    ada, bob, eve = create_user("Ada"), create_user("Bob"), create_user("Eve")
    channel = _channel(ada.id)
    channels.invite(channel.id, ada.id, bob.email)
    scout = agents.create_agent(ada.id, {"name": "Scout"})
    team.add_agent(channel.id, ada.id, scout.id)
    secret, hook = outgoing.create(ada.id, receiver.url, ["message.created", "agent.reply.completed", "reaction.added", "mention"])
    eve_secret, _ = outgoing.create(eve.id, receiver.url, ["message.created", "mention"])  # all of Eve's channels: not this one
    assert hook.channel is None and hook.active

    said = messaging.post_message(channel.id, user_id=bob.id, content=f"@{ada.name} the deploy is green")
    reply = messaging.post_message(channel.id, agent_id=scout.id, content="", status="streaming")
    messaging.update_agent_message(reply.id, agent_id=scout.id, content="Noted, Bob.")
    reactions.react(said.id, user_id=bob.id, emoji="🎉", on=True)
    reactions.react(said.id, user_id=bob.id, emoji="🎉", on=False)  # a removal is no event
    assert _pending() == 4

    assert _deliver() == 4
    got = receiver.wait_for(4)
    assert sorted(r.event for r in got) == ["agent.reply.completed", "mention", "message.created", "reaction.added"]
    for request in got:
        assert request.signed_by(secret), request.headers
        assert not request.signed_by(eve_secret)
        assert request.headers["x-neurocache-event"] == request.event
        assert request.json["channel"] == channel.slug
    by_event = {r.event: r.json for r in got}
    assert by_event["message.created"]["message"]["content"] == f"@{ada.name} the deploy is green"
    assert by_event["message.created"]["message"]["author_name"] == bob.name
    assert by_event["agent.reply.completed"]["message"]["content"] == "Noted, Bob."
    assert by_event["reaction.added"]["reaction"] == {"emoji": "🎉", "user_id": bob.id}
    assert by_event["mention"]["message"]["id"] == said.id
    assert len({r.json["id"] for r in got}) == 4
    assert _pending() == 0
    log = outgoing.deliveries(ada.id, hook.id)
    assert [(a.status_code, a.ok, a.delivery_status) for a in log] == [(200, True, "delivered")] * 4


def test_a_500_is_retried_after_a_backoff_and_logged(receiver: WebhookReceiver) -> None:
    ada = create_user("Ada")
    channel = _channel(ada.id)
    secret, hook = outgoing.create(ada.id, receiver.url, ["message.created"], channel.slug)
    receiver.script = [500]
    messaging.post_message(channel.id, user_id=ada.id, content="first try fails")

    assert _deliver() == 1
    assert _deliver() == 0  # not due again yet
    assert _pending() == 1
    assert _deliver(now_offset=11) == 1  # the first retry waits 10 s
    first, second = receiver.wait_for(2)
    assert first.body == second.body and second.signed_by(secret)
    log = outgoing.deliveries(ada.id, hook.id)
    assert [(a.status_code, a.ok, a.delivery_status) for a in log] == [(200, True, "delivered"), (500, False, "delivered")]
    assert "HTTP 500" in log[1].error
    assert outgoing.list_for(ada.id)[0].failures == 0  # a success ends the run of failures


def test_a_new_worker_delivers_what_a_stopped_one_held(receiver: WebhookReceiver) -> None:
    """The first worker claims the row and stops mid-send; its lease runs out and the
    next worker sends it again: at least once, the same body (receivers dedupe by id)."""
    ada = create_user("Ada")
    channel = _channel(ada.id)
    secret, _ = outgoing.create(ada.id, receiver.url, ["message.created"], channel.slug)
    messaging.post_message(channel.id, user_id=ada.id, content="survive a restart")
    receiver.delay = 3.0

    async def stopped_mid_send() -> None:
        worker = Deliverer()
        task = asyncio.create_task(worker.run_once())
        while not receiver.received:
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await worker.close()

    asyncio.run(stopped_mid_send())
    receiver.delay = 0.0
    assert _pending() == 1  # nothing was logged as sent
    assert _deliver() == 0  # still leased to the stopped worker
    assert _deliver(now_offset=delivery.LEASE_SECONDS + 1) == 1
    first, second = receiver.wait_for(2)
    assert first.json["id"] == second.json["id"] and second.signed_by(secret)
    assert _pending() == 0


def test_a_private_address_is_refused_without_the_allowance(outbox: str, use_settings) -> None:
    with WebhookReceiver() as intranet:  # loopback, not in NEUROCACHE_FETCH_ALLOWED_HOSTS
        use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=None)
        ada = create_user("Ada")
        channel = _channel(ada.id)
        _, hook = outgoing.create(ada.id, intranet.url, ["message.created"], channel.slug)
        messaging.post_message(channel.id, user_id=ada.id, content="to the intranet?")
        assert _deliver() == 1
        assert intranet.wait_for(1, timeout=1.0) == []
        (attempt,) = outgoing.deliveries(ada.id, hook.id)
        assert attempt.status_code == 0 and not attempt.ok
        assert "not a public internet address (loopback)" in attempt.error


def test_repeated_failures_turn_the_webhook_off_and_its_owner_is_told(receiver: WebhookReceiver, use_settings) -> None:
    ada = create_user("Ada")
    channel = _channel(ada.id)
    _, hook = outgoing.create(ada.id, receiver.url, ["message.created"], channel.slug)
    receiver.status = 503
    for n in range(MAX_FAILURES + 2):
        messaging.post_message(channel.id, user_id=ada.id, content=f"event {n}")
    with SmtpServer() as smtp:
        use_settings(NEUROCACHE_SMTP_URL=smtp.url)
        _deliver()  # the first MAX_FAILURES turn it off; what was still pending fails with it
        (notice,) = smtp.wait_for(1)
    assert notice["To"] == ada.email and "was turned off" in notice["Subject"]
    assert f"after {MAX_FAILURES} failed deliveries" in notice.get_content()
    (listed,) = outgoing.list_for(ada.id)
    assert not listed.active and listed.failures >= MAX_FAILURES
    assert f"after {MAX_FAILURES} failed deliveries" in listed.disabled_reason
    assert _pending() == 0
    messaging.post_message(channel.id, user_id=ada.id, content="after it was turned off")
    assert _pending() == 0 and _deliver() == 0
    assert all(a.status_code == 503 for a in outgoing.deliveries(ada.id, hook.id))


def test_retention_removes_finished_deliveries_and_keeps_pending_ones(receiver: WebhookReceiver) -> None:
    ada = create_user("Ada")
    channel = _channel(ada.id)
    _, hook = outgoing.create(ada.id, receiver.url, ["message.created"], channel.slug)
    messaging.post_message(channel.id, user_id=ada.id, content="delivered, then old")
    assert _deliver() == 1
    receiver.script = [500]
    messaging.post_message(channel.id, user_id=ada.id, content="still being retried")
    assert _deliver() == 1
    with session_scope() as session:  # the delivered one was made 40 days ago (the default retention is 30)
        session.connection().execute(sa.update(WebhookDelivery).where(WebhookDelivery.status == "delivered")
                                     .values(created_at=utcnow() - timedelta(days=40)))
    report = retention.run_retention()
    assert report.webhook_deliveries_purged == 1 and "1 finished webhook deliveries" in report.summary()
    assert _pending() == 1
    assert [a.status_code for a in outgoing.deliveries(ada.id, hook.id)] == [500]  # the log went with its delivery
