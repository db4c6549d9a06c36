"""Agents in a real browser on the production-like server (Postgres, Redis state
manager and two Granian workers): the roster, the form generated from
AgentSettings (found by its labels, exactly as a person reads them), edit,
duplicate, delete and search."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from playwright.sync_api import BrowserContext, Locator, Page, expect

from neurocache_ui.services import agents
from neurocache_ui.services.auth import authenticate
from testkit.factories import Account
from testkit.hub import HubServer

NewContext = Callable[..., BrowserContext]
SignUp = Callable[..., Account]


def signed_in(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> Page:
    page = new_context(base_url=hub.url).new_page()
    sign_up(page)
    return page


def open_roster(page: Page) -> None:
    page.get_by_role("link", name="Agents", exact=True).click()
    expect(page).to_have_url(re.compile(r"/agents/?$"))
    expect(page.get_by_role("heading", name="Agents", exact=True)).to_be_visible()


def field(page: Page, name: str) -> Locator:
    """A generated field's block (label, control, help, error)."""
    return page.locator(f"[data-field='{name}']")


def create_agent(page: Page, name: str, *, instructions: str = "You find facts and cite them.",
                 description: str = "") -> str:
    """Through the generated form; returns the new agent's slug (from its URL)."""
    open_roster(page)
    page.get_by_role("button", name="New agent").click()
    expect(page).to_have_url(re.compile(r"/agents/new/?$"))
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Description", exact=True).fill(description)
    page.get_by_label("Instructions", exact=True).fill(instructions)
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/agents/(?!new)[a-z0-9-]+/?$"))
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    return page.url.rstrip("/").rsplit("/", 1)[1]


def card(page: Page, name: str) -> Locator:
    return page.get_by_role("list", name="Agents").get_by_role("listitem", name=name, exact=True)


def test_create_an_agent_with_every_kind_of_field(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = signed_in(new_context, hub, sign_up)
    open_roster(page)
    expect(page.get_by_text("No agents yet")).to_be_visible()

    page.get_by_role("button", name="New agent").click()
    # Defaults come from the settings model.
    expect(page.get_by_label("Temperature")).to_have_value("0.7")
    expect(page.get_by_label("Max tokens")).to_have_value("1024")
    expect(page.get_by_label("Context size")).to_have_value("20")
    expect(page.get_by_label("Use knowledge")).to_be_checked()
    expect(page.get_by_label("Reply mode")).to_contain_text("When @mentioned")
    # Help texts are the fields' descriptions.
    expect(field(page, "context_size")).to_contain_text("How many recent channel messages the agent reads")

    name = f"Scout {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Avatar").fill("🔭")
    page.get_by_label("Description", exact=True).fill("Digs up sources")
    page.get_by_label("Instructions").fill("You are Scout.\nFind facts and cite them.")
    page.get_by_label("Model").fill("gpt-4o")
    page.get_by_label("Temperature").fill("1.2")
    page.get_by_label("Max tokens").fill("2048")
    page.get_by_label("Reply mode").click()
    page.get_by_role("option", name="On every message").click()
    page.get_by_label("Context size").fill("35")
    page.get_by_label("Use knowledge").click()
    expect(page.get_by_label("Use knowledge")).not_to_be_checked()
    page.get_by_role("button", name="Save").click()

    expected_slug = re.sub(r"[^a-z0-9]+", "-", name.lower())
    expect(page).to_have_url(re.compile(rf"/agents/{expected_slug}/?$"))
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text(f"@{expected_slug}")).to_be_visible()

    # Everything was stored: a fresh load of the agent's page shows it back.
    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value(name)
    expect(page.get_by_label("Slug")).to_have_value(expected_slug)
    expect(page.get_by_label("Avatar")).to_have_value("🔭")
    expect(page.get_by_label("Instructions")).to_have_value("You are Scout.\nFind facts and cite them.")
    expect(page.get_by_label("Model")).to_have_value("gpt-4o")
    expect(page.get_by_label("Temperature")).to_have_value("1.2")
    expect(page.get_by_label("Max tokens")).to_have_value("2048")
    expect(page.get_by_label("Reply mode")).to_contain_text("On every message")
    expect(page.get_by_label("Context size")).to_have_value("35")
    expect(page.get_by_label("Use knowledge")).not_to_be_checked()

    # The "Try it" panel has its own tab.
    page.get_by_role("tab", name="Try it").click()
    expect(page.get_by_role("tabpanel")).to_contain_text("Try it")

    open_roster(page)
    entry = card(page, name)
    expect(entry).to_contain_text(f"@{expected_slug}")
    expect(entry).to_contain_text("gpt-4o")
    expect(entry).to_contain_text("Digs up sources")
    expect(entry).to_contain_text("🔭")


