"""POST /api/v1/embeddings with the official `openai` client against the production-like
hub: the vectors are the ones knowledge stores for the same text, float and base64
agree, similar texts are closer, the limits are clear 422s, and GET /models lists it."""

from __future__ import annotations

import base64
import time

import numpy as np
import openai
import pytest
import sqlalchemy as sa

from neurocache_ui.domain.limits import EMBEDDING_INPUT_CHARS_MAX, EMBEDDING_INPUTS_MAX
from neurocache_ui.services import agents
from neurocache_ui.store.db import get_engine
from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error

FERRIES = "Ferries to the island leave at seven in the morning and return at six in the evening."


def test_vectors_equal_what_knowledge_stores_and_similar_texts_are_closer(caller: Caller) -> None:
    slug = agents.create_agent(caller.user_id, {"name": "Harbourmaster"}).slug
    with caller.http() as http:
        uploaded = http.post(f"/agents/{slug}/knowledge", files=[("files", ("ferries.txt", FERRIES.encode(), "text/plain"))])
        assert uploaded.status_code == 202, uploaded.text
        deadline = time.monotonic() + 60
        while http.get(f"/agents/{slug}/knowledge").json()["data"][0]["status"] != "ready":
            assert time.monotonic() < deadline
            time.sleep(0.3)
    with get_engine().connect() as conn:
        content, stored = conn.execute(sa.text(
            "SELECT c.content, c.embedding FROM knowledge_chunk c JOIN knowledge_document d ON d.id = c.document_id "
            "JOIN agent a ON a.id = d.agent_id WHERE a.owner_id = :u AND a.slug = :s"), {"u": caller.user_id, "s": slug}).one()
    assert content == FERRIES  # one passage, whose title is in its text: embedded as it is

    client = caller.openai()
    texts = [FERRIES, "Boats to the island depart early in the morning.", "Quarterly tax returns are due in April."]
    made = client.embeddings.create(model="default", input=texts, encoding_format="float")
    assert made.object == "list" and [d.index for d in made.data] == [0, 1, 2] and made.model == "wordllama-256"
    assert made.usage.prompt_tokens > 0 and made.usage.total_tokens == made.usage.prompt_tokens
    vectors = np.asarray([d.embedding for d in made.data], dtype=np.float32)
    assert np.allclose(vectors[0], np.frombuffer(stored, dtype="<f4"), atol=1e-6)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]

    # The client's default (base64) decodes to the same floats; a single string works too.
    decoded = client.embeddings.create(model="wordllama-256", input=FERRIES)
    assert np.allclose(np.asarray(decoded.data[0].embedding, dtype=np.float32), vectors[0], atol=1e-6)
    with caller.http() as http:
        raw = http.post("/embeddings", json={"input": FERRIES, "encoding_format": "base64"}).json()
    assert np.array_equal(np.frombuffer(base64.b64decode(raw["data"][0]["embedding"]), dtype="<f4"), vectors[0])


def test_models_lists_the_embedding_model_and_unknown_models_are_404(caller: Caller) -> None:
    client = caller.openai()
    assert "wordllama-256" in {m.id for m in client.models.list()}
    assert client.models.retrieve("wordllama-256").owned_by == "hub"
    with pytest.raises(openai.NotFoundError) as missing:
        client.embeddings.create(model="text-embedding-3-large", input="x")
    assert missing.value.code == "model_not_found" and "'default'" in missing.value.message


def test_input_limits_are_clear_422s(caller: Caller) -> None:
    with caller.http() as http:
        for body, words in (
            ({"input": ["x"] * (EMBEDDING_INPUTS_MAX + 1)}, f"At most {EMBEDDING_INPUTS_MAX} texts"),
            ({"input": ["fine", "y" * (EMBEDDING_INPUT_CHARS_MAX + 1)]}, "Text 1 has"),
            ({"input": []}, "at least one text"),
            ({"input": ["ok", ""]}, "Text 1 is empty"),
            ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
            ({"input": [1, 2, 3]}, "input"),
        ):
            error = assert_openai_error(http.post("/embeddings", json=body), 422)
            assert words in error["message"], (body, error)
