"""services.reactions: add, remove and toggle one's own reactions; who may; the
limits; the live update; and concurrent reactions all counted (the message row is
locked while its reactions change). On Postgres + Redis and SQLite + in-process."""

from __future__ import annotations

import asyncio
import threading

import pytest

from neurocache_ui.domain.emoji_names import EMOJI
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.infra import bus
from neurocache_ui.services import channels, messaging, reactions
from tests.integration.messaging_support import (
    Stores,
    make_channel,
    make_user,
    setup_stores,
)


def _message(author: int, *members: int) -> tuple[int, int]:
    """A new channel of `author` with `members`, and a message there: (channel, message)."""
    channel = make_channel(author, *members)
    return channel, messaging.post_message(channel, user_id=author, content="Ship it?").id


def _shown(channel: int, message: int, viewer: int) -> list[tuple[str, tuple[int, ...], tuple[str, ...]]]:
    """The reactions as a reader of the channel gets them (through the cache window)."""
    views = [v for v in messaging.recent_messages(channel, viewer_id=viewer) if v.id == message]
    return [(g.emoji, g.user_ids, g.names) for g in views[0].reactions]


def test_add_remove_and_toggle_are_idempotent(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel, message = _message(ada, bob)
    view = reactions.react(message, user_id=bob, emoji="👍", on=True)
    assert [(g.emoji, g.user_ids, g.names, g.count) for g in view.reactions] == [("👍", (bob,), ("Bob",), 1)]
    assert reactions.react(message, user_id=bob, emoji="👍", on=True).reactions == view.reactions  # already there
    reactions.react(message, user_id=ada, emoji="👍")  # toggle: on
    reactions.react(message, user_id=ada, emoji="\u2764")  # a bare heart is the picker's ❤️
    assert _shown(channel, message, ada) == [("👍", (bob, ada), ("Bob", "Ada")), ("❤️", (ada,), ("Ada",))]

    reactions.react(message, user_id=ada, emoji="❤️")  # toggle: off
    after = reactions.react(message, user_id=ada, emoji="❤️", on=False)  # not there: nothing changes
    assert [(g.emoji, g.user_ids) for g in after.reactions] == [("👍", (bob, ada))]
    reactions.react(message, user_id=bob, emoji="👍", on=False)
    reactions.react(message, user_id=bob, emoji="👍", on=False)
    assert _shown(channel, message, bob) == [("👍", (ada,), ("Ada",))]
    reactions.react(message, user_id=ada, emoji="👍")
    assert _shown(channel, message, bob) == [] and messaging.get_message(message, viewer_id=ada).reactions == ()


def test_only_members_of_an_open_channel_react(stores: Stores) -> None:
    ada, mallory = make_user("Ada"), make_user("Mallory")
    channel, message = _message(ada)
    with pytest.raises(NotFound, match="Message not found"):
        reactions.react(message, user_id=mallory, emoji="👍")
    with pytest.raises(NotFound, match="Message not found"):
        reactions.react(message + 10_000, user_id=ada, emoji="👍")
    channels.archive(channel, ada)
    with pytest.raises(Forbidden, match="archived"):
        reactions.react(message, user_id=ada, emoji="👍")
    assert messaging.get_message(message, viewer_id=ada).reactions == ()


def test_emoji_outside_the_set_are_refused(stores: Stores) -> None:
    ada = make_user("Ada")
    _, message = _message(ada)
    for bad in ("", "lol", "👍👍", "<b>", "\x00", "🇫🇷", "👍🏽"):  # flags and skin tones are not in the picker
        with pytest.raises(Invalid, match="Pick a reaction") as refused:
            reactions.react(message, user_id=ada, emoji=bad)
        assert refused.value.field == "emoji"
    assert reactions.react(message, user_id=ada, emoji="❤").reactions[0].emoji == "❤️"  # the variation selector is optional
    for name in ("rocket", "red apple", "pizza"):  # the wider picker: any of its few hundred
        emoji = next(e for e, n in EMOJI if n == name)
        assert any(r.emoji == emoji for r in reactions.react(message, user_id=ada, emoji=emoji).reactions)


def test_every_viewer_is_told(stores: Stores) -> None:
    ada = make_user("Ada")
    channel, message = _message(ada)

    async def scenario() -> list[tuple[int, str, int, list[str]]]:
        received: list = []
        ready = asyncio.Event()

        async def consume() -> None:
            async for item in bus.listen(ready=ready):
                received.append(item)

        task = asyncio.create_task(consume())
        await asyncio.wait_for(ready.wait(), 5)
        await asyncio.to_thread(reactions.react, message, user_id=ada, emoji="🎉")
        with pytest.raises(Invalid):
            await asyncio.to_thread(reactions.react, message, user_id=ada, emoji="nope")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # nothing else follows
        task.cancel()
        return [(c, e.type, e.message.id, [g.emoji for g in e.message.reactions]) for c, e in received]

    assert asyncio.run(scenario()) == [(channel, "message.updated", message, ["🎉"])]


def test_concurrent_reactions_are_all_counted(use_settings, request: pytest.FixtureRequest) -> None:
    """Twelve people react at once on Postgres: the sum on the message has them all."""
    setup_stores(request, use_settings, "postgres+redis")
    people = [make_user(f"P{n}") for n in range(12)]
    channel, message = _message(people[0], *people[1:])
    start = threading.Barrier(len(people))
    errors: list[BaseException] = []

    def react(user_id: int, emoji: str) -> None:
        start.wait()
        try:
            reactions.react(message, user_id=user_id, emoji=emoji, on=True)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=react, args=(p, "👍" if n % 2 else "🎉")) for n, p in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    groups = {g.emoji: set(g.user_ids) for g in messaging.get_message(message, viewer_id=people[0]).reactions}
    assert groups == {"🎉": set(people[0::2]), "👍": set(people[1::2])}
    assert {e: set(ids) for e, ids, _ in _shown(channel, message, people[0])} == groups  # the cache window too