def test_validation_errors_show_next_to_their_fields(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = signed_in(new_context, hub, sign_up)
    open_roster(page)
    page.get_by_role("button", name="New agent").click()
    page.get_by_label("Instructions").fill("Kept after an error")
    page.get_by_label("Max tokens").fill("0")
    page.get_by_label("Slug").fill("Not a slug!")
    page.get_by_role("button", name="Save").click()

    expect(field(page, "name").get_by_role("alert")).to_have_text("Name is required.")
    expect(field(page, "max_tokens").get_by_role("alert")).to_have_text("Max tokens must be at least 1.")
    expect(field(page, "slug").get_by_role("alert")).to_contain_text("Slug may use only lowercase letters")
    expect(field(page, "instructions").get_by_role("alert")).to_have_count(0)
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(r"/agents/new/?$"))
    expect(page.get_by_label("Instructions")).to_have_value("Kept after an error")  # nothing typed is lost

    name = f"Fixed {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Max tokens").fill("900")
    page.get_by_label("Slug").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_edit_duplicate_and_delete(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = signed_in(new_context, hub, sign_up)
    name = f"Critic {uuid.uuid4().hex[:6]}"
    slug = create_agent(page, name, instructions="Be blunt.")
    open_roster(page)

    card(page, name).get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/agents/{slug}/?$"))
    expect(page.get_by_label("Instructions")).to_have_value("Be blunt.")
    renamed = f"Editor {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(renamed)
    page.get_by_label("Instructions").fill("Be kind, then blunt.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=renamed, exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/agents/{slug}/?$"))  # the slug stays unless changed
    page.reload()
    expect(page.get_by_label("Instructions")).to_have_value("Be kind, then blunt.")

    # A duplicate is a full copy under a new name and slug.
    open_roster(page)
    card(page, renamed).get_by_role("button", name="Duplicate").click()
    copy = card(page, f"{renamed} copy")
    expect(copy).to_be_visible()
    expect(copy).to_contain_text("@" + re.sub(r"[^a-z0-9]+", "-", f"{renamed} copy".lower()))
    copy.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Instructions")).to_have_value("Be kind, then blunt.")

    # Delete asks first; cancelling keeps the agent.
    open_roster(page)
    card(page, f"{renamed} copy").get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Delete {renamed} copy?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(card(page, f"{renamed} copy")).to_be_visible()
    card(page, f"{renamed} copy").get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(card(page, f"{renamed} copy")).to_have_count(0)
    expect(card(page, renamed)).to_be_visible()

    # Deleting from the agent's own page goes back to the roster.
    card(page, renamed).get_by_role("link", name="Edit", exact=True).click()
    page.get_by_role("button", name="Delete").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(page).to_have_url(re.compile(r"/agents/?$"))
    expect(page.get_by_text("No agents yet")).to_be_visible()


