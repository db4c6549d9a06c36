"""Video and voice in a channel, in real browsers on the production-like hub: Ada attaches
a generated video (upload progress, a pending chip), Bob sees the player, its processing
line, then a ready video that plays by range requests; the agent's "[00:02]" seeks it;
a voice message recorded with Chromium's fake microphone reaches Bob with its
transcript; a stranger gets 404; a missing or refused microphone says so. Screenshots of the
channel with both, on a laptop and a phone, go to test-artifacts/screens/."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, expect

from neurocache_ui.services import agents
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.media import video_bytes
from testkit.servers import PROJECT_ROOT
from tests.e2e.test_channels import NewContext, SignUp, log, send

SCREENS = PROJECT_ROOT / "test-artifacts" / "screens"
READY = 60_000  # processing a few seconds of video on a machine other tests share
SPOKEN = "The blue slide shows the launch date."


@pytest.fixture(scope="module")
def microphone_browser(playwright: Playwright, browser_calls: Callable[[], AbstractContextManager[None]]) -> Iterator[Browser]:
    """A Chromium whose microphone is its fake device, allowed without asking."""
    with browser_calls():
        launched = pages.launch(playwright, *pages.FAKE_MICROPHONE)
    yield launched
    with browser_calls():
        launched.close()


def watch_texts(page: Page, selector: str) -> None:
    """Keep every text an element matching `selector` shows, however briefly (read with `seen`)."""
    page.evaluate(
        """selector => {
            window.__seen = [];
            const note = () => document.querySelectorAll(selector).forEach(e => window.__seen.push(e.textContent));
            new MutationObserver(note).observe(document.body, {subtree: true, childList: true, characterData: true});
        }""",
        selector,
    )


def seen(page: Page) -> list[str]:
    return page.evaluate("window.__seen")


def attach_media(page: Page, file: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach video or audio").click()
    chooser.value.set_files(str(file))


def test_a_video_plays_for_bob_and_a_cited_moment_seeks_it(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer, hub: HubServer,
    new_context: NewContext, sign_up: SignUp, tmp_path: Path,
) -> None:  # fmt: skip
    ada, bob = in_channel
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(video_bytes(seconds=4))
    watch_texts(ada, "[role=status]")
    watch_texts(bob, "figure [role=status]")

    attach_media(ada, clip)
    chip = ada.get_by_role("group", name="Media to send")
    expect(chip.get_by_text("clip.mp4")).to_be_visible()
    expect(chip.get_by_text("00:04")).to_be_visible()
    assert any(re.fullmatch(r"Uploading clip\.mp4 \d+%", text) for text in seen(ada))

    fake_provider.configure(reply="The red frame comes first, then blue at [00:02].", token_delay=0)
    send(ada, f"@{conversation.agent.slug} what happens in this clip?")
    expect(chip).to_have_count(0)

    figure = log(bob).locator("figure[data-media-id]")
    expect(figure).to_have_count(1)
    expect(figure.locator("video")).to_have_attribute("preload", "metadata")
    expect(figure).to_have_attribute("data-status", "ready", timeout=READY)
    assert any(re.fullmatch(r"Processing video \d+%", text) for text in seen(bob))
    video = figure.locator("video")
    expect(video).to_have_attribute("poster", re.compile(r"^/media/\d+/poster$"))
    bob.wait_for_function("v => v.readyState >= 1 && v.duration > 3.5 && v.duration < 4.5", arg=video.element_handle())

    url = str(video.get_attribute("src"))
    part = bob.context.request.get(hub.url + url, headers={"Range": "bytes=0-99"})
    assert part.status == 206 and len(part.body()) == 100
    assert part.headers["content-range"].startswith("bytes 0-99/") and part.headers["content-type"] == "video/mp4"

    moment = log(bob).get_by_role("link", name="00:02")
    expect(moment).to_be_visible(timeout=READY)
    # The agent watched: the video's frames, each after its moment, and its transcript.
    [*_, asked] = [m for m in last_chat(fake_provider)["messages"] if m["role"] == "user"]
    labels = [p["text"] for p in asked["content"] if p["type"] == "text" and p["text"].startswith("Frame at")]
    assert len(labels) >= 3 and all(re.fullmatch(r"Frame at 00:0[0-3]:", label) for label in labels), labels
    assert sum(p["type"] == "image_url" for p in asked["content"]) == len(labels)
    assert "Transcript:\n[00:00] Words at second 0." in asked["content"][1]["text"]
    moment.focus()
    bob.keyboard.press("Enter")  # keyboard first: a link like any other
    bob.wait_for_function("v => !v.paused && v.currentTime >= 1.9 && v.currentTime < 3.5", arg=video.element_handle())
    video.evaluate("v => { v.pause(); v.currentTime = 0; }")
    moment.click()
    bob.wait_for_function("v => v.currentTime >= 1.9 && v.currentTime < 3.5", arg=video.element_handle())

    stranger = new_context(base_url=hub.url).new_page()
    sign_up(stranger)
    for path in (url, f"{url}/poster", f"{url}/transcript"):
        assert stranger.context.request.get(hub.url + path).status == 404
    assert new_context(base_url=hub.url).request.get(hub.url + url).status == 404


def test_a_voice_message_reaches_bob_with_its_transcript(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer, hub: HubServer,
    microphone_browser: Browser, tmp_path: Path,
) -> None:  # fmt: skip
    _, bob = in_channel
    fake_provider.configure(transcript=SPOKEN, reply="Noted: the blue slide has the date.", token_delay=0)
    agents.update_agent(conversation.owner.id, conversation.agent.id, {"reply_mode": "all"})  # it answers a voice message
    ada = microphone_browser.new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(ada, conversation.owner.id, conversation.url)

    ada.get_by_role("button", name="Record a voice message").click()
    recording = ada.get_by_role("group", name="Recording a voice message")
    expect(recording.get_by_role("timer")).to_have_text(re.compile(r"0:0[2-9]"))
    expect(recording.get_by_role("meter", name="Microphone level")).to_be_visible()
    recording.get_by_role("button", name="Stop and send").click()
    expect(recording).to_have_count(0)

    figure = log(bob).locator("figure[data-media-id]").filter(has=bob.locator("audio"))
    expect(figure).to_have_count(1)
    expect(figure).to_have_attribute("data-status", "ready", timeout=READY)
    figure.get_by_role("button", name="Show transcript").click()
    transcript = figure.get_by_role("region", name=re.compile("^Transcript of voice-"))
    expect(transcript).to_contain_text("launch date")
    transcript.get_by_role("button", name=re.compile(r"^Play from 00:0\d$")).first.click()
    bob.wait_for_function("a => !a.paused", arg=figure.locator("audio").element_handle())
    # The agent answered it from its transcript.
    expect(log(bob).get_by_text("Noted: the blue slide has the date.")).to_be_visible(timeout=READY)
    [*_, heard] = [m for m in last_chat(fake_provider)["messages"] if m["role"] == "user"]
    assert SPOKEN in heard["content"][1]["text"] and heard["content"][1]["text"].startswith("[Voice message")

    clip = tmp_path / "demo.webm"
    clip.write_bytes(video_bytes(seconds=3, container="webm"))
    attach_media(ada, clip)
    expect(ada.get_by_role("group", name="Media to send").get_by_text("demo.webm")).to_be_visible()
    send(ada, "The demo, for the screenshots")
    demo = log(bob).locator("figure[data-media-id]").filter(has=bob.locator("video"))
    expect(demo).to_have_attribute("data-status", "ready", timeout=READY)
    screenshots(bob, figure, demo.locator("video"))

    # Bob's browser has no microphone (or none it may use): the composer says so.
    bob.get_by_role("button", name="Record a voice message").click()
    refused = re.compile("No microphone was found|Microphone access was refused")
    expect(bob.get_by_role("alert").filter(has_text=refused)).to_be_visible()


def last_chat(provider: FakeOpenAIServer) -> dict:
    """The newest chat completion the provider was asked for (transcriptions aside)."""
    return [r["body"] for r in provider.requests() if r["path"] == "/v1/chat/completions"][-1]


def screenshots(page: Page, voice: Locator, video: Locator) -> None:
    """The channel with its 20+ messages, a voice message and a video, at both sizes."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 800), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        voice.evaluate("e => e.scrollIntoView({block: 'start'})")
        page.wait_for_function("v => v.readyState >= 1", arg=video.element_handle())
        box = video.bounding_box()
        assert box is not None and box["width"] <= width - 40  # fits beside the avatar, no sideways scroll
        page.screenshot(path=SCREENS / f"channel-media-{width}x{height}.png")
