"""Knowledge documents through the agent page in a real browser: upload with the
file chooser, see them listed with their passages, refuse an unsupported file with
a clear message, delete one. Retrieval itself is tested in tests/integration."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from tests.e2e.conftest import Account, HubServer
from tests.e2e.test_agents import create_agent, signed_in

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]


def test_upload_list_and_delete_documents(new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Librarian")
    page.get_by_role("tab", name="Knowledge").click()
    expect(page.get_by_text("No documents yet")).to_be_visible()

    notes = tmp_path / "tides.md"
    notes.write_text("# Tides\n\nSpring tides happen at new and full moon.\n\nNeap tides happen at quarter moons.\n")
    faq = tmp_path / "faq.txt"
    faq.write_text("The harbour office opens at seven in the morning.")
    page.locator("#knowledge-upload input[type=file]").set_input_files([str(notes), str(faq)])
    page.get_by_role("button", name="Upload").click()
    table = page.get_by_role("table")
    expect(table.get_by_text("tides.md")).to_be_visible()
    expect(table.get_by_text("faq.txt")).to_be_visible()

    page.reload()
    page.get_by_role("tab", name="Knowledge").click()
    expect(page.get_by_role("table").get_by_text("tides.md")).to_be_visible()

    page.get_by_role("button", name="Delete faq.txt").click()
    expect(page.get_by_role("table").get_by_text("faq.txt")).to_have_count(0)
    expect(page.get_by_role("table").get_by_text("tides.md")).to_be_visible()


def test_an_empty_document_is_refused_with_a_clear_message(new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Picky")
    page.get_by_role("tab", name="Knowledge").click()
    empty = tmp_path / "empty.txt"
    empty.write_text("   ")
    page.locator("#knowledge-upload input[type=file]").set_input_files(str(empty))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert").filter(has_text="empty.txt")).to_be_visible()
    expect(page.get_by_text("No documents yet")).to_be_visible()