def test_search_filters_the_roster(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = signed_in(new_context, hub, sign_up)
    create_agent(page, "Poet", description="Writes verses")
    create_agent(page, "Reviewer", description="Reads code closely")
    open_roster(page)
    expect(card(page, "Poet")).to_be_visible()
    expect(card(page, "Reviewer")).to_be_visible()

    search = page.get_by_label("Search agents")
    search.fill("CODE")
    expect(card(page, "Reviewer")).to_be_visible()
    expect(card(page, "Poet")).to_have_count(0)
    search.fill("verse")
    expect(card(page, "Poet")).to_be_visible()
    expect(card(page, "Reviewer")).to_have_count(0)
    search.fill("nobody at all")
    expect(page.get_by_text("No agents match")).to_be_visible()
    search.fill("")
    expect(page.get_by_role("list", name="Agents").get_by_role("listitem")).to_have_count(2)


def test_agents_are_private_to_their_owner(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    ada = signed_in(new_context, hub, sign_up)
    name = f"Secret {uuid.uuid4().hex[:6]}"
    create_agent(ada, name)
    url = ada.url

    eve = signed_in(new_context, hub, sign_up)
    eve.goto(url)
    expect(eve.get_by_text("Agent not found")).to_be_visible()
    expect(eve.get_by_label("Instructions")).to_have_count(0)
    open_roster(eve)
    expect(eve.get_by_text("No agents yet")).to_be_visible()

    stranger = new_context(base_url=hub.url).new_page()
    stranger.goto(url)
    expect(stranger).to_have_url(re.compile(r"/login"))


def test_the_roster_loads_more_beyond_a_page(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, postgres_url: str, use_settings
) -> None:
    """30 agents (made through core/, the same code the form calls): 24 show, then the rest."""
    page = new_context(base_url=hub.url).new_page()
    account = sign_up(page)
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    owner = authenticate(account.email, account.password)
    for n in range(30):
        agents.create_agent(owner.id, {"name": f"Helper {n:02d}", "description": "even" if n % 2 == 0 else "odd"})

    open_roster(page)
    items = page.get_by_role("list", name="Agents").get_by_role("listitem")
    expect(items).to_have_count(agents.PAGE_SIZE)
    expect(card(page, "Helper 23")).to_be_visible()
    expect(card(page, "Helper 24")).to_have_count(0)
    page.get_by_role("button", name="Load more").click()
    expect(items).to_have_count(30)
    expect(card(page, "Helper 29")).to_be_visible()
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)

    page.get_by_label("Search agents").fill("odd")
    expect(items).to_have_count(15)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)


def test_tools_are_chosen_with_labelled_checkboxes(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, postgres_url: str, use_settings
) -> None:
    """"Tools" is a group of checkboxes (a fieldset named by its legend); what is
    checked is stored on the agent, and unchecking takes a tool away again."""
    page = new_context(base_url=hub.url).new_page()
    account = sign_up(page)
    open_roster(page)
    page.get_by_role("button", name="New agent").click()
    tools = page.get_by_role("group", name="Tools")
    expect(tools).to_be_visible()
    expect(tools.get_by_label("Web search")).not_to_be_checked()
    expect(tools.get_by_label("Read web pages")).not_to_be_checked()
    name = f"Researcher {uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    tools.get_by_label("Web search").check()
    tools.get_by_text("Read web pages").click()  # the label toggles its box too
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    slug = page.url.rstrip("/").rsplit("/", 1)[1]

    use_settings(DATABASE_URL=postgres_url, REDIS_URL=None)
    owner = authenticate(account.email, account.password)
    assert agents.get_agent(owner.id, slug).tools == ["web_search", "fetch_url"]

    page.reload()
    tools = page.get_by_role("group", name="Tools")
    expect(tools.get_by_label("Web search")).to_be_checked()
    expect(tools.get_by_label("Read web pages")).to_be_checked()
    tools.get_by_label("Web search").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("group", name="Tools").get_by_label("Web search")).not_to_be_checked()
    expect(page.get_by_role("group", name="Tools").get_by_label("Read web pages")).to_be_checked()
    assert agents.get_agent(owner.id, slug).tools == ["fetch_url"]
