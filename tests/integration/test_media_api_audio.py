"""Audio in chat completions (OpenAI's `input_audio` parts), over the real routes on
real stores with the fake provider: the audio is transcribed and the agent's model
gets the timestamped transcript as a text part; malformed audio, too many parts and
a hub without a speech-to-text model are refused with clear 422s."""

from __future__ import annotations

import base64
import uuid

import httpx
import pytest

from neurocache_ui.api.app import create_app
from neurocache_ui.services import agents, api_keys, auth
from testkit import media as testmedia
from testkit.fake_provider import FakeOpenAIServer
from tests.integration.messaging_support import Stores, setup_stores

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["postgres+redis", "sqlite+memory"])
def stores(request: pytest.FixtureRequest, use_settings, fake_provider: FakeOpenAIServer) -> Stores:
    return setup_stores(
        request, use_settings, request.param, **fake_provider.env(),
        NEUROCACHE_LLM_MAX_RETRIES="0", NEUROCACHE_TRANSCRIPTION_MODEL="whisper-1",
    )


def asked(audio: bytes | str, fmt: str = "wav", parts: int = 1) -> dict:
    data = audio if isinstance(audio, str) else base64.b64encode(audio).decode()
    sound = {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
    return {"role": "user", "content": [{"type": "text", "text": "What do I say?"}, *[sound] * parts]}


async def test_input_audio_reaches_the_agent_as_its_transcript(
    stores: Stores, use_settings, fake_provider: FakeOpenAIServer
) -> None:
    ada = auth.create_user(name="Ada", email=f"{uuid.uuid4().hex}@example.com", password="analytical engine 1843")
    agent = agents.create_agent(ada.id, {"name": "Ear", "slug": f"ear{uuid.uuid4().hex[:6]}", "model": "fake-model"})
    key, _ = api_keys.create_key(ada.id, "ada")
    headers = {"Authorization": f"Bearer {key}"}
    fake_provider.configure(transcript="Ship it on Friday.", reply="Friday it is.")
    body = {"model": f"agent:{agent.slug}", "messages": [asked(testmedia.audio_bytes(seconds=2))]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://hub.test") as http:
        answer = await http.post("/api/v1/chat/completions", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["choices"][0]["message"]["content"] == "Friday it is."
        [user] = [m for m in fake_provider.last_body()["messages"] if m["role"] == "user"]
        assert user["content"] == "What do I say?\n[Audio, 00:02 long. Transcript:]\n[00:00] Ship it on Friday."
        assert any(r["path"] == "/v1/audio/transcriptions" for r in fake_provider.requests())

        refusals = {
            "format must be one of: wav, mp3": [asked(testmedia.audio_bytes(seconds=1), fmt="flac")],
            "data must be the audio as base64": [asked("not base64!!")],
            "at most 4 audio parts": [asked(testmedia.audio_bytes(seconds=1), parts=5)],
            "could not be read": [asked(b"plain text, not sound")],
        }
        for reason, messages in refusals.items():
            refused = await http.post("/api/v1/chat/completions", json={**body, "messages": messages}, headers=headers)
            assert refused.status_code == 422 and reason in refused.text, (reason, refused.text)

        use_settings(NEUROCACHE_TRANSCRIPTION_MODEL=None)
        refused = await http.post("/api/v1/chat/completions", json=body, headers=headers)
        assert refused.status_code == 422 and "no speech-to-text model" in refused.text
