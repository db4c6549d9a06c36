"""Video and voice beyond the channel's composer, in real browsers on the production-like
hub: in an agent's Try it chat the owner attaches a generated video, sees it processed,
and the answer watched its frames and heard its transcript (a cited moment seeks the
player); nobody else gets the file. In a thread, a voice message recorded with
Chromium's fake microphone reaches the other person's thread panel with its transcript,
and the agent answering in the thread heard it. Screenshots go to test-artifacts/screens/
(and /work/shots/media2/ when that folder exists)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect

from neurocache_ui.services import agents
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from testkit.media import video_bytes
from tests.e2e.test_media import (  # noqa: F401 (microphone_browser is a fixture)
    READY,
    SCREENS,
    attach_media,
    last_chat,
    microphone_browser,
    seen,
    watch_texts,
)
from tests.e2e.test_threads import open_thread_on, thread

SIZES = ((1280, 800), (390, 844))
SHOTS = Path("/work/shots/media2")


def shoot(page: Page, name: str, width: int, height: int) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENS / f"{name}-{width}x{height}.png")
    if SHOTS.is_dir():
        page.screenshot(path=SHOTS / f"{name}-{width}x{height}.png")


def test_try_it_watches_an_attached_video_that_only_its_owner_can_fetch(
    new_context: Callable[..., BrowserContext], hub: HubServer, conversation: Conversation,
    fake_provider: FakeOpenAIServer, tmp_path: Path,
) -> None:  # fmt: skip
    clip = tmp_path / "tryout.mp4"
    clip.write_bytes(video_bytes(seconds=4))
    fake_provider.configure(transcript="Red first. Blue from the second second.", reply="It turns blue at [00:02].",
                            token_delay=0)
    ada = new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(ada, conversation.owner.id, f"/agents/{conversation.agent.slug}")
    ada.get_by_role("tab", name="Try it").click()
    chat = ada.get_by_role("log", name="Try it conversation")
    watch_texts(ada, "figure [role=status]")

    attach_media(ada, clip)
    chip = ada.get_by_role("group", name="Media to send")
    expect(chip.get_by_text("tryout.mp4")).to_be_visible()
    box = ada.get_by_role("textbox", name="Message to the agent")
    box.fill("When does the colour change?")
    box.press("Enter")
    expect(chip).to_have_count(0)

    figure = chat.locator("figure[data-media-id]")
    expect(figure).to_have_count(1)
    expect(figure).to_have_attribute("data-status", "ready", timeout=READY)
    assert any(re.fullmatch(r"Processing video \d+%", text) for text in seen(ada))
    video = figure.locator("video")
    expect(video).to_have_attribute("poster", re.compile(r"^/media/\d+/poster$"))
    moment = chat.get_by_role("link", name="00:02")
    expect(moment).to_be_visible(timeout=READY)
    # The answer watched and listened: timestamped frames, then the transcript.
    [asked] = [m for m in last_chat(fake_provider)["messages"] if m["role"] == "user"]
    assert asked["content"][0] == {"type": "text", "text": "When does the colour change?"}
    assert "[00:00] Red first." in asked["content"][1]["text"]
    labels = [p["text"] for p in asked["content"] if p["type"] == "text" and p["text"].startswith("Frame at")]
    assert len(labels) >= 3 and sum(p["type"] == "image_url" for p in asked["content"]) == len(labels)
    ada.wait_for_function("v => v.readyState >= 1 && v.duration > 3.5", arg=video.element_handle())
    moment.click()
    ada.wait_for_function("v => v.currentTime >= 1.9 && v.currentTime < 3.5", arg=video.element_handle())
    video.evaluate("v => { v.pause(); v.currentTime = 0; }")

    url = str(video.get_attribute("src"))
    assert ada.context.request.get(hub.url + url, headers={"Range": "bytes=0-99"}).status == 206
    bob = new_context(base_url=hub.url).new_page()  # a member of Ada's channel, not her agent's owner
    pages.sign_in(bob, conversation.member.id, conversation.url)
    for path in (url, f"{url}/poster", f"{url}/transcript"):
        assert bob.context.request.get(hub.url + path).status == 404
    assert new_context(base_url=hub.url).request.get(hub.url + url).status == 404

    for width, height in SIZES:  # the chat at its newest: the video and the answer
        ada.set_viewport_size({"width": width, "height": height})
        box.scroll_into_view_if_needed()
        chat.evaluate("e => { e.scrollTop = e.scrollHeight; }")
        shown = video.bounding_box()
        assert shown is not None and shown["width"] <= width - 40  # inside its bubble, no sideways scroll
        expect(chat.get_by_text("It turns blue at")).to_be_in_viewport()
        shoot(ada, "try-it-video", width, height)


def test_a_voice_reply_in_a_thread_is_transcribed_for_the_other_and_heard_by_the_agent(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer, hub: HubServer,
    microphone_browser: Browser,  # noqa: F811
) -> None:  # fmt: skip
    _, bob = in_channel
    spoken = "Move the review to Thursday afternoon."
    fake_provider.configure(transcript=spoken, reply="Thursday afternoon it is.", token_delay=0)
    agents.update_agent(conversation.owner.id, conversation.agent.id, {"reply_mode": "all"})  # it answers in the thread
    ada = microphone_browser.new_context(base_url=hub.url, viewport={"width": 1280, "height": 800}).new_page()
    pages.sign_in(ada, conversation.owner.id, conversation.url)
    root = conversation.thread_root.content
    open_thread_on(bob, root)
    open_thread_on(ada, root)

    recording = thread(ada).get_by_role("group", name="Recording a voice message")
    thread(ada).get_by_role("button", name="Record a voice message").click()
    expect(recording).to_be_visible()
    ada.keyboard.press("Escape")  # cancels the recording only: the thread stays open
    expect(recording).to_have_count(0)
    expect(thread(ada)).to_be_visible()
    thread(ada).get_by_role("button", name="Record a voice message").click()
    expect(recording.get_by_role("timer")).to_have_text(re.compile(r"0:0[2-9]"))
    recording.get_by_role("button", name="Stop and send").click()
    expect(recording).to_have_count(0)

    figure = thread(bob).locator("figure[data-media-id]").filter(has=bob.locator("audio"))
    expect(figure).to_have_count(1)
    expect(figure).to_have_attribute("data-status", "ready", timeout=READY)
    figure.get_by_role("button", name="Show transcript").click()
    expect(figure.get_by_role("region", name=re.compile("^Transcript of voice-"))).to_contain_text("Thursday afternoon")
    expect(bob.get_by_role("log", name="Messages").locator("figure[data-media-id]")).to_have_count(0)  # not in the channel
    expect(thread(bob).get_by_text("Thursday afternoon it is.")).to_be_visible(timeout=READY)
    [*_, heard] = [m for m in last_chat(fake_provider)["messages"] if m["role"] == "user"]
    assert heard["content"][1]["text"].startswith("[Voice message") and spoken in heard["content"][1]["text"]

    for width, height in SIZES:
        bob.set_viewport_size({"width": width, "height": height})
        figure.evaluate("e => e.scrollIntoView({block: 'center'})")
        box = figure.bounding_box()
        assert box is not None and box["width"] <= width - 24
        shoot(bob, "thread-voice", width, height)
