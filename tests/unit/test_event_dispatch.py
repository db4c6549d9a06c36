"""Live events without a browser (web/realtime/dispatch.py): which of this worker's
tabs receive an event, and what it does to the sidebar's unread counts, the
cached channels and who is replying in the open channel."""

from __future__ import annotations

from datetime import UTC, datetime

from neurocache_ui.domain.events import (
    AgentStepped,
    AgentStreamed,
    BusReconnected,
    ChannelHidden,
    MembershipChanged,
    MessageCreated,
    MessageDeleted,
    MessageUpdated,
    PresenceChanged,
    ReadMoved,
    SessionsEnded,
    TeamChanged,
    TypingChanged,
)
from neurocache_ui.domain.messages import MessageView
from neurocache_ui.services.agent_runs import runner
from neurocache_ui.services.auth import CurrentUser
from neurocache_ui.services.channels import ChannelSummary
from neurocache_ui.web.realtime import dispatch, rows
from neurocache_ui.web.realtime.watchers import Watchers

ADA, BOB = 1, 2
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def message(message_id: int, *, channel_id: int = 10, user_id: int | None = BOB, status: str = "complete",
            content: str = "hello") -> MessageView:
    agent = user_id is None
    return MessageView(
        id=message_id, channel_id=channel_id, user_id=user_id, agent_id=5 if agent else None,
        author_name="Scout" if agent else "Bob", author_kind="agent" if agent else "user",
        content=content, status=status, created_at=NOW, edited_at=None,
    )


def three_tabs() -> Watchers:
    """Ada's tab watches channels 10 and 11 with 10 open; Ada's second tab has 11
    open; Bob's tab watches 10 and has not opened any channel yet."""
    watchers = Watchers()
    watchers.watch("ada-1", {10, 11}, ADA)
    watchers.focus("ada-1", 10)
    watchers.watch("ada-2", {10, 11}, ADA)
    watchers.focus("ada-2", 11)
    watchers.watch("bob", {10}, BOB)
    return watchers


def test_channel_events_go_to_every_tab_watching_the_channel() -> None:
    watchers = three_tabs()
    for event in (MessageCreated(message=message(1)), TypingChanged(), TeamChanged(), PresenceChanged(names=["Bob"])):
        assert sorted(dispatch.recipients(watchers, 10, event)) == ["ada-1", "ada-2", "bob"]
    assert sorted(dispatch.recipients(watchers, 11, MessageDeleted(message=message(1, channel_id=11)))) == ["ada-1", "ada-2"]
    assert dispatch.recipients(watchers, 12, MessageCreated(message=message(1, channel_id=12))) == []


def test_a_streaming_reply_goes_only_to_tabs_that_show_its_channel() -> None:
    watchers = three_tabs()
    streamed = AgentStreamed(message_id=1, offset=0, text="so far")
    assert sorted(dispatch.recipients(watchers, 10, streamed)) == ["ada-1", "bob"]  # bob's focus is unknown
    assert dispatch.recipients(watchers, 11, streamed) == ["ada-2"]
    stepped = AgentStepped(message_id=1, text="Searching the web for cats")  # its steps likewise
    assert sorted(dispatch.recipients(watchers, 10, stepped)) == ["ada-1", "bob"]
    assert dispatch.recipients(watchers, 11, stepped) == ["ada-2"]


def test_ended_sessions_reach_the_users_tabs_and_a_reconnect_reaches_all() -> None:
    watchers = three_tabs()
    assert sorted(dispatch.recipients(watchers, 0, SessionsEnded(user_id=ADA))) == ["ada-1", "ada-2"]
    assert dispatch.recipients(watchers, 0, SessionsEnded(user_id=99)) == []
    assert sorted(dispatch.recipients(watchers, 0, BusReconnected())) == ["ada-1", "ada-2", "bob"]


