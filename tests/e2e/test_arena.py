"""The channel arena in two browsers, in a channel with a real conversation: Ada
starts `/arena @a @b question`, both answers appear side by side with the names
hidden, Ada and Bob vote, the reveal names the agents live in both tabs, and the
ratings show on the roster. At 390 px the answers stack."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.services import agents, team
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channels import log, send


def arena(page: Page):
    return log(page).get_by_role("region", name="Arena").last


def test_two_members_vote_blind_and_the_reveal_moves_the_ratings(
    new_context: Callable[..., BrowserContext], hub: HubServer, conversation: Conversation, fake_provider: FakeOpenAIServer
) -> None:
    owner = conversation.owner
    rival = agents.create_agent(owner.id, {"name": "Critic", "model": "fake-model", "emoji": "🧐"})
    team.add_agent(conversation.channel.id, owner.id, rival.id)
    ada = new_context(base_url=hub.url).new_page()
    pages.sign_in(ada, owner.id, conversation.url)
    bob = new_context(base_url=hub.url, viewport={"width": 390, "height": 844}).new_page()
    pages.sign_in(bob, conversation.member.id, conversation.url)
    for page in (ada, bob):
        expect(log(page).get_by_text(conversation.last.content)).to_be_visible()

    fake_provider.configure(reply="Ship on Friday: the parser is done and the logo can follow.", token_delay=0.02)
    send(ada, f"/arena @{conversation.agent.slug} @critic Should we ship on Friday?")
    for page in (ada, bob):
        card = arena(page)
        expect(card.get_by_role("group", name="Answer A")).to_contain_text("the parser is done")
        expect(card.get_by_role("group", name="Answer B")).to_contain_text("the parser is done")
        expect(card).not_to_contain_text("Critic")  # names hidden while votes are open
    expect(log(ada).get_by_text("Should we ship on Friday?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # Bob's phone: no sideways scroll
    bob.screenshot(path="test-artifacts/screens/arena-voting-390.png")

    arena(ada).get_by_role("button", name="A is better").click()
    expect(arena(ada)).to_contain_text("You voted. 1 vote(s) so far.")
    expect(arena(bob).get_by_role("button", name="A is better")).to_be_visible()  # Bob has not voted yet
    arena(bob).get_by_role("button", name="A is better").click()  # the last member: revealed, live for both

    for page in (ada, bob):
        outcome = arena(page).get_by_role("status")
        expect(outcome).to_contain_text("won · A 2 · B 0 · Tie 0")
        expect(arena(page)).to_contain_text("Winner")
        expect(arena(page).get_by_role("group", name="Answer A")).to_contain_text("(+16)")
    ada.screenshot(path="test-artifacts/screens/arena-revealed-1280.png")

    ada.get_by_role("link", name="Agents", exact=True).click()
    expect(ada.get_by_role("list", name="Agents").get_by_text("Arena 1016")).to_be_visible()
    expect(ada.get_by_role("list", name="Agents").get_by_text("Arena 984")).to_be_visible()
