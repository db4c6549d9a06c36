"""The Evaluate tab and "Add to test set", in real browsers: the owner makes a set,
adds a case with the form, runs it and watches the run's progress bar go from
running to done, reads the results, compares two runs (the fixed case named) and
sees the score chart's table; a reply someone disliked goes into a new test set
from the channel, as a "bad" case by default."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from neurocache_ui.services import reactions
from neurocache_ui.services.evals import sets
from testkit import browser as pages
from testkit.conversation import Conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer
from tests.e2e.test_channels import NewContext, log


def test_a_set_is_run_with_a_live_progress_bar_and_two_runs_compared(
    new_context: NewContext, hub: HubServer, conversation: Conversation, fake_provider: FakeOpenAIServer
) -> None:
    owner, agent = conversation.owner, conversation.agent
    page = new_context(base_url=hub.url).new_page()
    pages.sign_in(page, owner.id, f"/agents/{agent.slug}")
    page.get_by_role("tab", name="Evaluate").click()
    panel = page.get_by_role("tabpanel")
    expect(panel.get_by_text("No test sets yet")).to_be_visible()
    panel.get_by_label("New test set name").fill("Greetings")
    panel.get_by_role("button", name="Create set").click()
    expect(panel.get_by_role("heading", name="Greetings")).to_be_visible()
    expect(panel.get_by_role("button", name="Run", exact=True)).to_be_disabled()
    panel.get_by_label("Case input").fill("Say hello to the team")
    panel.get_by_label("Checks").fill("contains: hello\nnot_contains: goodbye")
    panel.get_by_role("button", name="Add case").click()
    cases = panel.get_by_role("list", name="Test cases").locator(":scope > li")
    expect(cases).to_have_count(1)
    expect(cases.first).to_contain_text("not_contains: goodbye")
    panel.get_by_label("Checks").fill("smells: bad")
    panel.get_by_label("Case input").fill("Broken")
    panel.get_by_role("button", name="Add case").click()
    expect(panel.get_by_role("alert")).to_contain_text("Checks, line 1")

    [set_view] = sets.list_sets(owner.id, agent.id)
    sets.add_case(owner.id, agent.id, set_view.id, {"input": "Say goodbye", "checks": [{"type": "not_contains", "value": "hello"}]})
    fake_provider.configure(first_token_delay=1.5, rules=[{"when": "Say hello", "reply": "hello all"},
                                                          {"when": "Say goodbye", "reply": "hello and bye"}])
    panel.get_by_role("button", name="Open test set Greetings").click()
    expect(cases).to_have_count(2)
    panel.get_by_role("button", name="Run", exact=True).click()
    runs = panel.get_by_role("region", name="Evaluation runs")
    running = runs.locator("[data-run-status=running]")
    expect(running).to_be_visible()
    expect(running.get_by_role("button", name="Stop")).to_be_visible()
    expect(running.get_by_role("progressbar")).to_be_visible()
    done = runs.locator("[data-run-status=completed]")
    expect(done).to_contain_text("1/2", timeout=15_000)
    expect(done.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")

    fake_provider.configure(first_token_delay=0, rules=[{"when": "Say hello", "reply": "hello all"},
                                                        {"when": "Say goodbye", "reply": "bye"}])
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(runs.locator("[data-run-status=completed]")).to_have_count(2, timeout=15_000)
    runs.get_by_role("row").nth(1).get_by_role("button").first.click()
    results = panel.get_by_role("list", name="Results").locator(":scope > li")
    expect(results).to_have_count(2)
    expect(results.filter(has_text="Say goodbye")).to_contain_text("Does not contain 'hello'.")
    newest, oldest = (runs.get_by_role("row").nth(n).get_by_role("button").first.inner_text() for n in (1, 2))
    panel.get_by_label("Compare run").select_option(label=newest)
    panel.get_by_label("Against run").select_option(label=oldest)
    panel.get_by_role("button", name="Compare").click()
    expect(panel.get_by_role("heading", name="v1 vs v1: 2/2 vs 1/2, 1 fixed, 0 broken")).to_be_visible()
    expect(panel.locator("[data-change=fixed]")).to_contain_text("Say goodbye")
    panel.get_by_text("The chart as a table").click()
    expect(panel.get_by_role("img", name="Score of each completed run, oldest first; the table below has the same figures")).to_be_visible()
    expect(panel.get_by_role("cell", name="v1: 2/2")).to_be_visible()


def test_a_disliked_reply_goes_into_a_new_test_set_from_the_channel(
    in_channel: tuple[Page, Page], conversation: Conversation
) -> None:
    ada, _ = in_channel
    reply = conversation.agent_reply
    reactions.react(reply.id, user_id=conversation.member.id, emoji="👎")
    row = log(ada).locator(f"[data-message-id='{reply.id}']")
    row.hover()
    row.get_by_role("button", name="Add to test set").click()
    dialog = ada.get_by_role("dialog", name="Add to test set")
    expect(dialog).to_contain_text(reply.content[:40])
    expect(dialog.get_by_role("radio", name="Bad: keep a note, the agent should do better")).to_be_checked()
    dialog.get_by_label("New set name").fill("From the channel")
    dialog.get_by_role("textbox", name="Note").fill("It ignored the budget")
    dialog.get_by_role("button", name="Add").click()
    expect(dialog).to_be_hidden()
    expect(ada.get_by_text("Added to the test set “From the channel” (1 cases)")).to_be_visible()
    [made] = sets.list_sets(conversation.owner.id, conversation.agent.id)
    [case] = sets.get_set(conversation.owner.id, conversation.agent.id, made.id)[1]
    assert case.note.startswith("A bad reply was: ") and "It ignored the budget" in case.note
    assert case.checks[0]["type"] == "rubric" and case.expected == ""
