"""Chat history retention: delete messages older than NEUROCACHE_RETENTION_DAYS in
short batches, then trim the same range from the cache windows in one pipelined
pass, so readers never see an empty or re-ordered window. One run at a time: a
Postgres advisory lock (others report `skipped`), an in-process lock on SQLite.
A message's images and media go with it (foreign-key cascade); those uploaded but
never sent go after ABANDONED_AFTER. A thread lives as long as its newest message: a
root stays while a reply is newer than the cutoff (its older replies go, and its
reply count follows); a root that goes takes its replies along (cascade). Responses API
responses the hub stored (services/stored_responses.py) are chat history too: they go
after the same period."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm

from neurocache_ui.infra.window_cache import get_cache
from neurocache_ui.services.auth import purge_expired_sessions
from neurocache_ui.services.webhooks import outgoing
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import Message, UTCDateTime, utcnow
from neurocache_ui.store.repositories import attachments, media
from neurocache_ui.store.response_models import StoredResponse

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
ABANDONED_AFTER = timedelta(days=1)
INTERVAL_SECONDS = 3600.0
# pg_advisory_lock key: any constant unique to this job ("ncretent" as bytes).
ADVISORY_LOCK_KEY = int.from_bytes(b"ncretent", "big") & 0x7FFF_FFFF_FFFF_FFFF
_local_lock = threading.Lock()


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime
    messages_deleted: int = 0
    cache_entries_trimmed: int = 0
    channels_touched: int = 0
    skipped: bool = False
    cache_error: str | None = None
    sessions_purged: int = 0
    images_abandoned: int = 0
    media_abandoned: int = 0
    responses_deleted: int = 0
    webhook_deliveries_purged: int = 0

    def summary(self) -> str:
        if self.skipped:
            return "retention skipped: another retention run is in progress"
        text = (
            f"retention: deleted {self.messages_deleted} messages older than {self.cutoff.isoformat()}, "
            f"trimmed {self.cache_entries_trimmed} cache entries, {self.channels_touched} channels touched, "
            f"removed {self.sessions_purged} expired login sessions, {self.images_abandoned} images and "
            f"{self.media_abandoned} video, audio and other files never sent, {self.responses_deleted} stored API responses, "
            f"{self.webhook_deliveries_purged} finished webhook deliveries"
        )
        if self.cache_error:
            text += f" (cache not trimmed: {self.cache_error}; it is dropped when the cache is back)"
        return text


def _delete_batch(conn: sa.Connection, cutoff: datetime, batch_size: int) -> tuple[list[int], set[int]]:
    """Delete up to `batch_size` expired messages; return their channel ids, and
    the channels whose kept roots lost replies (their reply counts are recounted
    in the same transaction; their cache windows must be dropped)."""
    before = sa.literal(cutoff, UTCDateTime())
    reply = sa.orm.aliased(Message)
    live_thread = sa.select(reply.id).where(reply.thread_id == Message.id, reply.created_at >= before).exists()  # type: ignore[operator]
    oldest = (
        sa.select(Message.id)
        .where(Message.created_at < before, ~live_thread)  # type: ignore[operator]
        .order_by(Message.created_at, Message.id)  # type: ignore[arg-type]
        .limit(batch_size)
    )
    if conn.dialect.name == "postgresql":
        oldest = oldest.with_for_update(skip_locked=True)
    with conn.begin():
        result = conn.execute(
            sa.delete(Message).where(Message.id.in_(oldest)).returning(Message.channel_id, Message.thread_id)  # type: ignore[union-attr]
        ).all()
        roots = {thread for _, thread in result if thread is not None}
        recounted: set[int] = set()
        if roots:
            count = sa.select(sa.func.count()).select_from(reply).where(reply.thread_id == Message.id).scalar_subquery()
            recounted = set(
                conn.execute(
                    sa.update(Message).where(Message.id.in_(roots)).values(reply_count=count).returning(Message.channel_id)  # type: ignore[union-attr]
                ).scalars()
            )
        return [channel for channel, _ in result], recounted


def _purge(conn: sa.Connection, cutoff: datetime, batch_size: int, on_batch: Callable[[int], None] | None) -> RetentionReport:
    deleted = 0
    channels: set[int] = set()
    recounted: set[int] = set()
    while True:
        channel_ids, roots_in = _delete_batch(conn, cutoff, batch_size)
        recounted |= roots_in
        deleted += len(channel_ids)
        channels.update(channel_ids)
        if on_batch is not None and channel_ids:
            on_batch(len(channel_ids))
        if len(channel_ids) < batch_size:
            break
    with conn.begin():
        abandoned = attachments.delete_abandoned(conn, utcnow() - ABANDONED_AFTER)
        abandoned_media = media.delete_abandoned(conn, utcnow() - ABANDONED_AFTER)
        expired = sa.delete(StoredResponse).where(StoredResponse.created_at < sa.literal(cutoff, UTCDateTime()))  # type: ignore[arg-type]
        responses_deleted = conn.execute(expired).rowcount
    try:
        trimmed = get_cache().trim_before(cutoff, channels)
        for channel_id in recounted:  # a root's reply count changed under its cached copy
            get_cache().invalidate(channel_id)
        cache_error = None
    except Exception as error:  # the database part is done; report, don't fail
        log.warning("retention could not trim the cache: %s", error)
        trimmed, cache_error = {}, f"{type(error).__name__}: {error}"
    return RetentionReport(
        cutoff=cutoff,
        messages_deleted=deleted,
        cache_entries_trimmed=sum(trimmed.values()),
        channels_touched=len(channels | set(trimmed)),
        cache_error=cache_error,
        images_abandoned=abandoned,
        media_abandoned=abandoned_media,
        responses_deleted=responses_deleted,
    )


def run_retention(
    *,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> RetentionReport:
    """Delete expired messages from the database and the cache; one run at a time.

    `on_batch(n)` is called after each committed batch (progress, and tests that
    need a run to be in the middle of its work). Expired login sessions go too:
    they are old data of the same kind, and this is the job that runs hourly; so do
    finished webhook deliveries (and their attempt log) older than the cutoff."""
    report = _run_exclusive(now=now, batch_size=batch_size, on_batch=on_batch)
    if report.skipped:
        return report
    return replace(report, sessions_purged=purge_expired_sessions(),
                   webhook_deliveries_purged=outgoing.purge_finished(report.cutoff))


def _run_exclusive(
    *, now: datetime | None, batch_size: int, on_batch: Callable[[int], None] | None
) -> RetentionReport:
    cutoff = (now or utcnow()) - timedelta(days=get_settings().retention_days)
    if not _local_lock.acquire(blocking=False):
        return RetentionReport(cutoff=cutoff, skipped=True)
    try:
        with get_engine().connect() as conn:
            if conn.dialect.name != "postgresql":
                return _purge(conn, cutoff, batch_size, on_batch)
            locked = conn.execute(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_KEY))).scalar()
            conn.commit()
            if not locked:
                return RetentionReport(cutoff=cutoff, skipped=True)
            try:
                return _purge(conn, cutoff, batch_size, on_batch)
            finally:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(ADVISORY_LOCK_KEY)))
                conn.commit()
    finally:
        _local_lock.release()


async def retention_loop(interval_seconds: float = INTERVAL_SECONDS) -> None:
    """Lifespan task: a run now, then one every `interval_seconds`, forever.
    Every worker may run it; the lock makes all but one skip."""
    while True:
        try:
            report = await asyncio.to_thread(run_retention)
            if not report.skipped:
                log.info(report.summary())
        except Exception:
            log.exception("retention run failed; trying again in %.0f s", interval_seconds)
        await asyncio.sleep(interval_seconds)
