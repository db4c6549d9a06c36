"""Any file in a channel, in real browsers on the production-like hub: Ada attaches a
20 MB PDF with "Attach a file" (a pending chip, then a file chip in the message), Bob
downloads it (the same bytes, as an attachment with nosniff), a stranger and a
signed-out browser get 404, and the agent Ada asked answers having read the PDF's
text; a text file's "Preview" opens its first 200 lines as plain text. Screenshots at
1280×800 and 390×844 go to /work/shots/files/."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from neurocache_ui.domain.media import PREVIEW_LINES
from testkit.conversation import Conversation
from testkit.documents import large_pdf
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.ui_audit import audit
from tests.e2e.test_channels import NewContext, SignUp, log, send
from tests.e2e.test_media import READY, last_chat

SHOTS = Path("/work/shots/files")
SAID = "Launch is on the ninth of March."


def attach_file(page: Page, file: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach a file").click()
    chooser.value.set_files(str(file))


def test_a_20_mb_pdf_reaches_bob_and_the_agent_but_no_stranger(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer, hub: HubServer,
    new_context: NewContext, sign_up: SignUp, tmp_path: Path,
) -> None:  # fmt: skip
    ada, bob = in_channel
    pdf = tmp_path / "plan.pdf"
    data = large_pdf(SAID, 20 * 1024 * 1024)
    pdf.write_bytes(data)

    attach_file(ada, pdf)
    chip = ada.get_by_role("group", name="Media to send")
    expect(chip.get_by_text("plan.pdf")).to_be_visible(timeout=60_000)
    fake_provider.configure(reply="The plan says launch is on 9 March.", token_delay=0)
    send(ada, f"@{conversation.agent.slug} when is the launch?")
    expect(chip).to_have_count(0)

    card = log(bob).get_by_role("group", name=re.compile(r"^File plan\.pdf, 20\.0 MB$"))
    expect(card).to_be_visible()
    download = card.get_by_role("link", name="Download plan.pdf")
    url = str(download.get_attribute("href"))
    assert re.fullmatch(r"/media/\d+", url)
    with bob.expect_download() as saved:
        download.click()
    assert saved.value.suggested_filename == "plan.pdf" and Path(saved.value.path()).read_bytes() == data
    got = bob.context.request.get(hub.url + url)
    assert got.status == 200 and got.body() == data
    assert got.headers["content-disposition"].startswith('attachment; filename="plan.pdf"')
    assert got.headers["x-content-type-options"] == "nosniff" and got.headers["content-type"] == "application/pdf"
    expect(card.get_by_role("link", name="Preview plan.pdf")).to_have_attribute("href", url + "/preview")

    # The agent read the PDF's text (through the parse processes) before answering.
    expect(log(bob).get_by_text("The plan says launch is on 9 March.")).to_be_visible(timeout=READY)
    [*_, asked] = [m for m in last_chat(fake_provider)["messages"] if m["role"] == "user"]
    document = next(p["text"] for p in asked["content"] if p["type"] == "text" and p["text"].startswith('[File "plan.pdf"'))
    assert SAID in document, document

    stranger = new_context(base_url=hub.url).new_page()
    sign_up(stranger)
    for path in (url, url + "/preview"):
        assert stranger.context.request.get(hub.url + path).status == 404
    assert new_context(base_url=hub.url).request.get(hub.url + url).status == 404


def test_a_text_files_preview_shows_its_first_lines(in_channel: tuple[Page, Page], tmp_path: Path) -> None:
    ada, bob = in_channel
    notes = tmp_path / "notes.txt"
    notes.write_text("\n".join(f"Note {n}: keep the build green." for n in range(1, 301)), encoding="utf-8")
    attach_file(ada, notes)
    expect(ada.get_by_role("group", name="Media to send").get_by_text("notes.txt")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=SHOTS / "composer-pending-file.png")
    send(ada, "The notes from today")

    card = log(bob).get_by_role("group", name=re.compile(r"^File notes\.txt, \d+ KB$"))
    expect(card).to_be_visible()
    preview = card.get_by_role("link", name="Preview notes.txt")
    preview.focus()
    with bob.context.expect_page() as opened:
        bob.keyboard.press("Enter")  # a link like any other: the keyboard opens it
    shown = opened.value
    shown.wait_for_load_state()
    text = shown.locator("body").inner_text()
    assert text.startswith("Note 1: keep the build green.") and f"Note {PREVIEW_LINES}: keep" in text
    assert f"Note {PREVIEW_LINES + 1}:" not in text and "download the file for the rest" in text
    shown.close()

    for width, height in ((1280, 800), (390, 844)):
        bob.set_viewport_size({"width": width, "height": height})
        card.scroll_into_view_if_needed()
        box = card.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # the chip fits, no sideways scroll
        assert audit(bob).problems() == []
        bob.screenshot(path=SHOTS / f"channel-files-{width}x{height}.png")
