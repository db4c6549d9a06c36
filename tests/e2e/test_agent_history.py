"""The agent page's History tab in a browser: saves make versions, two versions
compare field by field with the instructions as a line diff, Restore makes a new
version and the form shows its settings; at 390 px wide too."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from testkit.hub import HubServer
from tests.e2e.test_agents import NewContext, SignUp, create_agent, signed_in


def save_settings(page: Page, instructions: str, temperature: str | None = None) -> None:
    page.get_by_role("tab", name="Settings").click()
    page.get_by_label("Instructions", exact=True).fill(instructions)
    if temperature is not None:
        page.get_by_label("Description", exact=True).fill(f"Runs at {temperature}")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved", exact=True).first).to_be_visible()


def test_history_compares_and_restores_versions(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Editor", instructions="Fix typos.\nKeep the tone.")
    save_settings(page, "Fix typos.\nKeep the tone.\nFlag long sentences.", temperature="0.2")

    page.get_by_role("tab", name="History").click()
    versions = page.get_by_role("list", name="Versions")
    expect(versions.get_by_role("listitem")).to_have_count(2)
    expect(versions.get_by_role("listitem").first).to_contain_text("v2")
    expect(versions.get_by_role("listitem").first).to_contain_text("Current")
    # v1 → v2: the description row, and the added instruction line.
    changed = page.get_by_role("table", name="Changed settings")
    expect(changed.get_by_role("row", name="Description")).to_contain_text("Runs at 0.2")
    diff = page.get_by_role("group", name="Instructions diff")
    expect(diff).to_contain_text("added: Flag long sentences.")
    expect(diff).to_contain_text("Keep the tone.")
    page.screenshot(path="test-artifacts/screens/agent-history-1280.png", full_page=True)

    versions.get_by_role("button", name="Restore v1").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Restore").click()
    expect(page.get_by_text("Version 1 restored as version 3")).to_be_visible()
    expect(versions.get_by_role("listitem")).to_have_count(3)
    expect(versions.get_by_role("listitem").first).to_contain_text("v3")
    expect(diff).to_contain_text("removed: Flag long sentences.")  # v2 → v3
    page.get_by_role("tab", name="Settings").click()
    expect(page.get_by_label("Instructions", exact=True)).to_have_value("Fix typos.\nKeep the tone.")

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("tab", name="History").click()
    expect(versions.get_by_role("listitem")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path="test-artifacts/screens/agent-history-390.png", full_page=True)
