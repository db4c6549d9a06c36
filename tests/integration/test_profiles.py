"""Profiles (services/profiles.py): the rules for titles and statuses, statuses that
expire by themselves, avatars checked and cut to 128 and 32 px squares in the parse
processes, who may see a person's or an agent's card, and the live event after each
change. On Postgres + Redis and SQLite + in-process."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from neurocache_ui.domain import profiles as rules
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import profiles, team
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Agent
from tests.integration.messaging_support import Stores, make_agent, make_channel, make_user
from tests.integration.test_attachments import png
from tests.integration.test_runner import BusRecorder

pytestmark = pytest.mark.timeout(60)
NOON = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_title_and_status_rules(stores: Stores) -> None:
    ada = make_user("Ada")
    card = profiles.update(ada, title="  Product   designer ", status=("📅", " In a  meeting "), until="1h", now=NOON)
    assert (card.title, card.status_emoji, card.status_text) == ("Product designer", "📅", "In a meeting")
    assert card.status_until == NOON + timedelta(hours=1)
    with pytest.raises(Invalid, match="at most 80") as too_long:
        profiles.update(ada, title="x" * (rules.TITLE_MAX + 1))
    assert too_long.value.field == "title"
    with pytest.raises(Invalid, match="Say what the status is"):
        profiles.update(ada, status=("🌴", ""))
    with pytest.raises(Invalid, match="at most 100"):
        profiles.update(ada, status=("", "x" * (rules.STATUS_TEXT_MAX + 1)))
    with pytest.raises(Invalid, match="how long"):
        profiles.update(ada, status=("", "Away"), until="forever")
    # A refused change changes nothing; leaving a field out keeps it.
    kept = profiles.update(ada, title="Lead designer", now=NOON)
    assert (kept.title, kept.status_text) == ("Lead designer", "In a meeting")
    cleared = profiles.update(ada, status=("", ""), now=NOON)
    assert (cleared.status_text, cleared.status_until, cleared.title) == ("", None, "Lead designer")


def test_a_status_disappears_when_it_expires(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    make_channel(ada, bob)
    now = datetime.now(UTC)
    profiles.update(ada, status=("🍝", "Lunch"), until="30m", now=now)
    assert profiles.person(bob, ada, now + timedelta(minutes=29)).status_text == "Lunch"
    gone = profiles.person(bob, ada, now + timedelta(minutes=30))
    assert (gone.status_emoji, gone.status_text, gone.status_until) == ("", "", None)
    profiles.update(ada, status=("🏖", "On holiday"), until="never", now=now)
    assert profiles.person(bob, ada, now + timedelta(days=365)).status_text == "On holiday"


def test_today_ends_at_the_persons_own_midnight() -> None:
    late = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)
    assert rules.status_until("today", late) == datetime(2026, 12, 8, tzinfo=UTC)
    assert rules.status_until("today", late, 120) == datetime(2026, 12, 8, 22, 0, tzinfo=UTC)  # already the 8th there
    assert rules.status_until("today", late, -300) == datetime(2026, 12, 8, 5, 0, tzinfo=UTC)
    with pytest.raises(Invalid, match="offset"):
        rules.status_until("today", late, 15 * 60)


def test_a_card_is_for_people_who_share_a_channel(stores: Stores) -> None:
    ada, bob, eve = make_user("Ada"), make_user("Bob"), make_user("Eve")
    make_channel(ada, bob)
    profiles.update(ada, title="Designer")
    assert profiles.person(bob, ada).title == "Designer"
    assert profiles.person(ada, ada).name == "Ada"
    with pytest.raises(NotFound):
        profiles.person(eve, ada)
    with pytest.raises(NotFound):
        profiles.person(bob, 10**9)


async def test_an_avatar_is_checked_cut_to_squares_and_replaced(stores: Stores) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    assert profiles.channel_avatars(channel, bob) == {}
    card = await profiles.set_avatar(ada, "me.png", png(300, 200, "orange"))
    assert card.avatar_url == f"/avatars/{ada}/128?v=1"
    for size in rules.AVATAR_SIZES:
        image = Image.open(io.BytesIO(profiles.avatar(ada, size)))
        assert (image.format, image.size) == ("WEBP", (size, size))
        assert image.convert("RGB").getpixel((size // 2, size // 2))[0] > 200  # orange, cropped from the middle
    assert profiles.channel_avatars(channel, bob) == {str(ada): f"/avatars/{ada}/32?v=1"}
    assert profiles.channel_avatars(channel, make_user("Eve")) == {}  # not a member: nothing
    again = await profiles.set_avatar(ada, "me.png", png(40, 40, "blue"))
    assert again.avatar_url.endswith("?v=2")
    assert Image.open(io.BytesIO(profiles.avatar(ada, 32))).convert("RGB").getpixel((16, 16))[2] > 200
    with pytest.raises(NotFound):
        profiles.avatar(ada, 64)  # only the sizes that are kept
    profiles.remove_avatar(ada)
    assert profiles.person(bob, ada).avatar_url == ""
    with pytest.raises(NotFound):
        profiles.avatar(ada, 128)


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.7 not an image", "is not a PNG, JPEG, WebP or GIF"),
    (png()[:60], "damaged or incomplete|is not a PNG"),
    (b"", "empty"),
])
async def test_an_avatar_that_is_not_a_whole_image_is_refused(stores: Stores, data: bytes, message: str) -> None:
    ada = make_user("Ada")
    with pytest.raises(Invalid, match=message):
        await profiles.set_avatar(ada, "me.png", data)
    assert profiles.person(ada, ada).avatar_url == ""


async def test_an_avatar_too_large_is_refused_before_it_is_read(stores: Stores) -> None:
    ada = make_user("Ada")
    with pytest.raises(Invalid, match="at most 5 MB"):
        await profiles.set_avatar(ada, "huge.png", b"\x89PNG" + b"0" * rules.AVATAR_MAX_BYTES)


def test_an_agents_card_shows_owner_model_tools_and_rating(stores: Stores) -> None:
    ada, bob, eve = make_user("Ada"), make_user("Bob"), make_user("Eve")
    scout = make_agent(ada, "Scout")
    with session_scope() as session:
        agent = session.get(Agent, scout)
        assert agent is not None
        agent.description, agent.tools = "Finds things", ["web_search"]
        session.add(agent)
    card = profiles.agent(ada, scout)
    assert (card.owner, card.model, card.tools, card.description, card.rating) == ("Ada", "fake", ("web_search",), "Finds things", None)
    with pytest.raises(NotFound):
        profiles.agent(bob, scout)  # not in any channel of Bob's
    channel = make_channel(ada, bob)
    team.add_agent(channel, ada, scout)
    assert profiles.agent(bob, scout).owner == "Ada"
    with pytest.raises(NotFound):
        profiles.agent(eve, scout)
    with session_scope() as session:
        agent = session.get(Agent, scout)
        assert agent is not None
        agent.arena_rating, agent.arena_games = 1016.4, 1
        session.add(agent)
    assert profiles.agent(bob, scout).rating == 1016


async def test_every_change_is_published_after_its_commit(stores: Stores) -> None:
    ada = make_user("Ada")
    async with BusRecorder(0) as recorder:
        profiles.update(ada, title="Designer")
        await profiles.set_avatar(ada, "me.png", png())
        profiles.remove_avatar(ada)
    changed = [e for _at, e in recorder.events if e["type"] == "profile.changed"]
    assert changed == [{"type": "profile.changed", "user_id": ada}] * 3
