"""Chat messages: the one place that sends, edits, deletes and reads them.
Writes validate, commit, and only then update the cache window and publish the
event (a cache or bus failure after the commit is logged, never raised). Reads
serve the newest page from the cache window, older pages from the database by
keyset cursor. People are checked for membership; agents pass `viewer_id=None`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from neurocache_ui.domain import limits
from neurocache_ui.domain.errors import Forbidden, Invalid, NotFound
from neurocache_ui.domain.events import MessageCreated, MessageDeleted, MessageEvent, MessageUpdated
from neurocache_ui.domain.mentions import mentioned
from neurocache_ui.domain.messages import Cursor, MessageView, clean_notes, stored_sources
from neurocache_ui.domain.tools import Source
from neurocache_ui.infra import bus
from neurocache_ui.infra.window_cache import ChannelCache, Miss, Window, get_cache
from neurocache_ui.domain.roles import ChannelRole
from neurocache_ui.services import attachments, channels, roles
from neurocache_ui.services.media import sending as media_sending
from neurocache_ui.services.webhooks import outbox
from neurocache_ui.settings import get_settings
from neurocache_ui.store.db import database_guard, session_scope
from neurocache_ui.store.models import Message, utcnow
from neurocache_ui.store.repositories import mentions as mention_rows
from neurocache_ui.store.repositories import messages as repo

log = logging.getLogger(__name__)

MESSAGE_NOT_FOUND = "Message not found."
THREAD_NOT_FOUND = "That thread is gone: its first message was deleted."
THREAD_PAGE = 200
"""Replies a thread shows at once (the newest)."""
UNAVAILABLE_WRITE = "The message store is unreachable right now, so nothing was saved. Try again in a moment."
UNAVAILABLE_READ = "Messages cannot be loaded right now because the database is unreachable. Try again in a moment."


# ---------------------------------------------------------------- validation


def clean_content(content: str, *, allow_empty: bool = False) -> str:
    """The one check of a message's length (NEUROCACHE_MAX_MESSAGE_CHARS).
    Surrounding whitespace and NUL characters (which Postgres cannot store in
    text) are dropped; the rest is stored exactly as written."""
    text = (content or "").replace("\x00", "").strip()
    if not text and not allow_empty:
        raise Invalid("Message is empty. Type something to send.", "content")
    limit = get_settings().max_message_chars
    if len(text) > limit:
        raise Invalid(
            f"Message is too long: {len(text):,} characters, the limit is {limit:,}. Shorten it or split it up.",
            "content",
        )
    return text


def _clean_status(status: str) -> str:
    status = (status or "").strip()
    if not status or len(status) > limits.MESSAGE_STATUS_MAX:
        raise Invalid(f"Message status must be 1 to {limits.MESSAGE_STATUS_MAX} characters.", "status")
    return status


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= 1000:
        raise Invalid("Ask for between 1 and 1000 messages.", "limit")


# ---------------------------------------------------------------- reads


def recent_messages(channel_id: int, limit: int = 50, *, viewer_id: int | None) -> list[MessageView]:
    """The newest `limit` messages of the channel, oldest -> newest.

    From the cache window when it answers the request: it holds at least `limit`
    entries, or the channel's whole history (no SQL at all when `viewer_id` is
    None). Otherwise the database is read and its newest `cache_window`
    messages are installed as the window, atomically."""
    _check_limit(limit)
    with database_guard(UNAVAILABLE_READ):
        if viewer_id is None:
            return _recent(channel_id, limit, None)
        with session_scope() as session:
            channels.ensure_readable(channel_id, viewer_id, session=session)
            return _recent(channel_id, limit, session)


def _recent(channel_id: int, limit: int, session: Session | None) -> list[MessageView]:
    """The window's answer, else the database's (in `session`, or in a unit of its
    own: a cache hit opens none), which then becomes the window."""
    cache = get_cache()
    found, views = _cached_window(cache, channel_id, min(limit, cache.window))
    if views is not None and not isinstance(found, Miss) and (found.whole or len(views) >= limit):
        return views[-limit:]
    wanted = max(limit, cache.window)
    with session_scope(session) as unit:
        views = repo.latest(unit, channel_id, wanted)
    if found.token is not None:
        # A partial window shorter than `limit` (after deletes or retention) is rebuilt.
        window = views[-cache.window :]
        whole = len(views) < wanted and len(views) <= cache.window
        cache.fill(channel_id, window, whole=whole, token=found.token, replace=not isinstance(found, Miss))
    return views[-limit:]


def _cached_window(cache: ChannelCache, channel_id: int, limit: int) -> tuple[Window | Miss, list[MessageView] | None]:
    """Read the window, reusing this process's decoded copy while its token is current."""
    memo = cache.memo.get(channel_id)
    known = memo[0] if memo is not None and memo[1] >= limit else None
    found = cache.read(channel_id, limit, known=known)
    if isinstance(found, Miss):
        return found, None
    if found.payload is None and memo is not None:
        views: list[MessageView] = memo[2]
        return found, views[-limit:]
    try:
        views = found.views()
    except (ValueError, KeyError, TypeError, IndexError):
        # Unreadable entries (corruption, a format this version does not know):
        # drop the window and read the database instead of failing the read.
        log.warning("unreadable cache window for channel %s; dropping it", channel_id, exc_info=True)
        cache.invalidate(channel_id)
        return Miss(None), None
    cache.memo.put(channel_id, found.token, limit, views)
    return found, views