def test_a_forgotten_tab_receives_nothing_more() -> None:
    watchers = three_tabs()
    watchers.seat("ada-1", CurrentUser(id=ADA, name="Ada", email="ada@example.com"), "launch")
    watchers.forget("ada-1")
    assert watchers.seat_of("ada-1") is None
    assert "ada-1" not in dispatch.recipients(watchers, 10, MessageCreated(message=message(1)))
    assert "ada-1" not in dispatch.recipients(watchers, 0, SessionsEnded(user_id=ADA))
    assert "ada-1" not in dispatch.recipients(watchers, 0, BusReconnected())
    watchers.watch("bob", {11}, BOB)  # Bob's sidebar changed: only channel 11 now
    assert dispatch.recipients(watchers, 10, MessageCreated(message=message(2))) == ["ada-2"]


def test_unread_counts_grow_for_other_peoples_messages_elsewhere() -> None:
    sidebar = [{"id": 10, "name": "launch", "unread": 0, "newest": 0}, {"id": 11, "name": "side", "unread": 2, "newest": 0}]
    from_bob = dispatch.with_unread(sidebar, 11, MessageCreated(message=message(1, channel_id=11)), ADA)
    assert [entry["unread"] for entry in from_bob] == [0, 3]
    assert from_bob[0] is sidebar[0]
    from_agent = dispatch.with_unread(from_bob, 10, MessageCreated(message=message(2, user_id=None)), ADA)
    assert [entry["unread"] for entry in from_agent] == [1, 3]
    # Unchanged, so nothing is resent: her own message, edits, deletes, other events, unknown channels.
    assert dispatch.with_unread(sidebar, 11, MessageCreated(message=message(3, channel_id=11, user_id=ADA)), ADA) is sidebar
    for event in (MessageUpdated(message=message(1)), MessageDeleted(message=message(1)), TypingChanged()):
        assert dispatch.with_unread(sidebar, 11, event, ADA) is sidebar
    assert dispatch.with_unread(sidebar, 12, MessageCreated(message=message(4, channel_id=12)), ADA) is sidebar


def test_a_message_the_sidebar_query_counted_is_not_counted_again_by_its_event() -> None:
    """The sidebar reloads from the database while a message's event is on its way:
    the count already has it, so the late event changes nothing."""
    summaries = [ChannelSummary(10, "launch", "launch", 0, 7), ChannelSummary(11, "side", "side", 3, 42)]
    sidebar = dispatch.sidebar_of(summaries, open_channel=10)
    assert [(e["unread"], e["newest"]) for e in sidebar] == [(0, 7), (3, 42)]
    assert dispatch.with_unread(sidebar, 11, MessageCreated(message=message(42, channel_id=11)), ADA) is sidebar
    newer = dispatch.with_unread(sidebar, 11, MessageCreated(message=message(43, channel_id=11)), ADA)
    assert (newer[1]["unread"], newer[1]["newest"]) == (4, 43)
    assert dispatch.with_unread(newer, 11, MessageCreated(message=message(43, channel_id=11)), ADA) is newer  # delivered twice


def test_cached_channels_stay_fresh_for_switching_back() -> None:
    first = rows.to_row(message(1))
    cache = {10: {"meta": {"id": 10}, "rows": [first], "has_more": False}}
    created = dispatch.with_cached(cache, 10, MessageCreated(message=message(2)))
    assert [r["id"] for r in created[10]["rows"]] == [1, 2] and created[10]["meta"] == {"id": 10}
    assert cache[10]["rows"] == [first]  # the old value is not changed in place
    again = dispatch.with_cached(created, 10, MessageCreated(message=message(2)))
    assert [r["id"] for r in again[10]["rows"]] == [1, 2]
    edited = dispatch.with_cached(created, 10, MessageUpdated(message=message(1, content="edited")))
    assert [r["content"] for r in edited[10]["rows"]] == ["edited", "hello"]
    deleted = dispatch.with_cached(created, 10, MessageDeleted(message=message(1)))
    assert [r["id"] for r in deleted[10]["rows"]] == [2]
    assert dispatch.with_cached(cache, 11, MessageCreated(message=message(3, channel_id=11))) is cache
    assert dispatch.with_cached(cache, 10, TypingChanged()) is cache


