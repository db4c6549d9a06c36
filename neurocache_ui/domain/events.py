"""What the bus carries: one model per event type, tagged by `type`.

Services publish these after their commit; the web relay and tests receive them
already decoded (once per worker). The bus is a notification, not storage:
whoever misses an event heals from the database (see docs/ARCHITECTURE.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from neurocache_ui.domain.messages import MessageView


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True)


class _AboutMessage(_Event):
    """The whole message travels with its event, so no viewer has to read it back."""

    message: MessageView


class MessageCreated(_AboutMessage):
    type: Literal["message.created"] = "message.created"


class MessageUpdated(_AboutMessage):
    type: Literal["message.updated"] = "message.updated"


class MessageDeleted(_AboutMessage):
    type: Literal["message.deleted"] = "message.deleted"


class AgentStreamed(_Event):
    """Text appended to an agent's reply: `text` goes at character `offset` of the
    reply so far (offset 0 starts it over), so an update's size does not grow with
    the reply. Only tabs that have the channel open need it; a worker that missed
    one takes the whole text so far from services/agent_runs/progress.py."""

    type: Literal["agent.stream"] = "agent.stream"
    message_id: int
    offset: int = 0
    text: str


class AgentStepped(_Event):
    """A tool an agent's reply is using right now ("Searching the web for …"),
    shown under the reply while it works; empty text clears it."""

    type: Literal["agent.step"] = "agent.step"
    message_id: int
    text: str


class TeamChanged(_Event):
    """Agents or people joined or left the channel: viewers reload its team (the
    agents in the header, and whom the composer offers to @mention)."""

    type: Literal["channel.agents"] = "channel.agents"


class TypingChanged(_Event):
    """Someone is typing in the channel (`thread_id` 0) or in one of its threads;
    sent every few seconds while they are."""

    type: Literal["typing"] = "typing"
    user_id: int = 0
    name: str = ""
    thread_id: int = 0


class PresenceChanged(_Event):
    type: Literal["presence"] = "presence"
    names: list[str]


class SessionsEnded(_Event):
    """A user's sessions ended (password change, log out everywhere); published
    on channel 0, which no channel uses."""

    type: Literal["sessions.ended"] = "sessions.ended"
    user_id: int


class MembershipChanged(_Event):
    """People were added to or taken out of a channel (an invite, leaving, the channel
    archived or deleted): their own tabs change the sidebar and tell them `notice`;
    `closed` (they left it, or it was deleted) also closes it where it is open (an
    archived channel stays readable)."""

    type: Literal["channel.membership"] = "channel.membership"
    user_ids: list[int]
    joined: bool
    notice: str
    closed: bool = False


class ChannelHidden(_Event):
    """An open channel became private: whoever reads it without being one of
    `member_ids` loses it at once (its open page closes with a notice naming it,
    tabs forget and stop watching it), so no later event of it reaches them; the
    members' pages only show the new visibility."""

    type: Literal["channel.hidden"] = "channel.hidden"
    name: str
    member_ids: list[int]


class ReadMoved(_Event):
    """A user read a channel to its newest message on one tab or device: their
    other tabs clear its unread count."""

    type: Literal["channel.read"] = "channel.read"
    user_id: int


class PinsChanged(_Event):
    """A message of the channel was pinned or unpinned: its viewers reload the
    channel's pins (the Pinned panel and the rows' "Pinned" marks)."""

    type: Literal["channel.pins"] = "channel.pins"
    message_id: int
    pinned: bool


class ProfileChanged(_Event):
    """A person changed their title, status or avatar (published on channel 0): tabs
    showing their card read it again."""

    type: Literal["profile.changed"] = "profile.changed"
    user_id: int


class BusReconnected(_Event):
    """The bus was disconnected and events may be lost: reload what is shown."""

    type: Literal["bus.reconnected"] = "bus.reconnected"


Event = Annotated[
    MessageCreated
    | MessageUpdated
    | MessageDeleted
    | AgentStreamed
    | AgentStepped
    | TeamChanged
    | TypingChanged
    | PresenceChanged
    | SessionsEnded
    | MembershipChanged
    | ChannelHidden
    | ReadMoved
    | PinsChanged
    | ProfileChanged
    | BusReconnected,
    Field(discriminator="type"),
]
MessageEvent = MessageCreated | MessageUpdated | MessageDeleted


class Envelope(BaseModel):
    """An event and the channel it concerns, as it travels between workers."""

    channel_id: int
    event: Event


_ENVELOPE = TypeAdapter(Envelope)


def encode(channel_id: int, event: Event) -> bytes:
    return Envelope(channel_id=channel_id, event=event).model_dump_json().encode()


def decode(raw: str | bytes) -> Envelope | None:
    """None for anything that is not a well-formed event (logged by the caller)."""
    try:
        return _ENVELOPE.validate_json(raw)
    except ValidationError:
        return None