def older_messages(
    channel_id: int, *, before: int | str | Cursor | None, limit: int = 50, viewer_id: int | None
) -> list[MessageView]:
    """Up to `limit` messages strictly older than `before`, oldest -> newest, from
    the database. `before` is a message id, a `MessageView.cursor` string or a
    Cursor; None starts from the newest message."""
    _check_limit(limit)
    with database_guard(UNAVAILABLE_READ), session_scope() as session:
        if viewer_id is not None:
            channels.ensure_readable(channel_id, viewer_id, session=session)
        return repo.older(session, channel_id, before, limit)


def thread_messages(
    root_id: int, *, viewer_id: int | None, limit: int = THREAD_PAGE, channel_id: int | None = None
) -> tuple[MessageView, list[MessageView]]:
    """A thread: its root and its newest `limit` replies, oldest first. The root
    must be in `channel_id` when given (an API path names the channel)."""
    _check_limit(limit)
    with database_guard(UNAVAILABLE_READ), session_scope() as session:
        root = _visible(session, root_id, viewer_id, THREAD_NOT_FOUND, readable=True)
        if root.thread_id is not None or (channel_id is not None and root.channel_id != channel_id):
            raise NotFound(THREAD_NOT_FOUND)
        return root, repo.thread(session, root_id, limit)


def messages_around(
    channel_id: int, message_id: int, *, viewer_id: int, limit: int = 50
) -> tuple[list[MessageView], bool, bool]:
    """The channel's messages around one (a search hit, a mention), oldest first:
    up to `limit` before it, it, and up to `limit` after it; and whether older
    and newer ones exist. A thread reply is shown by its root."""
    _check_limit(limit)
    with database_guard(UNAVAILABLE_READ), session_scope() as session:
        channels.ensure_readable(channel_id, viewer_id, session=session)
        target = repo.view(session, message_id)
        if target is None or target.channel_id != channel_id:
            raise NotFound(MESSAGE_NOT_FOUND)
        if target.thread_id is not None:
            target = repo.view(session, target.thread_id) or target
        before = repo.older(session, channel_id, Cursor(target.created_at, target.id), limit + 1)
        after = repo.newer(session, channel_id, Cursor(target.created_at, target.id), limit + 1)
    return before[-limit:] + [target] + after[:limit], len(before) > limit, len(after) > limit


def get_message(message_id: int, *, viewer_id: int | None) -> MessageView:
    """One message, if the viewer is a member of its channel."""
    with database_guard(UNAVAILABLE_READ), session_scope() as session:
        return _visible(session, message_id, viewer_id, MESSAGE_NOT_FOUND)


def _visible(session: Session, message_id: int, viewer_id: int | None, missing: str, *, readable: bool = False) -> MessageView:
    """The message if it exists and the viewer (None: an agent) is a member of its
    channel (`readable`: or the channel is open, for reads only); otherwise
    NotFound(`missing`), the same for both, so a stranger learns nothing of what exists."""
    view = repo.view(session, message_id)
    if view is None:
        raise NotFound(missing)
    if viewer_id is not None:
        try:
            (channels.ensure_readable if readable else channels.ensure_member)(view.channel_id, viewer_id, session=session)
        except NotFound:
            raise NotFound(missing) from None
    return view


# ---------------------------------------------------------------- writes


