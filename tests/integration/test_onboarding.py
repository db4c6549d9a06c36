"""The first-run steps (services/onboarding.py) tick off from what is really set up,
on Postgres and on SQLite: an agent of one's own, an active channel, someone else in
one of one's active channels."""

from __future__ import annotations

import uuid

from neurocache_ui.services import agents, auth, channels, onboarding
from neurocache_ui.services.onboarding import AGENT, CHANNEL, INVITE


def person(name: str) -> auth.CurrentUser:
    tag = uuid.uuid4().hex[:8]
    return auth.create_user(name=f"{name} {tag}", email=f"{name.lower()}-{tag}@example.com", password=f"pass-{tag}-word")


def test_steps_tick_off_as_things_are_set_up(database: str) -> None:
    ada, bob = person("Ada"), person("Bob")
    start = onboarding.progress(ada.id)
    assert start.done == frozenset() and start.open_steps == 3 and start.first_channel_slug is None

    agents.create_agent(ada.id, {"name": "Scout", "model": "fake-model"})
    assert onboarding.progress(ada.id).done == {AGENT}
    assert onboarding.progress(bob.id).done == frozenset()  # someone else's agent is not his

    first = channels.create_channel(ada.id, name="Launch")
    channels.create_channel(ada.id, name="Archive me")
    step = onboarding.progress(ada.id)
    assert step.done == {AGENT, CHANNEL} and step.open_steps == 1
    assert step.first_channel_slug == first.slug  # the channel she joined first, where she may invite

    channels.invite(first.id, ada.id, bob.email)
    assert onboarding.progress(ada.id).done == {AGENT, CHANNEL, INVITE}
    assert onboarding.progress(ada.id).open_steps == 0
    # Bob was invited: he is in a channel, with a teammate, and still has no agent.
    assert onboarding.progress(bob.id).done == {CHANNEL, INVITE}


def test_archived_channels_and_leaving_undo_the_steps(database: str) -> None:
    ada, bob = person("Ada"), person("Bob")
    kept = channels.create_channel(ada.id, name="Kept")
    shared = channels.create_channel(ada.id, name="Shared")
    channels.invite(shared.id, ada.id, bob.email)
    assert INVITE in onboarding.progress(ada.id).done

    channels.leave(shared.id, bob.id)
    assert onboarding.progress(ada.id).done == {CHANNEL}
    assert onboarding.progress(bob.id).done == frozenset()

    channels.invite(shared.id, ada.id, bob.email)
    channels.archive(shared.id, ada.id)  # an archived channel no longer counts
    assert onboarding.progress(ada.id).done == {CHANNEL} and onboarding.progress(ada.id).first_channel_slug == kept.slug
    channels.archive(kept.id, ada.id)
    assert onboarding.progress(ada.id) == onboarding.Progress(frozenset(), None)
