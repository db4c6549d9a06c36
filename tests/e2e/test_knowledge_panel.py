"""The Knowledge tab's retrieval tester and knowledge citations, in real browsers:
the owner tries a question and sees the passages and their ranks, keeps it as a
test with the document that answers it, runs the set and sees the score; a reply
that drew on knowledge lists the document under Sources, whose passage opens for
the owner, and for a teammate only once the owner shares cited passages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from neurocache_ui.services import agents, knowledge
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channels import NewContext, log, send

VENUES = "# Venues\n\nThe Lisbon venue seats 170 people and has a stage, two bars and a roof terrace."
CATERING = "# Catering\n\nLunch is served from noon; the caterer needs final numbers five days ahead."


def test_try_a_question_keep_it_and_run_the_set(new_context: NewContext, hub: HubServer, conversation: Conversation) -> None:
    owner, agent = conversation.owner, conversation.agent
    venues = knowledge.add_document(owner.id, agent.id, "venues.md", VENUES.encode())
    knowledge.add_document(owner.id, agent.id, "catering.md", CATERING.encode())
    page = new_context(base_url=hub.url).new_page()
    pages.sign_in(page, owner.id, f"/agents/{agent.slug}")
    page.get_by_role("tab", name="Knowledge").click()
    panel = page.get_by_role("tabpanel")
    expect(panel.get_by_role("heading", name="Test retrieval")).to_be_visible()
    expect(panel.get_by_text("No test questions yet")).to_be_visible()
    expect(panel.get_by_role("button", name="Run")).to_be_disabled()

    panel.get_by_label("Question to try").fill("How many people fit in the Lisbon venue?")
    panel.get_by_role("button", name="Search").click()
    found = panel.get_by_role("list", name="Passages found").get_by_role("listitem")
    expect(found.first).to_contain_text("venues.md")
    expect(found.first).to_contain_text("seats 170 people")
    expect(found.first).to_contain_text("full text 1 · vectors 1 · fused 1.0000")  # why: first in both, the top score
    panel.get_by_role("checkbox", name="venues.md").check()
    panel.get_by_role("button", name="Add to test set").click()
    expect(panel.get_by_role("list", name="Test questions").get_by_role("listitem")).to_have_count(1)

    panel.get_by_role("button", name="Run").click()
    runs = panel.get_by_role("region", name="Runs")
    expect(runs.get_by_role("row").nth(1)).to_contain_text("1/1")
    expect(runs.get_by_role("row").nth(1)).to_contain_text("1.000")  # found first: MRR 1
    expect(runs.get_by_role("row").nth(1)).to_contain_text("chunk size 800")  # what it ran with
    expect(runs.get_by_role("row").nth(1)).to_contain_text("embedding model wordllama-256")
    knowledge.delete_document(owner.id, venues.id)
    panel.get_by_role("button", name="Run").click()
    expect(runs.get_by_role("row")).to_have_count(3)
    expect(runs.get_by_role("row").nth(1)).to_contain_text("0/1")  # newest first: the change shows


def test_a_reply_cites_its_knowledge_and_the_passage_opens_for_whom_it_may(
    in_channel: tuple[Page, Page], conversation: Conversation, fake_provider: FakeOpenAIServer
) -> None:
    ada, bob = in_channel
    owner, agent = conversation.owner, conversation.agent
    knowledge.add_document(owner.id, agent.id, "venues.md", VENUES.encode())
    fake_provider.configure(reply="It seats 170 people.")
    send(ada, f"@{agent.slug} how many people fit in the Lisbon venue?")
    reply = log(ada).locator("[data-message-id]").filter(has_text="It seats 170 people.")
    cited = reply.get_by_role("group", name="Sources").get_by_role("button", name="venues.md")
    expect(cited).to_be_visible()
    cited.click()
    dialog = ada.get_by_role("dialog", name="venues.md")
    expect(dialog).to_contain_text("seats 170 people")
    expect(dialog.get_by_role("link", name="Open the agent's knowledge")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    theirs = log(bob).locator("[data-message-id]").filter(has_text="It seats 170 people.")
    theirs.get_by_role("group", name="Sources").get_by_role("button", name="venues.md").click()
    private = bob.get_by_role("dialog")
    expect(private.get_by_role("alert")).to_contain_text("keeps its passages private")
    expect(private).not_to_contain_text("seats 170 people")
    private.get_by_role("button", name="Close").click()

    agents.update_agent(owner.id, agent.id, {"share_cited_passages": True})
    theirs.get_by_role("group", name="Sources").get_by_role("button", name="venues.md").click()
    expect(bob.get_by_role("dialog", name="venues.md")).to_contain_text("seats 170 people")
