"""services.search on Postgres (tsvector + GIN) and SQLite (FTS5): every word must
match (the last as a prefix), any language, only the searcher's channels, keyset
pages without gaps or repeats, and user text that cannot break the query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from neurocache_ui.domain.errors import Invalid
from neurocache_ui.services import channels, messaging, search
from neurocache_ui.store.db import session_scope
from neurocache_ui.store.models import Message
from neurocache_ui.store.repositories.search import START, STOP
from tests.integration.messaging_support import (
    insert_messages,
    make_agent,
    make_channel,
    make_user,
)


def ids(user_id: int, query: str, **kwargs) -> list[int]:
    return [hit.id for hit in search.search_messages(user_id, query, **kwargs).hits]


def marked(hit: search.MessageHit) -> str:
    """The snippet with its highlights in [brackets]."""
    return "".join(f"[{part.text}]" if part.hit else part.text for part in hit.snippet)


def test_every_word_must_match_and_the_last_is_a_prefix(database: str) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    plan = messaging.post_message(channel, user_id=bob, content="The launch plan is ready for review")
    date = messaging.post_message(channel, user_id=ada, content="Launch date moved to Friday")
    messaging.post_message(channel, user_id=ada, content="Nothing to see here")

    assert ids(ada, "launch") == [date.id, plan.id]  # newest first
    assert ids(ada, "launch plan") == [plan.id]  # AND, not OR
    assert ids(ada, "plan launch") == [plan.id]  # word order does not matter
    assert ids(ada, "LAUN") == [date.id, plan.id]  # case-insensitive prefix: results while typing
    assert ids(ada, "laun plan") == []  # only the last word is a prefix
    assert ids(ada, "launch fri") == [date.id]
    assert ids(ada, "launchpad") == []

    hit = search.search_messages(ada, "launch pla").hits[0]
    assert (hit.id, hit.channel_id, hit.author_name, hit.author_kind, hit.thread_id) == (plan.id, channel, "Bob", "user", None)
    assert hit.created_at == plan.created_at
    assert hit.url == f"/channels/{hit.channel_slug}?m={plan.id}"
    assert marked(hit) == "The [launch] [plan] is ready for review"


def test_words_of_any_language_match_as_written(database: str) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    german = messaging.post_message(channel, user_id=ada, content="Viele Grüße aus Berlin")
    russian = messaging.post_message(channel, user_id=ada, content="Привет мир, как дела?")
    french = messaging.post_message(channel, user_id=ada, content="Un café au lait, s'il vous plaît")
    japanese = messaging.post_message(channel, user_id=ada, content="東京 タワー")

    assert ids(ada, "grüße") == [german.id]
    assert ids(ada, "привет мир") == [russian.id]
    assert ids(ada, "ПРИВЕТ") == [russian.id]  # case folds beyond ASCII
    assert ids(ada, "при") == [russian.id]
    assert ids(ada, "café") == [french.id]
    assert ids(ada, "東京") == [japanese.id]
    assert marked(search.search_messages(ada, "grüße").hits[0]) == "Viele [Grüße] aus Berlin"
    # SQLite's FTS5 table folds diacritics; Postgres' 'simple' configuration keeps them.
    assert ids(ada, "cafe") == ([french.id] if database.startswith("sqlite") else [])


def test_only_channels_the_user_belongs_to(database: str) -> None:
    ada, bob = make_user("Ada"), make_user("Bob")
    shared = make_channel(ada, bob)
    bobs_own = make_channel(bob)
    seen = messaging.post_message(shared, user_id=bob, content="quarterly numbers attached")
    hidden = messaging.post_message(bobs_own, user_id=bob, content="quarterly numbers, private draft")

    assert ids(bob, "quarterly") == [hidden.id, seen.id]
    assert ids(ada, "quarterly") == [seen.id]
    assert ids(ada, "private draft") == []
    assert ids(make_user("Eve"), "quarterly") == []

    channels.archive(shared, ada)  # archived channels stay readable, and searchable
    assert ids(ada, "quarterly") == [seen.id]
    channels.leave(shared, bob)  # once gone, gone from search too
    assert ids(bob, "quarterly") == [hidden.id]


def test_thread_replies_and_agents_count_but_not_replies_being_written(database: str) -> None:
    ada = make_user("Ada")
    agent = make_agent(ada, "Scout")
    channel = make_channel(ada)
    root = messaging.post_message(channel, user_id=ada, content="Which vendor should we pick?")
    reply = messaging.post_message(channel, user_id=ada, content="The vendor with the best uptime", thread_id=root.id)
    with session_scope() as session:
        done = Message(channel_id=channel, agent_id=agent, content="Vendor B has better uptime", status="complete")
        streaming = Message(channel_id=channel, agent_id=agent, content="Vendor C uptime is", status="streaming")
        session.add_all([done, streaming])
    hits = search.search_messages(ada, "uptime").hits
    assert [h.id for h in hits] == [done.id, reply.id]
    assert (hits[0].author_name, hits[0].author_kind) == ("Scout", "agent")
    assert hits[1].thread_id == root.id


def test_keyset_pages_neither_overlap_nor_skip(database: str) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    start = datetime.now(UTC) - timedelta(hours=1)
    # 47 matches, some sharing a timestamp (ties are ordered by id), and noise between them.
    times = [start + timedelta(seconds=i // 3) for i in range(47)]
    matching = insert_messages(channel, ada, times, prefix="roadmap item")
    insert_messages(channel, ada, times[:10], prefix="unrelated")
    expected = [m for _, m in sorted(zip(times, matching, strict=True), reverse=True)]

    seen: list[int] = []
    before = None
    pages = 0
    while True:
        page = search.search_messages(ada, "roadmap", before=before, limit=20)
        seen += [hit.id for hit in page.hits]
        pages += 1
        if not page.has_more:
            assert page.next_cursor is None
            break
        assert page.next_cursor == page.hits[-1].cursor
        before = page.next_cursor
    assert pages == 3
    assert seen == expected


@pytest.mark.parametrize(
    "query",
    ["'", '"', "''; DROP TABLE message; --", "a & b | !c", "x:* & (y", '"unbalanced', "NEAR(a b)", "col:term",
     "\\", "a\x00b", "*", "^start", "AND OR NOT", "((((", "x'::tsquery", "  %_  ", "\ue000mark\ue001"],
)
def test_query_syntax_in_user_text_is_harmless(database: str, query: str) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    odd = messaging.post_message(channel, user_id=ada, content=f"odd text: {query} and a b c x y term start mark")
    try:
        page = search.search_messages(ada, query)
    except Invalid as error:  # nothing but punctuation
        assert str(error) == search.NO_WORDS
        return
    assert [hit.id for hit in page.hits] in ([odd.id], [])
    with session_scope() as session:  # the table is still there
        assert session.connection().execute(sa.select(sa.func.count()).select_from(Message)).scalar()


def test_unusable_queries_and_positions_are_invalid(database: str) -> None:
    ada = make_user("Ada")
    for query in ["", "   ", "!!!", "&|:*()", "\x00", "_"]:
        with pytest.raises(Invalid) as caught:
            search.search_messages(ada, query)
        assert str(caught.value) == search.NO_WORDS
    with pytest.raises(Invalid, match="at most 200"):
        search.search_messages(ada, "word " * 41)
    for before in ["nonsense", "1_2_3", "99999999999999999999_1", "5_0", "5_99999999999999999999"]:
        with pytest.raises(Invalid, match="next_cursor"):
            search.search_messages(ada, "word", before=before)
    with pytest.raises(Invalid):
        search.search_messages(ada, "word", limit=0)


def test_snippets_are_short_plain_text(database: str) -> None:
    ada = make_user("Ada")
    channel = make_channel(ada)
    filler = " ".join(f"filler{i}" for i in range(200))
    long = messaging.post_message(channel, user_id=ada, content=f"{filler} needle <b>bold</b> {filler}")
    sneaky = messaging.post_message(channel, user_id=ada, content=f"{START}fake{STOP} highlight near the needle")

    hits = {hit.id: hit for hit in search.search_messages(ada, "needle").hits}
    text = marked(hits[long.id])
    assert "[needle]" in text and "bold" in text  # plain text (Postgres' headline drops tag-like words)
    assert text.startswith("…") and text.endswith("…")
    assert len(text) <= search.SNIPPET_CHARS + 10
    assert "[fake]" not in marked(hits[sneaky.id])
    assert not any(START in p.text or STOP in p.text for hit in hits.values() for p in hit.snippet)


def test_the_words_said_in_a_video_or_voice_message_find_it(database: str) -> None:
    """A transcript (services/media/ writes it when processing ends) is searched like
    the text, for members only, with a snippet of what was said."""
    from neurocache_ui.store.media_models import Media

    ada, bob = make_user("Ada"), make_user("Bob")
    channel = make_channel(ada, bob)
    voice = messaging.post_message(channel, user_id=bob, content="listen")
    typed = messaging.post_message(channel, user_id=ada, content="the giraffe budget is approved")
    with session_scope() as session:
        for kind, said in (("voice", "we should feed the giraffe before the launch"), ("video", "")):
            session.add(Media(channel_id=channel, message_id=voice.id, kind=kind, content_type="audio/webm",
                              filename="memo.webm", status="ready", transcript_text=said))
    assert ids(ada, "giraffe") == [typed.id, voice.id]
    assert ids(ada, "feed gira") == [voice.id]
    [hit] = search.search_messages(ada, "feed giraffe").hits
    assert marked(hit) == "we should [feed] the [giraffe] before the launch"
    assert ids(make_user("Eve"), "giraffe") == []
    with session_scope() as session:  # a new transcript is found at once, the old words no more
        session.execute(sa.update(Media).where(Media.message_id == voice.id).values(transcript_text="zebra crossing"))
    assert ids(ada, "feed") == [] and ids(ada, "zebra") == [voice.id]
