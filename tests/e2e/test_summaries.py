"""Summaries in real browsers, two people on the production-like hub with the fake
model provider, in a channel with a morning's conversation (testkit/conversation.py):
Ada asks for a summary of what Bob wrote while she was away, sees it alone ("Only
visible to you"), and shares it, which Bob sees arrive live; a summary she has not
closed survives a reload; a thread (on a message in the middle) has its own."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from testkit.browser import channel_link
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channel_agents import two_people
from tests.e2e.test_channels import NewContext, SignUp, log, send
from tests.e2e.test_threads import open_thread_on, reply, thread

SUMMARY = "Bob finished the parser and moved the launch to Friday; the logo is still open."
UNREAD = ("the parser is finished", "launch moves to Friday", "who designs the logo?")


def notice(page: Page | Locator):
    return page.get_by_role("status", name="Summary")


def away(page: Page, hub: HubServer) -> None:
    page.get_by_role("link", name="Agents", exact=True).click()
    expect(page).to_have_url(f"{hub.url}/agents")


def test_a_summary_is_private_until_shared_then_everyone_sees_it_live(
    in_channel: tuple[Page, Page], conversation: Conversation, agent_hub: HubServer, fake_provider: FakeOpenAIServer
) -> None:
    ada, bob = in_channel  # Ada has read the whole conversation
    ada_account, name = conversation.owner.account, conversation.channel.name
    link = channel_link(ada, name)
    away(ada, agent_hub)
    expect(link.get_by_title("unread messages")).to_have_count(0)  # leaving marked everything read
    # The roster comes with the page's last on_load, so the sidebar's own refresh is done
    # (a message arriving during that refresh can be counted twice: a known race).
    expect(ada.get_by_role("list", name="Agents").get_by_role("listitem", name=conversation.agent.name, exact=True)).to_be_visible()
    for text in UNREAD:
        send(bob, text)
        expect(log(bob).get_by_text(text)).to_be_visible()
    expect(link.get_by_title("unread messages")).to_have_text(re.compile(r"^3\b"))  # the sidebar counted them, live

    fake_provider.configure(reply=SUMMARY, token_delay=0.15)  # slow enough to see the button working
    link.click()
    expect(log(ada).get_by_text("who designs the logo?")).to_be_visible()
    expect(link.get_by_title("unread messages")).to_have_count(0)  # opened: what was unread is noted
    button = ada.get_by_role("button", name="Summarize")
    button.click()
    expect(button).to_contain_text("Summarizing…")
    expect(button).to_be_disabled()

    expect(notice(ada)).to_contain_text(SUMMARY, timeout=15_000)
    expect(notice(ada)).to_contain_text("Only visible to you")
    expect(notice(ada)).to_contain_text("Summary of 3 unread messages")
    expect(button).to_be_enabled()
    expect(button).to_contain_text("Summarize")
    prompt = fake_provider.last_body()["messages"][-1]["content"]
    assert all(text in prompt for text in UNREAD) and conversation.last.content not in prompt

    expect(notice(bob)).to_have_count(0)  # Bob's browser shows nothing of it
    expect(bob.get_by_text(SUMMARY)).to_have_count(0)

    notice(ada).get_by_role("button", name="Share").click()
    expect(notice(ada)).to_have_count(0)
    shared = f"Summary for {ada_account.name} of 3 unread messages:"
    expect(log(bob).get_by_text(shared)).to_be_visible()  # live, through the relay
    expect(log(bob).get_by_text(SUMMARY)).to_be_visible()
    expect(log(ada).get_by_text(SUMMARY)).to_have_count(1)

    # A second summary is still there after a reload, until Ada dismisses it.
    fake_provider.configure(reply="Nothing new since the last summary.", token_delay=0)
    ada.get_by_role("button", name="Summarize").click()
    expect(notice(ada)).to_contain_text("Nothing new since the last summary.")
    ada.reload()
    expect(notice(ada)).to_contain_text("Nothing new since the last summary.")
    expect(notice(ada)).to_contain_text("No unread messages: summary of the last")
    notice(ada).get_by_role("button", name="Dismiss").click()
    expect(notice(ada)).to_have_count(0)
    ada.reload()
    expect(log(ada).get_by_text(SUMMARY)).to_be_visible()
    expect(notice(ada)).to_have_count(0)
    expect(log(bob).get_by_text("Nothing new since the last summary.")).to_have_count(0)


def test_errors_show_in_the_notice_area(
    new_context: NewContext, agent_hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer
) -> None:
    ada, _, _, _, _ = two_people(new_context, agent_hub, sign_up)
    ada.get_by_role("button", name="Summarize").click()
    expect(ada.get_by_role("alert")).to_contain_text("Nothing to summarize yet.")

    send(ada, "a lonely message")
    fake_provider.configure(fail_status=500, fail_times=-1)
    ada.get_by_role("button", name="Summarize").click()
    expect(ada.get_by_role("alert")).to_contain_text("The summary could not be written:", timeout=15_000)
    expect(notice(ada)).to_have_count(0)


def test_a_thread_has_its_own_summary(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer
) -> None:
    ada, bob = in_channel
    ada_account, root = conversation.owner.account, conversation.thread_root
    open_thread_on(bob, root.content)  # the seeded thread, on a message in the middle
    reply(bob, "Lisbon, I think")
    expect(thread(bob).get_by_text("Lisbon, I think")).to_be_visible()
    size = 1 + len(conversation.replies) + 1

    open_thread_on(ada, root.content)
    expect(thread(ada).get_by_text("Lisbon, I think")).to_be_visible()
    fake_provider.configure(reply="The team leans towards Lisbon.")
    thread(ada).get_by_role("button", name="Summarize").click()
    expect(notice(thread(ada))).to_contain_text("The team leans towards Lisbon.")
    expect(notice(thread(ada))).to_contain_text(f"Summary of this thread ({size} messages)")
    prompt = fake_provider.last_body()["messages"][-1]["content"]
    assert "Lisbon, I think" in prompt and root.content in prompt and conversation.replies[0].content in prompt
    assert conversation.last.content not in prompt  # the thread, not the channel
    expect(ada.get_by_role("status", name="Summary")).to_have_count(1)  # not the channel's

    notice(thread(ada)).get_by_role("button", name="Share").click()
    expect(notice(thread(ada))).to_have_count(0)
    shared = f"Summary for {ada_account.name} of this thread ({size} messages):"
    expect(thread(bob).get_by_text(shared)).to_be_visible()  # live in Bob's open thread
    expect(log(bob).get_by_text(shared)).to_have_count(0)  # a thread reply, not a channel message