def _after_commit(event: type[MessageEvent], view: MessageView, update_cache: Callable[[ChannelCache], None]) -> None:
    """Cache, then publish. The write is committed: neither step may undo or fail it."""
    try:
        update_cache(get_cache())
    except Exception:  # the cache reports its own outages; this is a bug guard
        log.exception("cache update after %s of message %s failed", event, view.id)
    try:
        bus.publish(view.channel_id, event(message=view))
    except Exception:
        log.exception("publishing %s of message %s failed", event.__name__, view.id)


def post_message(
    channel_id: int,
    *,
    user_id: int | None = None,
    agent_id: int | None = None,
    content: str,
    status: str = "complete",
    hop: int = 0,
    attachment_ids: Sequence[int] = (),
    thread_id: int | None = None,
    reply_to_id: int | None = None,
    agent_version: int | None = None,
    media_ids: Sequence[int] = (),
    integration: str | None = None,
) -> MessageView:
    """Store a message and return it once committed. A person (`user_id`) must be able to
    post in the channel (member, not archived), checked in the same transaction as the insert.
    An agent (`agent_id`), an incoming webhook (`integration`, the name it shows) or a system
    notice is trusted; agents may post an empty placeholder while a reply is still in progress
    (`status` other than "complete"). `hop` counts the agent replies that led here. A person may
    send `attachment_ids`, their own images uploaded here (services/attachments.py), linked in
    the same transaction; then the text may be empty. Likewise `media_ids`, their unsent video
    and audio (services/media/sending.py; the processor wakes after the commit). `thread_id`
    makes it a reply in that root's thread (same channel): the root's reply count moves in the
    same transaction, and viewers get both changes. An agent's reply names the message it
    answers (`reply_to_id`, for "Regenerate") and the agent's version that writes it."""
    if user_id is not None and agent_id is not None:
        raise Invalid("A message has one author: a person or an agent, not both.")
    if (attachment_ids or media_ids) and user_id is None:
        raise Invalid("Only a person's message can carry images, video or audio.", "attachments" if attachment_ids else "media")
    status = _clean_status(status)
    carries = bool(attachment_ids) or bool(media_ids)
    text = clean_content(content, allow_empty=carries or (user_id is None and status != "complete"))
    root: MessageView | None = None
    try:
        with database_guard(UNAVAILABLE_WRITE), session_scope() as session:
            if thread_id is not None:
                _check_thread(session, channel_id, thread_id)
            row = Message(
                channel_id=channel_id, user_id=user_id, agent_id=agent_id, content=text, status=status, hop=hop,
                thread_id=thread_id, reply_to_id=reply_to_id, agent_version=agent_version, integration=integration,
            )
            # A person's right to post is checked by the INSERT itself: one round trip.
            guard = channels.may_post(channel_id, user_id) if user_id is not None else None
            view, heard = repo.insert_asking(session, row, outbox.listening(channel_id), only_if=guard)
            if view is None:
                assert user_id is not None
                channels.ensure_can_post(channel_id, user_id, session=session)  # raises the reason
                raise NotFound(channels.NOT_FOUND)
            if carries and user_id is not None:
                for link, ids in ((attachments.link, attachment_ids), (media_sending.link, media_ids)):
                    if ids:
                        link(session, view.id, ids, channel_id=channel_id, user_id=user_id)
                view = repo.view(session, view.id) or view
            if status == "complete":
                _record_mentions(session, view, outbox.MESSAGE_CREATED if heard else None)
            if thread_id is not None:
                repo.count_reply(session, thread_id, +1)
                root = repo.view(session, thread_id)
    except IntegrityError:
        # A foreign key: the channel, the agent or the thread no longer exists.
        raise NotFound(channels.NOT_FOUND if thread_id is None else THREAD_NOT_FOUND) from None
    if media_ids:
        media_sending.wake()
    if root is None:
        _after_commit(MessageCreated, view, lambda cache: cache.add(view))
    else:
        _after_reply(view, root, MessageCreated)
    return view


def published_update(view: MessageView) -> None:
    """After a committed change to a message elsewhere (its reactions): the cache
    window and every viewer get it."""
    _after_commit(MessageUpdated, view, lambda cache: _in_window(view) and cache.replace(view))


def _record_mentions(session: Session, view: MessageView, event: str | None = None) -> None:
    """The people a finished (or edited) message @mentions, for their badge and Mentions view; a
    new or finished one (`event`) also goes to the outgoing webhooks' outbox in this transaction."""
    named: set[int] = set()
    if "@" in view.content or view.edited_at is not None:
        named = mentioned(view.content, mention_rows.channel_people(session, view.channel_id), author_id=view.user_id)
        mention_rows.add(session, view.channel_id, view.id, named)
    if event is not None:
        outbox.message_event(session, event, view, named)


