"""The key dialog's limits in a real browser against the production-like hub: a key
made with only `read` ticked lists as "read", can read over the API and gets 403 naming
`chat` when it asks an agent; a misspelt channel is refused with a message in the
dialog. Screenshots of the dialog and the list at 1280×800 and 390×844 go to
test-artifacts/screens/, and both pass the UI audit."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.settings import PROJECT_ROOT
from testkit.hub import HubServer
from testkit.ui_audit import audit

SCREENS = PROJECT_ROOT / "test-artifacts" / "screens"


def _open_dialog(page: Page, name: str) -> None:
    page.get_by_role("button", name="Create key").click()
    page.get_by_label("Name", exact=True).fill(name)


def test_read_only_key_from_the_dialog_is_refused_for_chat(
    hub: HubServer, new_context: Callable[..., BrowserContext], sign_up
) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    context = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_up(page)
    page.goto("/keys")
    expect(page.get_by_text("No API keys yet")).to_be_visible()

    _open_dialog(page, "typo")
    page.get_by_label("Only these channels (optional)").fill("no-such-room")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_role("dialog").get_by_text("No channel you are in has the slug 'no-such-room'")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()

    _open_dialog(page, "dashboard reader")
    dialog = page.get_by_role("dialog")
    for scope in ("chat", "read", "write"):
        expect(dialog.get_by_role("checkbox", name=scope)).to_be_checked()  # every scope by default
    dialog.get_by_role("checkbox", name="chat").click()
    dialog.get_by_role("checkbox", name="write").click()
    page.get_by_label("Monthly budget (optional)").fill("500")
    page.screenshot(path=str(SCREENS / "key-dialog-1280.png"))
    assert audit(page, popup=dialog).problems() == []
    page.get_by_role("button", name="Create", exact=True).click()
    secret = page.get_by_label("New API key").input_value()
    assert secret.startswith("nck_")
    row = page.get_by_role("row").filter(has_text="dashboard reader")
    expect(row.get_by_role("cell", name="read", exact=True)).to_be_visible()
    expect(row.get_by_text("All agents and channels")).to_be_visible()
    expect(row.get_by_text("0 / 500 calls")).to_be_visible()
    page.screenshot(path=str(SCREENS / "key-list-1280.png"), full_page=True)
    assert audit(page).problems() == []

    with httpx.Client(base_url=f"{hub.url}/api/v1", headers={"Authorization": f"Bearer {secret}"}, timeout=30) as api:
        assert api.get("/models").status_code == 200
        refused = api.post("/chat/completions", json={"model": "agent:anyone", "messages": [{"role": "user", "content": "hi"}]})
        assert refused.status_code == 403, refused.text
        error = refused.json()["error"]
        assert error["code"] == "insufficient_scope" and "lacks the 'chat' scope" in error["message"]
        assert api.post("/channels", json={"name": "Nope"}).json()["error"]["code"] == "insufficient_scope"

    phone = new_context(base_url=hub.url, viewport={"width": 390, "height": 844}, storage_state=context.storage_state()).new_page()
    phone.goto("/keys")
    expect(phone.get_by_role("row").filter(has_text="dashboard reader")).to_be_visible()
    phone.screenshot(path=str(SCREENS / "key-list-390.png"), full_page=True)
    assert audit(phone).problems() == []
    _open_dialog(phone, "phone key")
    phone.screenshot(path=str(SCREENS / "key-dialog-390.png"))
    assert audit(phone, popup=phone.get_by_role("dialog")).problems() == []
