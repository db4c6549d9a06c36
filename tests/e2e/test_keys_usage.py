"""API keys and the live usage dashboard in a real browser, against the
production-like hub (Postgres, Redis, two workers): create a key in /keys (shown
once, then only its prefix), call the API with it, watch /usage count the calls
without reloading, revoke the key and see the API refuse it."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, expect

from testkit.hub import HubServer


def test_create_key_call_api_watch_usage_revoke(hub: HubServer, new_context: Callable[..., BrowserContext], sign_up) -> None:
    context = new_context(base_url=hub.url, permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_up(page)

    page.goto("/keys")
    expect(page.get_by_text("No API keys yet")).to_be_visible()
    page.get_by_role("button", name="Create key").click()
    page.get_by_label("Name").fill("e2e script")
    page.get_by_role("button", name="Create", exact=True).click()
    shown = page.get_by_label("New API key")
    expect(shown).to_be_visible()
    secret = shown.input_value()
    assert secret.startswith("nck_") and len(secret) >= 47
    page.get_by_role("button", name="Copy key").click()
    # The copy is an event answered by the server, so the clipboard fills a moment later.
    page.wait_for_function("async (key) => (await navigator.clipboard.readText()) === key", arg=secret)
    table = page.get_by_role("table")
    expect(table.get_by_text("e2e script")).to_be_visible()
    expect(table.get_by_text(secret[:12] + "…")).to_be_visible()
    assert secret not in table.inner_text()

    # Shown once: after "Done" (or any reload) only the prefix is left.
    page.get_by_role("button", name="Done").click()
    expect(page.get_by_label("New API key")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("table").get_by_text("e2e script")).to_be_visible()
    assert secret not in page.content()

    api = httpx.Client(base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert api.get("/models").status_code == 200

    page.goto("/usage")
    requests = page.get_by_label("Requests", exact=True)
    expect(requests).to_have_text("1")
    page.evaluate("window.__still_the_same_page = true")
    for _ in range(3):
        assert api.get("/channels").status_code == 200
    expect(requests).to_have_text("4")  # live: no reload
    expect(page.get_by_role("table").filter(has_text="Key").get_by_text("e2e script", exact=False)).to_be_visible()
    assert page.evaluate("window.__still_the_same_page === true")
    page.get_by_role("radio", name="Last hour").click()
    expect(requests).to_have_text("4")

    page.goto("/keys")
    page.get_by_role("button", name="Revoke e2e script").click()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("table").get_by_text("Revoked")).to_be_visible()
    refused = api.get("/models")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    api.close()
