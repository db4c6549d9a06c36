"""An agent's versions through the API: created on every save that changes it,
restored as a new version, and nobody else's business (404)."""

from __future__ import annotations

from collections.abc import Callable

from tests.api.conftest import Caller
from tests.api.test_keys import assert_openai_error


def test_every_save_is_a_version_and_restore_makes_a_new_one(caller: Caller, new_caller: Callable[..., Caller]) -> None:
    with caller.http() as http:
        assert http.post("/agents", json={"name": "Critic", "instructions": "Be brief."}).status_code == 201
        assert http.patch("/agents/critic", json={"instructions": "Be brief.\nCite sources.", "temperature": 0.2}).status_code == 200
        assert http.patch("/agents/critic", json={"temperature": 0.2}).status_code == 200  # no change: no version
        listed = http.get("/agents/critic/versions").json()
        assert [v["number"] for v in listed["data"]] == [2, 1] and not listed["has_more"]
        assert listed["data"][0]["author"].startswith("Ada") and listed["data"][0]["settings"]["temperature"] == 0.2
        assert http.get("/agents/critic").json()["version"] == 2
        first = http.get("/agents/critic/versions/1").json()
        assert first["settings"]["instructions"] == "Be brief." and "created_at" in first

        page = http.get("/agents/critic/versions", params={"limit": 1}).json()
        assert [v["number"] for v in page["data"]] == [2] and page["has_more"]

        restored = http.post("/agents/critic/versions/1/restore")
        assert restored.status_code == 200, restored.text
        assert restored.json()["instructions"] == "Be brief." and restored.json()["version"] == 3
        assert http.get("/agents/critic/versions/3").json()["settings"] == first["settings"]

        assert_openai_error(http.get("/agents/critic/versions/9"), 404)
        assert_openai_error(http.post("/agents/critic/versions/9/restore"), 404)
        assert_openai_error(http.get("/agents/critic/versions/0"), 422)

    stranger = new_caller("Mallory")
    with stranger.http() as http:
        for response in (
            http.get("/agents/critic/versions"),
            http.get("/agents/critic/versions/1"),
            http.post("/agents/critic/versions/1/restore"),
        ):
            assert_openai_error(response, 404)