def test_a_cached_channel_keeps_only_its_newest_page() -> None:
    cache = {10: {"rows": [rows.to_row(message(i)) for i in range(rows.PAGE)], "has_more": False}}
    grown = dispatch.with_cached(cache, 10, MessageCreated(message=message(rows.PAGE)))
    assert [r["id"] for r in grown[10]["rows"]] == list(range(1, rows.PAGE + 1))


def test_typing_notices_say_who_types_where_and_a_message_ends_them() -> None:
    after = dispatch.typing_after
    typing = after([], TypingChanged(user_id=BOB, name="Bob", thread_id=0), ADA, 100.0)
    assert typing == [{"user_id": BOB, "name": "Bob", "thread": 0, "at": 100.0}]
    typing = after(typing, TypingChanged(user_id=3, name="Cy", thread_id=42), ADA, 101.0)  # in thread 42
    assert [(e["name"], e["thread"]) for e in typing] == [("Bob", 0), ("Cy", 42)]
    assert after(typing, TypingChanged(user_id=ADA, name="Ada"), ADA, 102.0) is typing  # never told about herself
    again = after(typing, TypingChanged(user_id=BOB, name="Bob", thread_id=0), ADA, 103.0)
    assert [(e["name"], e["at"]) for e in again] == [("Cy", 101.0), ("Bob", 103.0)]  # a new notice: a new "at"
    late = after(typing, TypingChanged(user_id=4, name="Di"), ADA, 101.0 + dispatch.TYPING_KEPT + 1)
    assert [e["name"] for e in late] == ["Di"]  # entries long without a notice are dropped
    assert [e["name"] for e in after(typing, MessageCreated(message=message(1)), ADA, 104.0)] == ["Cy"]  # Bob posted
    assert after(typing, MessageCreated(message=message(2, user_id=None)), ADA, 104.0) is typing  # agents do not type
    assert after(typing, MessageUpdated(message=message(1)), ADA, 104.0) is typing


def test_who_is_replying_lasts_until_the_replys_final_text_arrives() -> None:
    placeholder = MessageCreated(message=message(7, user_id=None, status=runner.STREAMING, content=""))
    replying = dispatch.replying_after({}, placeholder)
    assert replying == {"7": "Scout"}
    assert dispatch.replying_after(replying, placeholder) is replying  # a repeat resends nothing
    assert dispatch.replying_after(replying, AgentStreamed(message_id=7, offset=0, text="Hel")) is replying
    assert not dispatch.ends_stream(placeholder)

    final = MessageUpdated(message=message(7, user_id=None, status="complete", content="Hello there"))
    assert dispatch.ends_stream(final)
    assert dispatch.replying_after(replying, final) == {}
    people = MessageCreated(message=message(9))
    assert not dispatch.ends_stream(people)
    assert dispatch.replying_after(replying, people) is replying
    assert dispatch.replying_after(replying, TeamChanged()) is replying


def test_a_replys_steps_show_while_it_works_and_go_when_it_is_done() -> None:
    replying = {"7": "Scout"}
    steps: dict[str, str] = {}
    searching = AgentStepped(message_id=7, text="Searching the web for cats")
    steps = dispatch.steps_after(replying, steps, searching)
    assert steps == {"7": "Searching the web for cats"}
    assert dispatch.steps_after(replying, steps, searching) is steps  # a repeat resends nothing
    steps = dispatch.steps_after(replying, steps, AgentStepped(message_id=7, text="Reading cats.example"))
    assert steps == {"7": "Reading cats.example"}
    unknown = AgentStepped(message_id=8, text="not shown")  # a reply this tab never saw start
    assert dispatch.steps_after(replying, steps, unknown) is steps
    assert dispatch.steps_after(replying, steps, AgentStreamed(message_id=7, offset=0, text="Cats are")) is steps

    assert dispatch.steps_after(replying, steps, AgentStepped(message_id=7, text="")) == {}  # empty text clears
    still = MessageUpdated(message=message(7, user_id=None, status=runner.STREAMING, content="Cats"))
    assert dispatch.steps_after(replying, steps, still) is steps
    final = MessageUpdated(message=message(7, user_id=None, status="complete", content="Cats are mammals."))
    assert dispatch.steps_after(replying, steps, final) == {}
    assert dispatch.steps_after({}, {}, final) == {}


