"""Notification settings and what the e-mail digest reads: a membership's level and
mute, a person's settings row, whether they are in a thread, and the unseen mentions
and DM messages due for e-mail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, select, update

from neurocache_ui.store.models import Agent, Channel, ChannelMember, Mention, Message, User, utcnow
from neurocache_ui.store.notify_models import NotificationSetting

DM = "dm"


def level(session: Session, channel_id: int, user_id: int) -> tuple[str | None, bool, str] | None:
    """(notify, muted, channel kind) of the membership; None if not a member of an active channel."""
    row = session.exec(
        select(ChannelMember.notify, ChannelMember.muted, Channel.kind)
        .join(Channel, Channel.id == ChannelMember.channel_id)
        .where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id, Channel.archived_at.is_(None))
    ).first()
    return None if row is None else (row[0], bool(row[1]), row[2])


def set_level(session: Session, channel_id: int, user_id: int, notify: str | None, muted: bool) -> bool:
    """One UPDATE of the membership; False if there is none."""
    result = session.exec(
        update(ChannelMember)
        .where(ChannelMember.channel_id == channel_id, ChannelMember.user_id == user_id)
        .values(notify=notify, muted=muted)
    )
    return bool(result.rowcount)


def in_thread(session: Session, user_id: int, thread_id: int) -> bool:
    """Whether the person wrote the thread's root or a reply in it (ix_message_thread)."""
    wrote_root = select(Message.id).where(Message.id == thread_id, Message.user_id == user_id).exists()
    replied = select(Message.id).where(Message.thread_id == thread_id, Message.user_id == user_id).exists()
    return bool(session.exec(select(sa.or_(wrote_root, replied))).one())


def settings_row(session: Session, user_id: int) -> NotificationSetting | None:
    return session.get(NotificationSetting, user_id)


def ensure_row(session: Session, user_id: int) -> NotificationSetting:
    """The person's row, made with the defaults if missing (two callers at once: one insert wins)."""
    if (row := session.get(NotificationSetting, user_id)) is not None:
        return row
    try:
        with session.begin_nested():
            session.add(NotificationSetting(user_id=user_id))
    except IntegrityError:
        pass
    row = session.get(NotificationSetting, user_id)
    assert row is not None
    return row


def by_token(session: Session, token: str) -> NotificationSetting | None:
    return session.exec(select(NotificationSetting).where(NotificationSetting.unsubscribe_token == token)).first()


def due(session: Session, *, newer_than: datetime, older_than: datetime, after_id: int, limit: int) -> list[sa.Row[Any]]:
    """Unseen mentions and unread DM messages written between the two times, after
    each recipient's `emailed_through_id`, in channels they have not muted or set to
    "nothing", for active accounts whose e-mail is on: (recipient id, email, name,
    message id, channel id, slug, channel name, kind, author, content, created_at,
    is mention, thread id), oldest first, message ids above `after_id` (the keyset of
    one run's batches). Thread replies count too."""
    setting = aliased(NotificationSetting)
    person, writer = aliased(User), aliased(User)
    member = ChannelMember
    mention = select(Mention.message_id).where(Mention.message_id == Message.id, Mention.user_id == member.user_id).exists()
    is_dm = Channel.kind == DM
    query = (
        select(
            person.id, person.email, person.name, Message.id, Channel.id, Channel.slug, Channel.name, Channel.kind,
            sa.func.coalesce(writer.name, Agent.name, "Neurocache"), Message.content, Message.created_at, mention,
            Message.thread_id,
        )
        .select_from(Message)
        .join(Channel, Channel.id == Message.channel_id)
        .join(member, member.channel_id == Message.channel_id)
        .join(person, person.id == member.user_id)
        .outerjoin(setting, setting.user_id == member.user_id)
        .outerjoin(writer, writer.id == Message.user_id)
        .outerjoin(Agent, Agent.id == Message.agent_id)
        .where(
            Message.id > after_id, Message.created_at > newer_than, Message.created_at <= older_than,
            Message.id > sa.func.coalesce(member.last_read_message_id, 0),
            Message.id > sa.func.coalesce(setting.emailed_through_id, 0),
            sa.or_(Message.user_id.is_(None), Message.user_id != member.user_id),
            Message.status != "streaming",
            Channel.archived_at.is_(None), person.deactivated_at.is_(None),
            member.muted.is_(False), sa.func.coalesce(member.notify, "") != "nothing",
            sa.func.coalesce(setting.email_enabled, sa.true()).is_(True),
            sa.or_(is_dm, select(Mention.message_id).where(
                Mention.message_id == Message.id, Mention.user_id == member.user_id, Mention.seen_at.is_(None)).exists()),
        )
        .order_by(Message.id)
        .limit(limit)
    )
    return list(session.exec(query).all())  # type: ignore[call-overload]


def claim(session: Session, user_id: int, old: int, new: int) -> bool:
    """Move the person's e-mail mark from `old` to `new` if nobody moved it meanwhile:
    of two workers running the digest at once, only one mails each message."""
    result = session.exec(
        update(NotificationSetting)
        .where(NotificationSetting.user_id == user_id, NotificationSetting.emailed_through_id == old)
        .values(emailed_through_id=new, updated_at=utcnow())
    )
    return bool(result.rowcount)
