"""Every page and state, on a laptop (1280×800) and a phone (390×844): a screenshot a person
can look through (test-artifacts/screens/<page>-<state>-<w>x<h>.png) and the checks of
testkit/ui_audit.py on it: nothing wider than the screen, no control under another
element (header actions, Send), the composer on screen on channel pages, no heading
squeezed word by word, and no serious or critical axe-core finding.

One seeded conversation (testkit/conversation.py) for the module; per screen size, one
browser each for its owner (Ada), a newcomer with nothing yet, and a visitor signed out.
Each state starts from a fresh load of its page. The channel page at both sizes is also
the README's screenshots (docs/screenshots/channel-{laptop,phone}.png): written when
missing, and refreshed with NEUROCACHE_README_SCREENSHOTS=1 (the timestamps in them change
on every run, so writing them always would leave every checkout modified)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from neurocache_ui.services import agents
from neurocache_ui.settings import get_settings
from testkit.browser import sign_in
from testkit.conversation import Conversation, Person, person, seed_conversation
from testkit.fake_provider import FakeOpenAIServer
from testkit.factories import new_account
from testkit.hub import HubServer
from testkit.servers import PROJECT_ROOT, RedisServer
from testkit.ui_audit import audit, settle

SCREENS = PROJECT_ROOT / "test-artifacts" / "screens"
README_SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
SIZES = {"1280x800": "laptop", "390x844": "phone"}
STEP_TIMEOUT = 10_000  # a state that cannot be reached fails in 10 s, not the suite's 20


@dataclass
class Screen:
    """One screen size: its name ("390x844") and a browser for each kind of person, in
    which each state opens a tab of its own (a tab keeps its page state across reloads:
    an open dialog or search would carry over into the next state)."""

    size: str
    owner: BrowserContext
    newcomer: BrowserContext
    visitor: BrowserContext
    seed: Conversation

    @property
    def phone(self) -> bool:
        return SIZES[self.size] == "phone"

    def tabs(self) -> list[Page]:
        return [*self.owner.pages, *self.newcomer.pages, *self.visitor.pages]


@pytest.fixture(scope="module")
def seeded(postgres_url: str, redis_server: RedisServer, fake_provider_server: FakeOpenAIServer) -> Iterator[tuple[Conversation, Person]]:
    """The conversation, two more agents of Ada's (a roster with several), and a newcomer."""
    with pytest.MonkeyPatch.context() as env:
        stores = {"DATABASE_URL": postgres_url, "REDIS_URL": redis_server.url, **fake_provider_server.env(api_key="test")}
        for variable, value in stores.items():
            env.setenv(variable, str(value))
        get_settings.cache_clear()
        seed = seed_conversation(fake_provider_server, name="Friday launch plan")
        for name, description in (("Analyst", "Reads the numbers behind a question"), ("Writer", "Drafts posts and release notes")):
            agents.create_agent(seed.owner.id, {"name": name, "description": description, "model": "fake-model"})
        newcomer = person("Nia", "Okafor")
        yield seed, newcomer
    get_settings.cache_clear()