def test_a_frame_of_events_changes_each_part_of_a_tab_once() -> None:
    """A burst arrives as one frame: 300 posts in the open channel, some elsewhere,
    presence and typing; the tab's rows end as if applied one by one, bounded."""
    window = rows.shown([rows.to_row(message(1))], False)
    sidebar = [{"id": 10, "name": "launch", "unread": 0, "newest": 0}, {"id": 11, "name": "side", "unread": 0, "newest": 0}]
    items: list[tuple[int, object]] = [(10, MessageCreated(message=message(i))) for i in range(2, 302)]
    items += [(11, MessageCreated(message=message(400 + i, channel_id=11))) for i in range(3)]
    items += [(10, PresenceChanged(names=["Ada", "Bob"])), (10, TypingChanged())]
    bob_typing = [{"user_id": BOB, "name": "Bob", "thread": 0, "at": 1.0}]
    items += [(10, TypingChanged(user_id=3, name="Cy"))]
    frame = dispatch.frame_after(window, sidebar, {}, bob_typing, open_channel=10, viewer_id=ADA, items=items, now=5.0)  # type: ignore[arg-type]
    one_by_one = window
    for _, event in items[:300]:
        one_by_one = rows.after_event(one_by_one, event)  # type: ignore[arg-type]
    assert frame.window == one_by_one
    assert frame.window.rows[-1]["id"] == 301 and len(frame.window.rows) <= rows.RECENT_CAP + rows.LATEST_BLOCK
    assert [entry["unread"] for entry in frame.sidebar] == [0, 3]
    assert frame.online_names == ["Ada", "Bob"] and [e["name"] for e in frame.typing] == ["Cy"]  # Bob posted
    assert not (frame.resync or frame.sessions_ended)

    quiet = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(0, BusReconnected())])
    assert quiet.window is window and quiet.sidebar is sidebar and quiet.online_names is None and quiet.resync
    ended = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(0, SessionsEnded(user_id=ADA))])
    assert ended.sessions_ended
    other = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(0, SessionsEnded(user_id=BOB))])
    assert not other.sessions_ended


def test_reading_and_membership_news_go_to_the_persons_own_tabs() -> None:
    watchers = three_tabs()
    assert sorted(dispatch.recipients(watchers, 10, ReadMoved(user_id=ADA))) == ["ada-1", "ada-2"]
    joined = MembershipChanged(user_ids=[BOB], joined=True, notice="Ada added you to #launch.")
    assert dispatch.recipients(watchers, 99, joined) == ["bob"]  # a channel Bob's tab does not watch yet
    gone = MembershipChanged(user_ids=[ADA, BOB], joined=False, notice="#launch was deleted by Ada.")
    assert sorted(dispatch.recipients(watchers, 10, gone)) == ["ada-1", "ada-2", "bob"]


def test_a_read_elsewhere_clears_the_count_and_membership_news_reloads_the_sidebar() -> None:
    window = rows.shown([rows.to_row(message(1))], False)
    sidebar = [{"id": 10, "name": "launch", "unread": 0, "newest": 0}, {"id": 11, "name": "side", "unread": 4, "newest": 0}]
    read = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(11, ReadMoved(user_id=ADA))])
    assert [e["unread"] for e in read.sidebar] == [0, 0] and read.window is window
    someone_else = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(11, ReadMoved(user_id=BOB))])
    assert someone_else.sidebar is sidebar

    added = MembershipChanged(user_ids=[ADA], joined=True, notice="Bob added you to #side.")
    frame = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(12, added)])
    assert frame.notices == ["Bob added you to #side."] and not frame.left_open
    archived = MembershipChanged(user_ids=[ADA, BOB], joined=False, notice="#launch was archived by Bob.")
    frame = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(10, archived)])
    assert frame.notices == ["#launch was archived by Bob."] and not frame.left_open  # still readable where open
    deleted = MembershipChanged(user_ids=[ADA, BOB], joined=False, notice="#launch was deleted by Bob.", closed=True)
    frame = dispatch.frame_after(window, sidebar, {}, [], open_channel=10, viewer_id=ADA, items=[(10, deleted)])
    assert frame.notices == ["#launch was deleted by Bob."] and frame.left_open
    elsewhere = dispatch.frame_after(window, sidebar, {}, [], open_channel=11, viewer_id=ADA, items=[(10, deleted)])
    assert elsewhere.notices and not elsewhere.left_open


