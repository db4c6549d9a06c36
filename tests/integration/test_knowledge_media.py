"""Video and audio as knowledge, on Postgres and SQLite with the fake provider: what is
said (the transcript) and what is seen (frames described by the default model) become
timestamped passages the agent's search finds; the description's tokens are the
owner's usage; without a speech model or provider the file fails with the reason."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from neurocache_ui.services import knowledge
from neurocache_ui.services.knowledge import worker
from neurocache_ui.services.usage import reports
from neurocache_ui.store.models import utcnow
from testkit import media as testmedia
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import make_agent, make_user
from tests.integration.test_knowledge_ingest import chunks

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def owner(unshared_database: str, use_settings, fake_provider: FakeOpenAIServer) -> tuple[int, int]:
    use_settings(**fake_provider.env(), NEUROCACHE_LLM_MAX_RETRIES="0", NEUROCACHE_TRANSCRIPTION_MODEL="whisper-1")
    user = make_user("Ada")
    return user, make_agent(user, "Archivist")


def drain() -> None:
    while asyncio.run(worker.run_once()):
        pass


def test_a_video_is_learnt_as_what_is_said_and_seen_at_each_moment(
    owner: tuple[int, int], fake_provider: FakeOpenAIServer
) -> None:
    user, agent = owner
    fake_provider.configure(
        transcript="The gondola launch moves to March.",
        reply="[00:00] A red title card.\n[00:01] A green chart of sales.\nnot a frame line\n[00:03] A blue map of Lisbon.",
    )
    knowledge.enqueue_files(user, agent, [("briefing.mp4", testmedia.video_bytes(seconds=4))])
    drain()
    [view] = knowledge.list_documents(user, agent)
    assert (view.status, view.status_reason) == ("ready", "")
    text = "\n".join(content for _, content in chunks(view.id))
    assert text.startswith("Video: briefing.mp4, 00:04 long.\n[00:00] Said: The gondola launch moves to March.")
    assert "[00:01] Seen: A green chart of sales." in text and "[00:03] Seen: A blue map of Lisbon." in text
    assert "not a frame line" not in text
    described = [r for r in fake_provider.requests() if r["path"] == "/v1/chat/completions"]
    [asked] = [r["body"]["messages"][0]["content"] for r in described]
    assert [p["type"] for p in asked[:3]] == ["text", "text", "image_url"] and asked[1]["text"] == "Frame at [00:00]:"
    [hit] = knowledge.search(agent, "When is the gondola launch?", 1)
    assert hit.filename == "briefing.mp4"
    [used] = reports.summarize(user, utcnow() - timedelta(hours=1))  # transcript and description are Ada's usage
    assert used.requests == 2 and used.prompt_tokens > 0


def test_audio_is_learnt_from_its_transcript_and_without_a_speech_model_fails_with_the_reason(
    owner: tuple[int, int], fake_provider: FakeOpenAIServer, use_settings
) -> None:
    user, agent = owner
    fake_provider.configure(transcript="Invoices are due on the fifth.")
    knowledge.enqueue_files(user, agent, [("memo.wav", testmedia.audio_bytes(seconds=2))])
    drain()
    [view] = knowledge.list_documents(user, agent)
    assert view.status == "ready"
    assert "\n".join(c for _, c in chunks(view.id)) == "Audio: memo.wav, 00:02 long.\n[00:00] Said: Invoices are due on the fifth."

    use_settings(NEUROCACHE_TRANSCRIPTION_MODEL=None)
    knowledge.enqueue_files(user, agent, [("later.wav", testmedia.audio_bytes(seconds=1)), ("broken.mp4", b"not a video")])
    drain()
    reasons = {d.filename: (d.status, d.status_reason) for d in knowledge.list_documents(user, agent)}
    assert reasons["later.wav"][0] == "failed" and "this hub cannot transcribe it" in reasons["later.wav"][1]
    assert reasons["broken.mp4"][0] == "failed" and "could not be read" in reasons["broken.mp4"][1]
