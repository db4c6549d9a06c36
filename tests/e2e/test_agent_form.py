"""Building an agent the way a new person does, in a real browser against the
production-like hub and the fake provider: templates that fill the generated form
without saving, the Model field's suggestions from the provider's `/models`, a
refused save that takes the person to what to fix, and Try it following the answer."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Page, expect

from neurocache_ui.services import agents
from neurocache_ui.services.auth import authenticate
from testkit.factories import Account
from testkit.fake_provider import FakeOpenAIServer
from testkit.hub import HubServer

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]
LAPTOP = {"width": 1280, "height": 800}


def open_try_it(page: Page, owner: Account, make_agent: Callable[..., object], name: str, **settings: object) -> Page:
    """A new agent of `owner`'s (name + a random suffix), its page open at Try it."""
    slug = f"{name.lower()}{uuid.uuid4().hex[:4]}"
    make_agent(owner, f"{name} {slug[-4:]}", slug=slug, **settings)
    page.goto(f"/agents/{slug}")
    page.get_by_role("tab", name="Try it").click()
    return page


def new_agent_page(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> tuple[Page, Account]:
    page = new_context(base_url=hub.url, viewport=LAPTOP).new_page()
    account = sign_up(page)
    page.goto("/agents/new")
    expect(page.get_by_label("Name", exact=True)).to_be_visible()
    return page, account


def test_a_template_fills_the_form_and_nothing_is_saved_until_save(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, use_settings, postgres_url: str
) -> None:
    page, account = new_agent_page(new_context, hub, sign_up)
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    owner = authenticate(account.email, account.password)
    templates = page.get_by_role("group", name="Start from a template")
    tools = page.get_by_role("group", name="Tools")

    templates.get_by_role("button", name="Researcher").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Researcher")
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    expect(page.get_by_label("Avatar")).to_have_value("🔎")
    expect(page.get_by_label("Instructions")).to_have_value(re.compile("search the web first"))
    expect(page.get_by_label("Temperature")).to_have_value("0.3")
    expect(tools.get_by_label("Web search")).to_be_checked()
    expect(tools.get_by_label("Read web pages")).to_be_checked()
    expect(page.get_by_label("Use knowledge")).not_to_be_checked()

    templates.get_by_role("button", name="Analyst").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Analyst")
    expect(page.get_by_label("Instructions")).to_have_value(re.compile("step by step"))
    expect(page.get_by_label("Temperature")).to_have_value("0.2")
    expect(tools.get_by_label("Web search")).not_to_be_checked()
    expect(page.get_by_label("Use knowledge")).to_be_checked()
    assert agents.count_agents(owner.id) == 0  # a template only fills the form

    templates.get_by_role("button", name="Writer").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Writer")
    name = f"Copywriter {uuid.uuid4().hex[:4]}"
    page.get_by_label("Name", exact=True).fill(name)  # the person edits, then saves
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    [saved] = agents.list_agents(owner.id)
    assert (saved.name, saved.emoji, saved.temperature, saved.tools) == (name, "✍️", 0.9, [])
    assert saved.instructions.startswith("You are a skilled writer") and saved.model == "gpt-4o-mini"


def test_the_model_field_suggests_the_providers_models_and_takes_any_name(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, use_settings, postgres_url: str
) -> None:
    page, account = new_agent_page(new_context, hub, sign_up)
    model = page.get_by_role("combobox", name="Model")
    expect(model).to_have_value("gpt-4o-mini")  # the hub's default model
    suggestions = page.locator(f"datalist#{model.get_attribute('list')} option")
    # "fake-model" is only known from the provider's GET /models.
    expect(suggestions).to_have_count(2)
    assert suggestions.evaluate_all("options => options.map(o => o.value)") == ["fake-model", "gpt-4o-mini"]

    page.get_by_label("Name", exact=True).fill("Local")
    model.fill("my-local-llama")  # not listed: still accepted
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Local")).to_be_visible()
    expect(page.get_by_role("combobox", name="Model")).to_have_value("my-local-llama")
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    [saved] = agents.list_agents(authenticate(account.email, account.password).id)
    assert saved.model == "my-local-llama"


def test_a_refused_save_takes_the_person_to_the_first_field_to_fix(
    new_context: NewContext, hub: HubServer, sign_up: SignUp
) -> None:
    """The form is taller than the window: after pressing Save at its bottom, the error
    of a field at its top would be out of view."""
    page, _ = new_agent_page(new_context, hub, sign_up)
    name, max_tokens = page.get_by_label("Name", exact=True), page.get_by_label("Max tokens")
    max_tokens.fill("0")
    save = page.get_by_role("button", name="Save")
    save.scroll_into_view_if_needed()
    expect(name).not_to_be_in_viewport()
    save.click()
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_be_in_viewport()
    expect(page.locator("[data-field='name']").get_by_role("alert")).to_have_text("Name is required.")

    # Fixed the first: the next save goes to the next field still wrong, further down.
    name.fill("Fixed")
    save.click()
    expect(max_tokens).to_be_focused()
    expect(max_tokens).to_have_attribute("aria-invalid", "true")
    expect(max_tokens).to_be_in_viewport()
    expect(name).to_have_attribute("aria-invalid", "false")


PARAGRAPHS = "\n\n".join(f"Paragraph {n} of the answer, long enough to take a line." for n in range(1, 13))


def test_try_it_follows_the_answer_unless_the_person_scrolled_up(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, fake_provider: FakeOpenAIServer, make_agent
) -> None:
    page = new_context(base_url=hub.url, viewport=LAPTOP).new_page()
    open_try_it(page, sign_up(page), make_agent, "Talker")
    log = page.get_by_role("log", name="Try it conversation")
    box = page.get_by_role("textbox", name="Message to the agent")
    answers = log.locator("[data-turn-role=assistant]")

    fake_provider.configure(reply=PARAGRAPHS, token_delay=0.01)
    for number in (1, 2):
        box.fill(f"question {number}")
        box.press("Enter")
        expect(answers).to_have_count(number)
    fake_provider.configure(reply=PARAGRAPHS, token_delay=0.12)
    box.fill("question 3")
    box.press("Enter")
    streaming = log.locator("[data-turn-role=streaming]")
    # The third answer is visible while it streams, without the person scrolling.
    expect(streaming.get_by_text("Paragraph 3 of the answer")).to_be_in_viewport()
    expect(streaming.get_by_text("Paragraph 5 of the answer")).to_be_in_viewport()

    # Scrolled up to read: new text does not pull the log back down.
    log.evaluate("log => { log.scrollTop = 0 }")
    expect(streaming).to_contain_text("Paragraph 8 of the answer")
    expect(log.get_by_text("question 1")).to_be_in_viewport()
    expect(streaming.get_by_text("Paragraph 8 of the answer")).not_to_be_in_viewport()
    expect(answers).to_have_count(3, timeout=30_000)
    assert log.evaluate("log => log.scrollTop") == 0

    # Sending again goes back to the newest turn, and it follows again.
    fake_provider.configure(reply=PARAGRAPHS, token_delay=0.01)
    box.fill("question 4")
    box.press("Enter")
    expect(answers).to_have_count(4)
    expect(answers.last.get_by_text("Paragraph 12 of the answer")).to_be_in_viewport()