@pytest.fixture(scope="module", params=list(SIZES))
def screen(request: pytest.FixtureRequest, module_context: Callable[..., BrowserContext],
           browser_calls: Callable[[], AbstractContextManager[None]], hub: HubServer, seeded: tuple[Conversation, Person]) -> Screen:
    width, height = map(int, request.param.split("x"))
    seed, newcomer = seeded
    phone = SIZES[request.param] == "phone"

    def browser(signed_in: Person | None = None) -> BrowserContext:
        context = module_context(base_url=hub.url, viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
        context.set_default_timeout(STEP_TIMEOUT)
        if signed_in is not None:
            page = context.new_page()
            sign_in(page, signed_in.id, "/account")
            page.close()
        return context

    with browser_calls():
        return Screen(request.param, browser(seed.owner), browser(newcomer), browser(), seed)


# ---------------------------------------------------------------- the states


@dataclass
class Prepared:
    """A page in its state: the elements that must be wholly on screen there, and the
    popup it opened (then only the popup's own controls are checked for being covered)."""

    page: Page
    inside: dict[str, Locator] = field(default_factory=dict)
    popup: Locator | None = None


Prepare = Callable[[Screen], Prepared]
STATES: dict[str, Prepare] = {}


def state(name: str) -> Callable[[Prepare], Prepare]:
    def register(prepare: Prepare) -> Prepare:
        STATES[name] = prepare
        return prepare

    return register


def shows(browser: BrowserContext, path: str, ready: Callable[[Page], Locator]) -> Page:
    """A new tab of `browser` on `path`, once `ready` shows."""
    page = browser.new_page()
    page.goto(path)
    expect(ready(page)).to_be_visible()
    return page


def heading(name: str) -> Callable[[Page], Locator]:
    return lambda page: page.get_by_role("heading", name=name, exact=True).first


def composer(page: Page) -> dict[str, Locator]:
    return {
        "the Message box": page.get_by_role("textbox", name="Message", exact=True),
        "Send": page.get_by_role("button", name="Send", exact=True),
        "Attach image": page.get_by_role("button", name="Attach image"),
    }


def channel(screen: Screen) -> Page:
    """The seeded channel as Ada opens it: the newest message in view."""
    last = screen.seed.last.content
    return shows(screen.owner, screen.seed.url, lambda page: page.get_by_role("log", name="Messages").get_by_text(last))


def header_action(screen: Screen, page: Page, name: str) -> None:
    """A channel header action: a button on a laptop, an item of "More actions" where they are collapsed."""
    more = page.get_by_role("button", name="More actions")
    if screen.phone or more.is_visible():
        more.click()
        page.get_by_role("menuitem", name=name, exact=True).click()
    else:
        page.get_by_role("button", name=name, exact=True).click()


@state("landing")
def _landing(screen: Screen) -> Prepared:
    return Prepared(shows(screen.visitor, "/", lambda page: page.get_by_role("heading", level=1).first))


@state("signup-errors")
def _signup(screen: Screen) -> Prepared:
    page = shows(screen.visitor, "/signup", lambda page: page.get_by_role("button", name="Sign up"))
    account = new_account("Ines")
    page.get_by_label("Name").fill(account.name)
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    return Prepared(page)


@state("login-errors")
def _login(screen: Screen) -> Prepared:
    page = shows(screen.visitor, "/login", lambda page: page.get_by_role("button", name="Log in", exact=True))
    page.get_by_label("Email").fill(new_account("Ines").email)
    page.get_by_label("Password").fill("not the password 1843")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert").first).to_be_visible()
    return Prepared(page)


@state("channel")
def _channel(screen: Screen) -> Prepared:
    page = channel(screen)
    return Prepared(page, composer(page))


def open_thread(screen: Screen) -> Prepared:
    """The seeded thread (on a message in the middle) open, through its "3 replies" button."""
    page = channel(screen)
    root = page.get_by_role("log", name="Messages").locator(f'[data-message-id="{screen.seed.thread_root.id}"]')
    root.get_by_role("button", name="3 replies").click()
    panel = page.get_by_role("region", name="Thread")
    expect(panel.get_by_text(screen.seed.replies[-1].content)).to_be_visible()
    on_screen = {
        "the Reply box": panel.get_by_role("textbox", name="Reply"),
        "Send reply": panel.get_by_role("button", name="Send reply"),
    }
    return Prepared(page, on_screen if screen.phone else {**composer(page), **on_screen})


@state("channel-thread-open")
def _thread(screen: Screen) -> Prepared:
    return open_thread(screen)


@state("channel-invite-dialog")
def _invite(screen: Screen) -> Prepared:
    page = channel(screen)
    header_action(screen, page, "Invite")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Email")).to_be_visible()
    return Prepared(page, {"the Invite dialog": dialog}, popup=dialog)


@state("channel-more-menu")
def _more(screen: Screen) -> Prepared:
    """The header's collapsed actions: on a phone always, on a laptop while the thread is open."""
    shown = open_thread(screen) if not screen.phone else Prepared(channel(screen))
    shown.page.get_by_role("button", name="More actions").click()
    menu = shown.page.get_by_role("menu")
    expect(menu.get_by_role("menuitem", name="Invite", exact=True)).to_be_visible()
    return Prepared(shown.page, {**shown.inside, "the More actions menu": menu}, popup=menu)


@state("channel-emoji-picker")
def _emoji(screen: Screen) -> Prepared:
    page = channel(screen)
    last = page.get_by_role("log", name="Messages").locator(f'[data-message-id="{screen.seed.last.id}"]')
    last.click()  # a tap (or the pointer) on the message shows its toolbar; hidden, it takes no taps meant for the text
    last.get_by_role("button", name="Add reaction").click()
    picker = page.get_by_role("dialog").filter(has=page.get_by_role("button", name="👍", exact=True))
    expect(picker).to_be_visible()
    return Prepared(page, {"the emoji picker": picker}, popup=picker)


@state("search-results")
def _search(screen: Screen) -> Prepared:
    page = channel(screen)
    page.get_by_label("Search messages").fill("Lisbon")
    results = page.get_by_role("region", name="Search results")
    expect(results.get_by_role("link").first).to_be_visible()
    return Prepared(page, popup=results)


@state("mentions")
def _mentions(screen: Screen) -> Prepared:
    page = shows(screen.owner, "/mentions", heading("Mentions"))
    expect(page.get_by_role("list", name="Mentions").get_by_role("listitem").first).to_be_visible()
    return Prepared(page)


@state("channel-pinned")
def _channel_pinned(screen: Screen) -> Prepared:
    """The header's Pinned panel open (the seeded channel has no pins: its empty state)."""
    page = channel(screen)
    page.get_by_role("button", name="Pinned messages").click()
    panel = page.get_by_role("dialog")
    expect(panel.get_by_text("Nothing is pinned yet.", exact=False)).to_be_visible()
    return Prepared(page, popup=panel)


@state("agents")
def _agents(screen: Screen) -> Prepared:
    page = shows(screen.owner, "/agents", heading("Agents"))
    expect(page.get_by_role("list", name="Agents").get_by_role("listitem")).to_have_count(3)
    return Prepared(page)


@state("agent-new-errors")
def _agent_new(screen: Screen) -> Prepared:
    page = shows(screen.owner, "/agents/new", lambda page: page.get_by_label("Name", exact=True))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Name is required.")).to_be_visible()
    return Prepared(page)


def agent_tab(screen: Screen, tab: str) -> Page:
    page = shows(screen.owner, f"/agents/{screen.seed.agent.slug}", heading(screen.seed.agent.name))
    page.get_by_role("tab", name=tab).click()
    expect(page.get_by_role("tab", name=tab)).to_have_attribute("aria-selected", "true")
    return page


@state("agent-settings")
def _agent_settings(screen: Screen) -> Prepared:
    page = agent_tab(screen, "Settings")
    expect(page.get_by_label("Name", exact=True)).to_have_value(screen.seed.agent.name)
    return Prepared(page)


@state("agent-knowledge")
def _agent_knowledge(screen: Screen) -> Prepared:
    return Prepared(agent_tab(screen, "Knowledge"))


@state("agent-evaluate")
def _agent_evaluate(screen: Screen) -> Prepared:
    return Prepared(agent_tab(screen, "Evaluate"))


@state("agent-history")
def _agent_history(screen: Screen) -> Prepared:
    page = agent_tab(screen, "History")
    expect(page.get_by_role("list", name="Versions").get_by_role("listitem").first).to_contain_text("Current")
    return Prepared(page)


@state("agent-mcp-servers")
def _agent_mcp(screen: Screen) -> Prepared:
    return Prepared(agent_tab(screen, "MCP servers"))


@state("agent-try-it")
def _agent_try_it(screen: Screen) -> Prepared:
    page = agent_tab(screen, "Try it")
    box = page.get_by_role("textbox", name="Message to the agent")
    conversation = page.get_by_role("log", name="Try it conversation")
    for question in ("Which tier sold best in the beta?", "And what did people ask for?"):
        box.fill(question)
        box.press("Enter")
        expect(conversation.get_by_text(f"Echo: {question}")).to_be_visible()  # the fake provider's answer
    return Prepared(page)


@state("keys-new-key")
def _keys_new(screen: Screen) -> Prepared:
    page = shows(screen.owner, "/keys", heading("API keys"))
    page.get_by_role("button", name="Create key").click()
    page.get_by_role("dialog").get_by_label("Name").fill(f"launch script {screen.size}")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page.get_by_label("New API key")).to_be_visible()
    return Prepared(page)