def _in_window(view: MessageView) -> bool:
    """Whether the message belongs in its channel's cache window (a thread reply does not)."""
    return view.thread_id is None


def _check_thread(session: Session, channel_id: int, thread_id: int) -> None:
    """A reply's thread is a root message of the same channel."""
    found = repo.thread_root(session, thread_id)
    if found is None or found[0] != channel_id:
        raise NotFound(THREAD_NOT_FOUND)
    if found[1] is not None:
        raise Invalid("Reply in the thread's first message: a thread has no threads of its own.", "thread_id")


def _after_reply(view: MessageView, root: MessageView, event: type[MessageEvent]) -> None:
    """A thread reply is not in the channel's window: viewers get the reply (for
    open threads and unread counts) and the root with its new reply count."""
    _after_commit(event, view, lambda cache: None)
    _after_commit(MessageUpdated, root, lambda cache: cache.replace(root))


def _check_author(session: Session, message_id: int, user_id: int, moderated: bool = False) -> None:
    """Pass if `user_id` may act in the message's channel and wrote the message (or,
    `moderated`, is the channel's owner or a moderator: services/roles.py)."""
    found = repo.authorship(session, message_id)
    if found is None:
        raise NotFound(MESSAGE_NOT_FOUND)
    channel_id, author_id = found
    try:
        channels.ensure_can_post(channel_id, user_id, session=session)
    except NotFound:
        raise NotFound(MESSAGE_NOT_FOUND) from None
    if author_id != user_id and not moderated:
        raise Forbidden("You can only change your own messages.")
    if author_id != user_id:
        roles.ensure_role(channel_id, user_id, ChannelRole.MODERATOR, "delete other people's messages", session=session)


def edit_message(message_id: int, *, user_id: int, content: str) -> MessageView:
    """The author changes their message's text; others get Forbidden, non-members NotFound."""
    text = clean_content(content)
    with database_guard(UNAVAILABLE_WRITE), session_scope() as session:
        _check_author(session, message_id, user_id)
        view = repo.update(session, message_id, {"content": text, "edited_at": utcnow()}, Message.user_id == user_id)
        if view is not None:
            _record_mentions(session, view)
    if view is None:
        raise NotFound(MESSAGE_NOT_FOUND)
    published_update(view)
    return view


def update_agent_message(
    message_id: int,
    *,
    agent_id: int,
    content: str,
    status: str = "complete",
    sources: Sequence[Source] = (),
    notes: Sequence[str] = (),
    only_if_streaming: bool = False,
) -> MessageView:
    """An agent's reply in progress gets its text, status (e.g. "streaming" ->
    "complete"), sources and notes (replacing any before; see clean_sources,
    clean_notes); only the agent that posted it may update it. `only_if_streaming`: NotFound (nothing
    written or published) if the reply has ended meanwhile, so of several workers
    ending one reply at once exactly one does."""
    status = _clean_status(status)
    text = clean_content(content, allow_empty=status != "complete")
    stored = stored_sources(sources)
    values = {"content": text, "status": status, "sources": stored, "notes": list(clean_notes(notes))}
    mine = Message.agent_id == agent_id
    where = sa.and_(mine, Message.status == "streaming") if only_if_streaming else mine
    with database_guard(UNAVAILABLE_WRITE), session_scope() as session:
        view = repo.update(session, message_id, values, where)
        if view is not None and status == "complete":
            _record_mentions(session, view, outbox.REPLY_COMPLETED)
    if view is None:
        raise NotFound(MESSAGE_NOT_FOUND)
    published_update(view)
    return view


def delete_message(message_id: int, *, user_id: int) -> None:
    """The author, the owner or a moderator deletes it (from the database, the cache and every page)."""
    with database_guard(UNAVAILABLE_WRITE), session_scope() as session:
        _check_author(session, message_id, user_id, moderated=True)
        view = repo.view(session, message_id)
        if view is None or not repo.delete(session, message_id):
            raise NotFound(MESSAGE_NOT_FOUND)
        root = None
        if view.thread_id is not None:
            repo.count_reply(session, view.thread_id, -1)
            root = repo.view(session, view.thread_id)
    if root is None:
        _after_commit(MessageDeleted, view, lambda cache: cache.remove(view))
    else:
        _after_reply(view, root, MessageDeleted)
