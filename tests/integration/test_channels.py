"""Channel rules on real Postgres and SQLite (the `database` fixture runs each test on both)."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from neurocache_ui.domain import channel_fields
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.services import channels
from neurocache_ui.services.auth import CurrentUser, create_user
from neurocache_ui.store.db import engine_for, get_engine, session_scope
from neurocache_ui.store.models import Channel, Message


def make_user(name: str = "Ada Lovelace") -> CurrentUser:
    return create_user(name=name, email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")


def unique(prefix: str) -> str:
    """A channel name whose slug no other test (or earlier run on this database) uses."""
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def post(channel_id: int, user_id: int | None, content: str = "hello") -> int:
    with session_scope() as session:
        message = Message(channel_id=channel_id, user_id=user_id, content=content)
        session.add(message)
        session.flush()
        assert message.id is not None
        return message.id


def unread_of(user_id: int) -> dict[str, int]:
    return {c.slug: c.unread for c in channels.list_channels(user_id)}


@contextmanager
def count_statements() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


# ---------------------------------------------------------------- create


def test_create_channel_makes_the_owner_a_member(database: str) -> None:
    owner = make_user()
    name = unique("Launch plan")
    view = channels.create_channel(owner.id, name=f"  {name}  ", description=" Ship it ", goal="Launch in Q3")

    assert view.name == name
    assert view.slug == channel_fields.slugify(name)
    assert (view.description, view.goal) == ("Ship it", "Launch in Q3")
    assert view.owner_id == owner.id and view.is_owner
    assert not view.archived and view.member_count == 1
    assert channels.get_channel(view.slug, owner.id) == view
    assert channels.get_channel(view.id, owner.id) == view
    assert channels.members(view.id, owner.id) == [channels.Member(owner.id, owner.name)]
    channels.ensure_member(view.id, owner.id)
    channels.ensure_can_post(view.id, owner.id)
    assert channels.list_channels(owner.id) == [channels.ChannelSummary(view.id, view.slug, name, 0, 0)]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Product Launch", "product-launch"),
        ("  Café   Ünïcode ", "cafe-unicode"),
        ("Q3: plans & goals!", "q3-plans-goals"),
        ("--x--", "x"),
        ("2024", "channel-2024"),
        ("🚀🚀", "channel"),
        ("日本語", "channel"),
    ],
)
def test_slugify(name: str, slug: str) -> None:
    assert channel_fields.slugify(name) == slug


def test_same_names_get_numbered_slugs_that_survive_a_rename(database: str) -> None:
    owner, other = make_user(), make_user("Grace Hopper")
    name = unique("Team Sync")
    base = channel_fields.slugify(name)

    first = channels.create_channel(owner.id, name=name)
    second = channels.create_channel(other.id, name=name.upper())
    third = channels.create_channel(owner.id, name=f"{name}!")
    assert [first.slug, second.slug, third.slug] == [base, f"{base}-2", f"{base}-3"]

    renamed = channels.rename(first.id, owner.id, "Something else entirely")
    assert renamed.name == "Something else entirely" and renamed.slug == base
    # The old slug stays taken, so a new channel with the old name does not steal links.
    assert channels.create_channel(owner.id, name=name).slug == f"{base}-4"


def test_long_names_keep_slugs_within_the_column(database: str) -> None:
    owner = make_user()
    name = uuid.uuid4().hex + "x" * 48  # 80 characters, unique
    slugs = [channels.create_channel(owner.id, name=name).slug for _ in range(3)]
    assert len(set(slugs)) == 3
    assert all(len(slug) <= 80 for slug in slugs)
    assert slugs[1].endswith("-2") and slugs[2].endswith("-3")


def test_concurrent_creates_with_one_name_all_succeed(database: str) -> None:
    owners = [make_user() for _ in range(6)]
    name = unique("Race")
    barrier = threading.Barrier(len(owners))
    results: list[channels.ChannelView] = []
    errors: list[BaseException] = []

    def create(owner: CurrentUser) -> None:
        barrier.wait()
        try:
            results.append(channels.create_channel(owner.id, name=name))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({view.slug for view in results}) == len(owners)


def test_a_slug_claimed_between_read_and_insert_is_retried(postgres_url: str, use_settings: Callable[..., None]) -> None:
    """Deterministic race on Postgres: another transaction has inserted the slug
    but not committed, so our insert waits on the unique index; once it commits
    our insert fails and create_channel must pick the next slug, not error."""
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    owner = make_user()
    name = unique("Contested")
    base = channel_fields.slugify(name)
    result: list[channels.ChannelView] = []

    with Session(engine_for(postgres_url)) as rival:
        rival.add(Channel(slug=base, name=name, owner_id=owner.id))
        rival.flush()  # row inserted, index entry locked, not committed
        creator = threading.Thread(target=lambda: result.append(channels.create_channel(owner.id, name=name)))
        creator.start()
        deadline = time.monotonic() + 10
        with engine_for(postgres_url).connect() as watcher:
            while time.monotonic() < deadline:
                waiting = watcher.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
                if waiting:
                    break
                time.sleep(0.01)
            else:
                pytest.fail("create_channel never waited on the rival's uncommitted slug")
        rival.commit()
    creator.join(timeout=10)
    assert [view.slug for view in result] == [f"{base}-2"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": ""}, "name", "Channel name is required."),
        ({"name": "   \n\t "}, "name", "Channel name is required."),
        ({"name": "x" * 81}, "name", "Channel name must be at most 80 characters."),
        ({"name": "ok", "description": "d" * 501}, "description", "Description must be at most 500 characters"),
        ({"name": "ok", "goal": "g" * 2001}, "goal", "Goal must be at most 2000 characters"),
    ],
)
def test_validation_messages(database: str, fields: dict[str, str], field: str, message: str) -> None:
    owner = make_user()
    with pytest.raises(Invalid) as caught:
        channels.create_channel(owner.id, **fields)
    assert caught.value.field == field
    assert str(caught.value).startswith(message)
    assert channels.list_channels(owner.id) == []


def test_limits_count_after_trimming(database: str) -> None:
    owner = make_user()
    view = channels.create_channel(
        owner.id, name=f"  {'n' * 70}{uuid.uuid4().hex[:10]}  ", description=" " + "d" * 500 + " ", goal="g" * 2000
    )
    assert len(view.name) == 80 and len(view.description) == 500 and len(view.goal) == 2000
    with pytest.raises(Invalid, match="Channel name is required.") as caught:
        channels.rename(view.id, owner.id, "  ")
    assert caught.value.field == "name"


# ---------------------------------------------------------------- authorization


def test_a_non_member_cannot_tell_a_channel_exists(database: str) -> None:
    owner, outsider = make_user(), make_user("Eve")
    view = channels.create_channel(owner.id, name=unique("Secret"))
    message_id = post(view.id, owner.id)
    missing_id = view.id + 10_000_000

    for channel_id in (view.id, missing_id):
        attempts: list[Callable[[], object]] = [
            lambda: channels.get_channel(channel_id, outsider.id),
            lambda: channels.ensure_member(channel_id, outsider.id),
            lambda: channels.ensure_can_post(channel_id, outsider.id),
            lambda: channels.members(channel_id, outsider.id),
            lambda: channels.mark_read(channel_id, outsider.id, message_id),
            lambda: channels.invite(channel_id, outsider.id, owner.email),
            lambda: channels.leave(channel_id, outsider.id),
            lambda: channels.rename(channel_id, outsider.id, "Mine now"),
            lambda: channels.archive(channel_id, outsider.id),
            lambda: channels.unarchive(channel_id, outsider.id),
            lambda: channels.delete_channel(channel_id, outsider.id),
        ]
        for attempt in attempts:
            with pytest.raises(NotFound) as caught:
                attempt()
            assert str(caught.value) == "Channel not found."
    with pytest.raises(NotFound):
        channels.get_channel(view.slug, outsider.id)
    assert channels.list_channels(outsider.id) == []
    assert channels.get_channel(view.id, owner.id).name == view.name  # nothing changed


def test_a_member_cannot_rename_archive_or_delete(database: str) -> None:
    """Renaming and archiving take the owner or a moderator (tests/integration/test_roles.py),
    deleting the owner; a plain member is refused each with who may."""
    owner, member = make_user(), make_user("Grace Hopper")
    view = channels.create_channel(owner.id, name=unique("Ops"))
    channels.invite(view.id, owner.id, member.email)

    assert not channels.get_channel(view.id, member.id).is_owner
    for attempt, who, verb in [
        (lambda: channels.rename(view.id, member.id, "Mine"), "owner or a moderator", "rename"),
        (lambda: channels.archive(view.id, member.id), "owner or a moderator", "archive"),
        (lambda: channels.unarchive(view.id, member.id), "owner or a moderator", "unarchive"),
        (lambda: channels.delete_channel(view.id, member.id), "owner", "delete"),
    ]:
        with pytest.raises(Forbidden, match=f"Only the channel's {who} can {verb} it."):
            attempt()
    assert channels.get_channel(view.id, owner.id) == replace(view, member_count=2)  # unchanged

    channels.delete_channel(view.id, owner.id)
    for user in (owner, member):
        with pytest.raises(NotFound):
            channels.get_channel(view.id, user.id)
        assert view.id not in {c.id for c in channels.list_channels(user.id)}


def test_deleting_a_channel_removes_its_messages(database: str) -> None:
    owner = make_user()
    view = channels.create_channel(owner.id, name=unique("Doomed"))
    post(view.id, owner.id)
    channels.delete_channel(view.id, owner.id)
    with session_scope() as session:
        left = session.exec(sa.select(sa.func.count()).select_from(Message).where(Message.channel_id == view.id)).one()
    assert left == (0,)


def test_archived_channels_are_read_only_and_hidden_from_the_sidebar(database: str) -> None:
    owner, member = make_user(), make_user("Grace Hopper")
    kept = channels.create_channel(owner.id, name=unique("Kept"))
    old = channels.create_channel(owner.id, name=unique("Old"))
    channels.invite(old.id, owner.id, member.email)

    channels.archive(old.id, owner.id)
    channels.archive(old.id, owner.id)  # idempotent
    assert [c.id for c in channels.list_channels(owner.id)] == [kept.id]
    assert channels.list_channels(member.id) == []
    assert channels.get_channel(old.slug, member.id).archived  # still readable by members
    channels.ensure_member(old.id, member.id)
    with pytest.raises(Forbidden, match="archived"):
        channels.ensure_can_post(old.id, member.id)
    with pytest.raises(Forbidden, match="archived"):
        channels.invite(old.id, owner.id, make_user().email)
    channels.leave(old.id, member.id)  # members may still leave

    channels.unarchive(old.id, owner.id)
    assert [c.id for c in channels.list_channels(owner.id)] == [kept.id, old.id]  # by name: Kept, Old
    channels.ensure_can_post(old.id, owner.id)


# ---------------------------------------------------------------- members


def test_invite_and_leave(database: str) -> None:
    owner, grace, alan = make_user("Ada"), make_user("grace"), make_user("Alan")
    view = channels.create_channel(owner.id, name=unique("Crew"))

    assert channels.invite(view.id, owner.id, f"  {grace.email.upper()} ") == channels.Member(grace.id, "grace")
    assert channels.invite(view.id, grace.id, alan.email) == channels.Member(alan.id, "Alan")  # any member invites
    assert channels.members(view.id, alan.id) == [
        channels.Member(owner.id, "Ada"),
        channels.Member(alan.id, "Alan"),
        channels.Member(grace.id, "grace"),
    ]
    assert channels.get_channel(view.slug, alan.id).member_count == 3
    assert [c.id for c in channels.list_channels(grace.id)] == [view.id]

    with pytest.raises(Invalid) as caught:
        channels.invite(view.id, owner.id, grace.email)
    assert str(caught.value) == f"{grace.email} is already a member of this channel."  # the email, not the name
    assert caught.value.field == "email"
    nobody = f"nobody-{uuid.uuid4().hex}@example.com"
    with pytest.raises(Invalid) as caught:
        channels.invite(view.id, owner.id, nobody)
    assert str(caught.value) == f"Could not invite {nobody}. If they have no account yet, ask them to sign up first."
    assert caught.value.field == "email"
    with pytest.raises(Invalid, match="Enter the email address") as caught:
        channels.invite(view.id, owner.id, "   ")
    assert caught.value.field == "email"

    channels.leave(view.id, grace.id)
    with pytest.raises(NotFound):
        channels.get_channel(view.id, grace.id)
    assert channels.list_channels(grace.id) == []
    assert channels.get_channel(view.id, owner.id).member_count == 2
    assert channels.invite(view.id, alan.id, grace.email).user_id == grace.id  # can be re-invited

    with pytest.raises(Invalid, match="Delete the channel instead"):
        channels.leave(view.id, owner.id)
    channels.leave(view.id, alan.id)
    channels.leave(view.id, grace.id)
    with pytest.raises(Invalid, match="Delete the channel instead"):
        channels.leave(view.id, owner.id)  # even when alone: the owner deletes
    assert channels.members(view.id, owner.id) == [channels.Member(owner.id, "Ada")]


# ---------------------------------------------------------------- unread


def test_unread_counts_skip_own_messages_and_follow_the_read_marker(database: str) -> None:
    owner, member = make_user(), make_user("Grace Hopper")
    main = channels.create_channel(owner.id, name=unique("Main"))
    side = channels.create_channel(owner.id, name=unique("Side"))
    channels.invite(main.id, owner.id, member.email)

    m1 = post(main.id, owner.id)
    m2 = post(main.id, member.id)
    m3 = post(main.id, None, "system notice")
    m4 = post(main.id, owner.id)
    s1 = post(side.id, owner.id)
    post(side.id, None)

    assert unread_of(member.id) == {main.slug: 3}  # m1, m3, m4: not m2 (theirs)
    assert unread_of(owner.id) == {main.slug: 2, side.slug: 1}  # m2, m3; side's notice

    assert channels.mark_read(main.id, member.id, m3) is True
    assert unread_of(member.id) == {main.slug: 1}
    assert channels.mark_read(main.id, member.id, m1) is False  # never backwards
    assert channels.mark_read(main.id, member.id, m3) is False
    assert unread_of(member.id) == {main.slug: 1}
    assert channels.mark_read(main.id, member.id, s1) is False  # another channel's message
    assert channels.mark_read(main.id, member.id, m4 + 10_000_000) is False  # no such message
    assert unread_of(member.id) == {main.slug: 1}
    assert channels.mark_read(main.id, member.id, m4) is True
    assert unread_of(member.id) == {main.slug: 0}
    assert unread_of(owner.id) == {main.slug: 2, side.slug: 1}  # markers are per member
    assert channels.mark_read(main.id, owner.id, m2) is True
    assert unread_of(owner.id) == {main.slug: 1, side.slug: 1}
    # What a member had unread at a marker (what "Summarize" takes when they open the channel).
    assert [channels.unread_after(main.id, member.id, at) for at in (None, m1, m3, m4)] == [3, 2, 1, 0]


def test_list_channels_is_one_query_sorted_by_name(database: str) -> None:
    owner = make_user()
    suffix = uuid.uuid4().hex[:8]
    for name in ("beta", "Alpha", "gamma"):
        view = channels.create_channel(owner.id, name=f"{name} {suffix}")
        post(view.id, None)
        post(view.id, None)

    with count_statements() as statements:
        listed = channels.list_channels(owner.id)
    assert len(statements) == 1
    assert [c.name for c in listed] == [f"Alpha {suffix}", f"beta {suffix}", f"gamma {suffix}"]
    assert [c.unread for c in listed] == [2, 2, 2]

    with count_statements() as statements:
        channels.ensure_member(listed[0].id, owner.id)
    assert len(statements) == 1