def test_a_channel_made_private_stops_reaching_tabs_of_readers_who_had_not_joined() -> None:
    """Bob reads channel 10 without being a member; it turns private: his tab gets
    that news and then nothing of channel 10, not even a streaming reply, while Ada's
    (a member's) tabs keep everything."""
    watchers = three_tabs()
    watchers.focus("bob", 10)
    hidden = ChannelHidden(name="launch", member_ids=[ADA])
    assert sorted(dispatch.recipients(watchers, 10, hidden)) == ["ada-1", "ada-2", "bob"]
    watchers.hide(10, hidden.member_ids)
    assert sorted(dispatch.recipients(watchers, 10, MessageCreated(message=message(9)))) == ["ada-1", "ada-2"]
    assert dispatch.recipients(watchers, 10, AgentStreamed(message_id=9, text="secret")) == ["ada-1"]
    assert sorted(watchers.tokens(10)) == ["ada-1", "ada-2"] and sorted(watchers.tokens(11)) == ["ada-1", "ada-2"]
    watchers.hide(12, [ADA])  # a channel nobody watches: nothing to do
    assert watchers.tokens(12) == []


def test_a_reader_who_had_not_joined_loses_the_channel_made_private_and_all_its_later_events() -> None:
    window = rows.shown([rows.to_row(message(1, user_id=ADA))], False)
    cache = {10: {"meta": {"id": 10}, "rows": [], "has_more": False}, 11: {"meta": {"id": 11}, "rows": [], "has_more": False}}
    sidebar = [{"id": 11, "name": "side", "unread": 0, "newest": 0}]
    hidden = ChannelHidden(name="launch", member_ids=[ADA])
    items = [(10, MessageCreated(message=message(2, user_id=ADA))), (10, hidden),
             (10, MessageCreated(message=message(3, user_id=ADA, content="after"))), (10, TypingChanged(user_id=ADA, name="Ada"))]
    bob = dispatch.frame_after(window, sidebar, cache, [], open_channel=10, viewer_id=BOB, items=items, now=1.0)  # type: ignore[arg-type]
    assert bob.left_open and bob.hidden and not bob.made_private
    assert bob.notices == ["#launch is now private: only its members can read it."]
    assert [r["id"] for r in bob.window.rows] == [1, 2] and bob.typing == []  # nothing after the news
    assert list(bob.cache) == [11] and bob.sidebar is sidebar

    # Read earlier and kept among the recent channels while another is open: forgotten quietly.
    elsewhere = dispatch.frame_after(window, sidebar, cache, [], open_channel=11, viewer_id=BOB, items=items, now=1.0)  # type: ignore[arg-type]
    assert elsewhere.hidden and not elsewhere.left_open and elsewhere.notices == [] and list(elsewhere.cache) == [11]

    # A member's open page keeps the channel and its events; only its visibility changes.
    ada = dispatch.frame_after(window, sidebar, cache, [], open_channel=10, viewer_id=ADA, items=items, now=1.0)  # type: ignore[arg-type]
    assert ada.made_private and not (ada.left_open or ada.hidden or ada.notices) and ada.cache is cache
    assert [r["id"] for r in ada.window.rows] == [1, 2, 3]
    member_elsewhere = dispatch.frame_after(window, sidebar, cache, [], open_channel=11, viewer_id=ADA, items=[(10, hidden)])
    assert not member_elsewhere.made_private and member_elsewhere.cache is cache
