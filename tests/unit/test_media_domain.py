"""Media rules without I/O: which files are media, moments as people write them,
refs surviving every stored form, and what an agent is told of a file."""

from __future__ import annotations

from datetime import UTC, datetime

from neurocache_ui.domain import media_prompts
from neurocache_ui.domain.media import TIMESTAMP, MediaRef, clock, content_type_of, kind_of, media_of, seconds_of
from neurocache_ui.domain.messages import MessageView


def test_files_are_media_by_name_and_served_as_their_name_says() -> None:
    assert [kind_of(n) for n in ("a.MP4", "b.mov", "c.mkv", "d.mp3", "e.m4a", "f.wav", "g.ogg", "h.txt", "noext")] == [
        "video", "video", "video", "audio", "audio", "audio", "audio", None, None,
    ]
    assert kind_of("voice.webm", "audio/webm;codecs=opus") == "audio" and kind_of("clip.webm", "video/webm") == "video"
    assert content_type_of("voice.webm", "voice") == "audio/webm" and content_type_of("x.mov", "video") == "video/quicktime"


def test_moments_are_written_and_read_like_people_do() -> None:
    assert [clock(ms) for ms in (0, 2_400, 83_000, 3_723_000, -5)] == ["00:00", "00:02", "01:23", "1:02:03", "00:00"]
    found = [seconds_of(m) for m in TIMESTAMP.finditer("at [00:02], then [1:23] and [1:02:03]; not [123] or [1:2]")]
    assert found == [2, 83, 3723]


def test_a_message_keeps_its_media_through_every_form() -> None:
    ref = MediaRef(7, "voice", "memo.webm", 4200, "ready", 100, "", True)
    view = MessageView(1, 2, 3, None, "Ada", "user", "", "complete", datetime(2026, 12, 7, tzinfo=UTC), None, media=(ref,))
    assert MessageView.from_row(view.to_row()) == view
    assert MessageView.from_dict(view.to_dict()) == view
    assert MessageView.from_json(view.to_json()).media == (ref,)
    assert media_of([[7, "voice", "memo.webm"]]) == (MediaRef(7, "voice", "memo.webm"),)
    assert ref.url == "/media/7" and ref.poster_url == "/media/7/poster"


def test_an_agent_is_told_what_a_file_is_and_what_was_said_within_a_budget() -> None:
    ref = MediaRef(1, "video", "demo.mp4", 65_000, "ready", 100, "", True)
    said = [(i * 1000, i * 1000 + 900, f"word{i}  spaced") for i in range(400)]
    text = media_prompts.describe(media_prompts.Watched(ref, [(0, "data:x"), (2000, "data:y")], said))
    assert text.startswith('[Video "demo.mp4", 01:05 long, 2 frames below. Cite moments as [mm:ss].]\nTranscript:\n[00:00] word0 spaced\n')
    assert len(text) < media_prompts.TRANSCRIPT_CHARS + 300 and text.endswith("more segments, not shown)")
    parts = media_prompts.parts(media_prompts.Watched(ref, [(2000, "data:y")], said[:1]))
    assert parts[1:] == [{"type": "text", "text": "Frame at 00:02:"}, {"type": "image_url", "image_url": {"url": "data:y"}}]
    quiet = media_prompts.describe(media_prompts.Watched(MediaRef(2, "audio", "a.wav", 1000, "ready"), note="no model is set up."))
    assert quiet.endswith("No transcript: no model is set up.")
    busy = media_prompts.describe(media_prompts.Watched(MediaRef(3, "voice", "v.webm", 1000, "processing")))
    assert "still being processed" in busy
    broken = media_prompts.describe(media_prompts.Watched(MediaRef(4, "video", "b.mp4", 0, "failed", 0, "corrupt file")))
    assert broken.endswith("it could not be processed (corrupt file).]")
