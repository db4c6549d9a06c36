"""Reactions in real browsers: Bob picks 👍 under Ada's message and both see
"👍 1" at once; Ada joins ("👍 2", the tooltip names both), Bob takes his back;
a reaction added over the API shows up live in both; the picker and the toggles
work from the keyboard; a refused reaction says why."""

from __future__ import annotations

import uuid

import httpx
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from neurocache_ui.domain.reactions import PICKER
from neurocache_ui.services import api_keys, channels
from neurocache_ui.store.db import get_engine
from neurocache_ui.store.models import User
from testkit.browser import create_channel
from testkit.factories import Account
from testkit.hub import HubServer
from testkit.servers import RedisServer
from tests.e2e.test_channel_agents import two_people
from tests.e2e.test_channels import NewContext, SignUp, log, send


def row(page: Page, text: str) -> Locator:
    return log(page).locator("[data-message-id]").filter(has_text=text)


def reaction(page: Page, text: str, name: str) -> Locator:
    """The toggle named "<emoji> <count>" under the message with `text`."""
    return row(page, text).get_by_role("button", name=name, exact=True)


def user_id(account: Account) -> int:
    with get_engine().connect() as conn:
        return conn.execute(sa.select(User.id).where(User.email == account.email)).scalar_one()


def tooltip_of(page: Page, toggle: Locator) -> Locator:
    """The toggle's tooltip, hovered afresh (a tooltip closed by a click stays
    closed until the pointer leaves and comes back)."""
    page.mouse.move(0, 0)
    toggle.hover()
    return page.get_by_role("tooltip")


def test_two_people_react_live(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, use_settings, postgres_url: str, redis_server: RedisServer
) -> None:
    ada, bob, ada_account, bob_account, _ = two_people(new_context, hub, sign_up)
    text = f"Shipping on Friday {uuid.uuid4().hex[:4]}"
    send(ada, text)
    expect(row(bob, text)).to_be_visible()

    # Bob: hover the row, "Add reaction", pick 👍 from the picker of named emoji.
    row(bob, text).hover()
    row(bob, text).get_by_role("button", name="Add reaction").click()
    picker = bob.get_by_role("dialog")
    for emoji in PICKER:
        expect(picker.get_by_role("button", name=emoji, exact=True)).to_be_visible()
    picker.get_by_role("button", name="👍", exact=True).click()
    expect(picker).to_be_hidden()
    for page in (ada, bob):  # both, without a reload
        expect(reaction(page, text, "👍 1")).to_be_visible()
    expect(reaction(bob, text, "👍 1")).to_have_attribute("aria-pressed", "true")
    expect(reaction(ada, text, "👍 1")).to_have_attribute("aria-pressed", "false")

    # Ada joins by clicking the toggle: "👍 2" everywhere, its tooltip names both.
    reaction(ada, text, "👍 1").click()
    for page in (ada, bob):
        expect(reaction(page, text, "👍 2")).to_be_visible()
        expect(reaction(page, text, "👍 2")).to_have_attribute("aria-pressed", "true")
    expect(tooltip_of(bob, reaction(bob, text, "👍 2"))).to_have_text(f"{bob_account.name}, {ada_account.name}")

    # Bob takes his back.
    reaction(bob, text, "👍 2").click()
    for page in (ada, bob):
        expect(reaction(page, text, "👍 1")).to_be_visible()
        expect(reaction(page, text, "👍 2")).to_have_count(0)
    expect(reaction(bob, text, "👍 1")).to_have_attribute("aria-pressed", "false")
    expect(tooltip_of(ada, reaction(ada, text, "👍 1"))).to_have_text(ada_account.name)

    # Over the API, as Bob: it appears live in both browsers, after 👍.
    use_settings(DATABASE_URL=postgres_url, REDIS_URL=redis_server.url)
    secret, _ = api_keys.create_key(user_id(bob_account), "reactions test")
    message_id = row(ada, text).get_attribute("data-message-id")
    slug = ada.url.rstrip("/").rsplit("/", 1)[1]
    answer = httpx.post(f"{hub.url}/api/v1/channels/{slug}/messages/{message_id}/reactions",
                        json={"emoji": "🎉"}, headers={"Authorization": f"Bearer {secret}"}, timeout=30)
    assert answer.status_code == 201, answer.text
    for page in (ada, bob):
        expect(reaction(page, text, "🎉 1")).to_be_visible()
        expect(row(page, text).get_by_role("group", name="Reactions").get_by_role("button")).to_have_text(["👍1", "🎉1"])
    expect(reaction(bob, text, "🎉 1")).to_have_attribute("aria-pressed", "true")

    # Archived while Bob still looks at it: his reaction is refused, and he is told.
    channels.archive(channels.member_channel_id(slug, user_id(ada_account)), user_id(ada_account))
    reaction(bob, text, "👍 1").click()
    expect(bob.get_by_text("This channel is archived, so it is read-only.")).to_be_visible()
    expect(reaction(ada, text, "👍 1")).to_be_visible()
    expect(reaction(bob, text, "👍 2")).to_have_count(0)


def test_reacting_from_the_keyboard(new_context: NewContext, hub: HubServer, sign_up: SignUp) -> None:
    page = new_context(base_url=hub.url).new_page()
    account = sign_up(page)
    create_channel(page, f"keys {uuid.uuid4().hex[:6]}")
    text = f"Keyboard only {uuid.uuid4().hex[:4]}"
    send(page, text)
    message = row(page, text)
    add = message.get_by_role("button", name="Add reaction")
    actions = message.locator(".message-actions")
    expect(actions).to_have_css("opacity", "0")  # the action bar shows on hover or focus

    # From the author's name, Tab reaches the row's action bar; Enter opens the picker.
    message.get_by_text(account.name, exact=True).click()
    page.keyboard.press("Tab")
    expect(add).to_be_focused()
    page.mouse.move(0, 0)  # not hovered: shown because it holds the focus
    expect(actions).to_have_css("opacity", "1")
    page.keyboard.press("Enter")
    picker = page.get_by_role("dialog")
    expect(picker.get_by_role("button", name="👍", exact=True)).to_be_focused()
    for _ in range(PICKER.index("🎉")):
        page.keyboard.press("Tab")
    expect(picker.get_by_role("button", name="🎉", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    toggle = reaction(page, text, "🎉 1")
    expect(toggle).to_have_attribute("aria-pressed", "true")

    # The toggle is a real button: Space takes the reaction back.
    toggle.focus()
    page.keyboard.press("Space")
    expect(message.get_by_role("group", name="Reactions")).to_have_count(0)
