"""Retention: old messages leave the database and the cache in the same run,
newer ones stay, concurrent runs do no double work, and readers never see an
empty or re-ordered channel while the cache is trimmed."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.messages import MessageView
from neurocache_ui.infra.window_cache import Miss, get_cache
from neurocache_ui.services import auth, messaging, retention
from neurocache_ui.settings import PROJECT_ROOT
from neurocache_ui.store.db import get_engine
from tests.integration.messaging_support import (
    Stores,
    insert_messages,
    make_channel,
    make_user,
    message_ids,
    setup_stores,
)


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings) -> Stores:
    return setup_stores(request, use_settings, request.param, NEUROCACHE_RETENTION_DAYS="30")


@pytest.fixture
def pg_stores(request: pytest.FixtureRequest, use_settings) -> Stores:
    return setup_stores(request, use_settings, "postgres+redis", NEUROCACHE_RETENTION_DAYS="30")


def ago(days: float, seconds: int = 0) -> datetime:
    return datetime.now(UTC) - timedelta(days=days) + timedelta(seconds=seconds)


def cached_ids(channel_id: int) -> list[int] | None:
    found = get_cache().read(channel_id, get_cache().window)
    return None if isinstance(found, Miss) else [MessageView.from_dict(e).id for e in found.entries()]


def channel_with_history(user_id: int, old: int, new: int) -> tuple[int, list[int], list[int]]:
    channel = make_channel(user_id)
    old_ids = insert_messages(channel, user_id, [ago(40, i) for i in range(old)])
    new_ids = insert_messages(channel, user_id, [ago(1, i) for i in range(new)], prefix="new")
    return channel, old_ids, new_ids


def test_retention_clears_both_stores_and_keeps_newer(stores: Stores) -> None:
    ada = make_user()
    first, old1, new1 = channel_with_history(ada, old=12, new=5)
    second, old2, new2 = channel_with_history(ada, old=3, new=2)
    quiet, _, new3 = channel_with_history(ada, old=0, new=4)
    for channel in (first, second, quiet):
        messaging.recent_messages(channel, viewer_id=None)  # cache every window, old entries included
    assert cached_ids(first) == old1 + new1
    live = messaging.post_message(first, user_id=ada, content="just now")

    report = retention.run_retention(batch_size=5)
    assert (report.messages_deleted, report.cache_entries_trimmed, report.channels_touched) == (15, 15, 2)
    assert not report.skipped and report.cache_error is None
    assert "deleted 15 messages" in report.summary()
    assert message_ids(first) == new1 + [live.id] == cached_ids(first)
    assert message_ids(second) == new2 == cached_ids(second)
    assert message_ids(quiet) == new3 == cached_ids(quiet)
    assert [m.id for m in messaging.recent_messages(first, viewer_id=None)] == new1 + [live.id]

    again = retention.run_retention()
    assert (again.messages_deleted, again.cache_entries_trimmed, again.channels_touched) == (0, 0, 0)


def test_a_cached_whole_window_that_expires_entirely_is_an_empty_hit(stores: Stores) -> None:
    ada = make_user()
    channel, _, _ = channel_with_history(ada, old=4, new=0)
    assert len(messaging.recent_messages(channel, viewer_id=None)) == 4
    assert retention.run_retention().messages_deleted == 4
    assert cached_ids(channel) == []
    assert messaging.recent_messages(channel, viewer_id=None) == []


def test_a_second_concurrent_run_skips(stores: Stores) -> None:
    """Run A pauses after its first batch; run B starts meanwhile and must skip."""
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=30, new=3)
    in_batch, release = threading.Event(), threading.Event()
    reports: list[retention.RetentionReport] = []

    def pause(_: int) -> None:
        in_batch.set()
        release.wait(10)

    runner = threading.Thread(target=lambda: reports.append(retention.run_retention(batch_size=10, on_batch=pause)))
    runner.start()
    assert in_batch.wait(10)
    second = retention.run_retention(batch_size=10)
    release.set()
    runner.join(10)
    assert second.skipped and second.messages_deleted == 0
    assert "skipped" in second.summary()
    assert reports[0].messages_deleted == 30 and not reports[0].skipped
    assert message_ids(channel) == new


def test_a_run_in_another_process_skips_on_postgres(pg_stores: Stores) -> None:
    """The advisory lock works across processes: the CLI reports the skip."""
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=25, new=1)
    in_batch, release = threading.Event(), threading.Event()

    def pause(_: int) -> None:
        in_batch.set()
        release.wait(30)

    reports: list[retention.RetentionReport] = []
    runner = threading.Thread(target=lambda: reports.append(retention.run_retention(batch_size=10, on_batch=pause)))
    runner.start()
    try:
        assert in_batch.wait(10)
        skipped = run_cli(pg_stores)
        assert skipped.returncode == 0 and "skipped" in skipped.stdout
    finally:
        release.set()
        runner.join(30)
    assert reports[0].messages_deleted == 25
    assert message_ids(channel) == new


def test_many_runs_at_once_do_no_double_work(stores: Stores) -> None:
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=150, new=5)
    messaging.recent_messages(channel, viewer_id=None)
    barrier = threading.Barrier(4)
    reports: list[retention.RetentionReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            reports.append(retention.run_retention(batch_size=20))
        except BaseException as error:  # noqa: BLE001 - the test reports it
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sum(r.messages_deleted for r in reports) == 150
    assert sum(r.cache_entries_trimmed for r in reports) == 150
    assert message_ids(channel) == new == cached_ids(channel)


def test_readers_never_see_an_empty_or_reordered_channel_during_a_trim(pg_stores: Stores) -> None:
    ada = make_user()
    rounds, bad, reads = 5, [], [0]
    for _ in range(rounds):
        channel, old, new = channel_with_history(ada, old=150, new=50)
        assert len(messaging.recent_messages(channel, 200, viewer_id=None)) == 200
        stop = threading.Event()

        def reader() -> None:
            while True:  # at least one read per round, however the threads are scheduled
                views = messaging.recent_messages(channel, 200, viewer_id=None)
                reads[0] += 1
                keys = [(v.created_at, v.id) for v in views]
                ids = [v.id for v in views]
                if not views or keys != sorted(keys) or len(set(ids)) != len(ids) or ids[-50:] != new:
                    bad.append(ids)
                    return
                if stop.is_set():
                    return

        thread = threading.Thread(target=reader)
        thread.start()
        report = retention.run_retention(batch_size=50)
        stop.set()
        thread.join(10)
        assert report.messages_deleted == 150
        assert [v.id for v in messaging.recent_messages(channel, 200, viewer_id=None)] == new
    assert bad == []
    assert reads[0] >= rounds


def test_retention_with_redis_down_reports_and_heals(pg_stores: Stores, redis_server) -> None:
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=6, new=2)
    messaging.recent_messages(channel, viewer_id=None)
    redis_server.stop()
    try:
        report = retention.run_retention()
    finally:
        redis_server.start()
    assert report.messages_deleted == 6 and report.cache_error
    assert "cache not trimmed" in report.summary()
    assert message_ids(channel) == new
    assert [m.id for m in messaging.recent_messages(channel, viewer_id=None)] == new


def run_cli(stores: Stores) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": stores.database_url, "NEUROCACHE_RETENTION_DAYS": "30"}
    env.pop("REDIS_URL", None)
    if stores.redis_url:
        env["REDIS_URL"] = stores.redis_url
    return subprocess.run(
        [sys.executable, "-m", "neurocache_ui.cli", "retention", "run"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )


def test_cli_prints_what_it_removed(pg_stores: Stores) -> None:
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=7, new=1)
    messaging.recent_messages(channel, viewer_id=None)
    done = run_cli(pg_stores)
    assert done.returncode == 0, done.stderr
    assert "deleted 7 messages" in done.stdout and "trimmed 7 cache entries" in done.stdout
    assert "1 channels touched" in done.stdout
    assert message_ids(channel) == new == cached_ids(channel)


async def test_the_lifespan_loop_runs_retention(stores: Stores) -> None:
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=3, new=1)
    task = asyncio.create_task(retention.retention_loop(interval_seconds=0.05))
    try:
        for _ in range(100):
            if await asyncio.to_thread(message_ids, channel) == new:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert await asyncio.to_thread(message_ids, channel) == new


def test_concurrent_cli_runs_on_postgres_split_the_work(pg_stores: Stores) -> None:
    """Separate processes (as separate workers would): no errors, every old row
    deleted exactly once, the runs that found the lock taken say so."""
    ada = make_user()
    channel, old, new = channel_with_history(ada, old=3000, new=2)
    env = {**os.environ, "DATABASE_URL": pg_stores.database_url, "REDIS_URL": pg_stores.redis_url or ""}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "neurocache_ui.cli", "retention", "run"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(3)
    ]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    deleted = 0
    for stdout, _ in outputs:
        if "skipped" not in stdout:
            deleted += int(stdout.split("deleted ", 1)[1].split(" ", 1)[0])
    assert deleted == 3000
    assert message_ids(channel) == new


def test_retention_also_removes_expired_login_sessions(stores: Stores) -> None:
    user = auth.create_user(name="Sleeper", email=f"sleeper-{os.getpid()}-{id(stores)}@example.com", password="long enough pw 1")
    expired, live = auth.start_session(user.id), auth.start_session(user.id)
    with get_engine().begin() as conn:
        conn.execute(
            sa.text("UPDATE auth_session SET expires_at = :past WHERE token_hash = :hash"),
            {"past": ago(1), "hash": auth._token_hash(expired)},
        )
    report = retention.run_retention()
    assert report.sessions_purged >= 1
    assert "expired login sessions" in report.summary()
    assert auth.user_for_session(live) == user
    with get_engine().connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM auth_session WHERE user_id = :id"), {"id": user.id}).scalar_one()
    assert left == 1