@state("not-found")
def _not_found(screen: Screen) -> Prepared:
    page = shows(screen.newcomer, "/no-such-page", heading("Page not found"))
    expect(page.get_by_role("link", name="Back to the hub")).to_be_visible()
    return Prepared(page)


PLAIN = {
    "channels-empty": ("newcomer", "/channels", "Channels"),
    "channels-index": ("owner", "/channels", "Channels"),
    "mentions-empty": ("newcomer", "/mentions", "Mentions"),
    "browse": ("newcomer", "/browse", "Browse channels"),
    "saved-empty": ("newcomer", "/saved", "Saved"),
    "agents-empty": ("newcomer", "/agents", "Agents"),
    "keys-empty": ("newcomer", "/keys", "API keys"),
    "usage": ("owner", "/usage", "Usage"),
    "account": ("owner", "/account", "Account"),
    "welcome": ("newcomer", "/welcome", "Welcome to Neurocache"),
}
"""States that are a page as it opens: who looks, where, and the heading that shows it is there."""


def plain(who: str, path: str, title: str) -> Prepare:
    return lambda screen: Prepared(shows(getattr(screen, who), path, heading(title)))


STATES.update({name: plain(*where) for name, where in PLAIN.items()})


# ---------------------------------------------------------------- the test


def screenshot(page: Page, name: str, size: str) -> None:
    """Into test-artifacts/screens/ always; the channel page also into the README's folder."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}-{size}.png"
    page.screenshot(path=path)
    readme = README_SCREENSHOTS / f"channel-{SIZES[size]}.png"
    if name == "channel" and (not readme.exists() or os.environ.get("NEUROCACHE_README_SCREENSHOTS") == "1"):
        README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, readme)


@pytest.mark.parametrize("name", list(STATES))
def test_screen(name: str, screen: Screen, browser_loop: None) -> None:
    try:
        try:
            shown = STATES[name](screen)
        except Exception:
            screenshot(screen.tabs()[-1], name, screen.size)  # where the state could not be reached
            raise
        settle(shown.page)
        screenshot(shown.page, name, screen.size)
        problems = audit(shown.page, inside=shown.inside, popup=shown.popup).problems()
        assert not problems, f"{name} at {screen.size} ({shown.page.url}):\n  " + "\n  ".join(problems)
    finally:
        for tab in screen.tabs():
            tab.close()
