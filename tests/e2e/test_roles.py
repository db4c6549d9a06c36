"""Channel roles in real browsers on the production-like hub: the owner (Ada) makes Bob a
moderator in the Members dialog; Bob's tab gains the moderator's controls live, he
deletes Cy's message and it disappears for Ada and Cy without a reload; Cy, a plain
member, gets no such control, a crafted event over the socket is refused with a clear
message and the API answers 403; Bob removes Cy and her tab loses the channel live."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from neurocache_ui.services import api_keys, channels, messaging
from neurocache_ui.services.auth import start_session
from neurocache_ui.web.state.surface import state_classes
from testkit import browser as pages
from testkit.conversation import Conversation, person
from testkit.hub import HubServer
from testkit.socket_client import RawTab
from testkit.ui_audit import audit
from tests.e2e.test_channels import NewContext, log

SHOTS = Path("/work/shots/roles")
REFUSAL = "Only the channel's owner or a moderator can delete other people's messages."


def _row(page: Page, message_id: int):
    return log(page).locator(f'[data-message-id="{message_id}"]')


def _members(page: Page):
    pages.header_action(page, "Members")
    dialog = page.get_by_role("dialog", name="Members")
    expect(dialog).to_be_visible()
    return dialog


def test_a_moderator_deletes_a_message_live_and_a_member_cannot(
    new_context: NewContext, hub: HubServer, conversation: Conversation
) -> None:
    cy = person("Cy", "Young")
    channels.invite(conversation.channel.id, conversation.owner.id, cy.account.email)
    spam = messaging.post_message(conversation.channel.id, user_id=cy.id, content="cheap watches, click here")
    ada_says = conversation.last
    assert ada_says.user_id != cy.id
    tabs = {}
    for who, size in ((conversation.owner, (1280, 800)), (conversation.member, (1280, 800)), (cy, (390, 844))):
        page = new_context(base_url=hub.url, viewport={"width": size[0], "height": size[1]}).new_page()
        pages.sign_in(page, who.id, conversation.url)
        expect(_row(page, spam.id)).to_be_visible()
        tabs[who.id] = page
    ada, bob, cy_tab = tabs[conversation.owner.id], tabs[conversation.member.id], tabs[cy.id]

    # Bob is a plain member: no delete control on someone else's message.
    _row(bob, spam.id).hover()
    expect(_row(bob, spam.id).get_by_role("button", name="Delete message")).to_have_count(0)

    dialog = _members(ada)
    bob_row = dialog.get_by_role("listitem").filter(has_text=conversation.member.name)
    expect(bob_row.get_by_text("Member", exact=True)).to_be_visible()
    expect(dialog.get_by_role("listitem").filter(has_text=conversation.owner.name).get_by_text("Owner")).to_be_visible()
    dialog.get_by_role("button", name=f"Make moderator: {conversation.member.name}").click()
    expect(bob_row.get_by_text("Moderator", exact=True)).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    ada.screenshot(path=str(SHOTS / "members-1280.png"))
    assert audit(ada, popup=dialog).problems() == []
    dialog.get_by_role("button", name="Close").click()

    # Bob's open tab gains the moderator's controls without a reload.
    _row(bob, spam.id).hover()
    _row(bob, spam.id).get_by_role("button", name="Delete message").click()
    bob.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    for page in (ada, bob, cy_tab):
        expect(log(page).get_by_text("cheap watches, click here")).to_have_count(0)

    # Cy, a plain member, has no control on Ada's message, and the API refuses her with 403.
    _row(cy_tab, ada_says.id).hover()
    expect(_row(cy_tab, ada_says.id).get_by_role("button", name="Delete message")).to_have_count(0)
    cy_key, _ = api_keys.create_key(cy.id, "cy's script")
    refused = httpx.delete(f"{hub.url}/api/v1/channels/{conversation.channel.slug}/messages/{ada_says.id}",
                           headers={"Authorization": f"Bearer {cy_key}"})
    assert refused.status_code == 403 and refused.json()["error"]["message"] == REFUSAL

    # Bob removes Cy: her tab loses the channel at once; her message history stays.
    dialog = _members(bob)
    dialog.get_by_role("button", name=f"Remove {cy.name}").click()
    bob.get_by_role("alertdialog").get_by_role("button", name="Remove").click()
    expect(dialog.get_by_role("listitem").filter(has_text=cy.name)).to_have_count(0)
    expect(cy_tab.get_by_text(f"{conversation.member.name} removed you from #")).to_be_visible()
    expect(pages.channel_link(cy_tab, conversation.channel.name)).to_have_count(0)
    bob.set_viewport_size({"width": 390, "height": 844})
    bob.screenshot(path=str(SHOTS / "members-390.png"))
    assert audit(bob, popup=dialog).problems() == []
    assert _row(ada, ada_says.id).is_visible()


async def test_a_members_crafted_delete_over_the_socket_is_refused_clearly(
    hub: HubServer, conversation: Conversation
) -> None:
    """No button is the only protection: Bob (a member) sends ChatState.delete_message for
    Ada's message over a raw socket; he is told why, and the message stays."""
    target = conversation.messages[11]
    assert target.user_id == conversation.owner.id
    chat = state_classes()["ChatState"].get_full_name()
    async with RawTab(hub.url, cookie=start_session(conversation.member.id)) as bob:
        await bob.call(f"{chat}.open_channel", {}, conversation.url)
        await bob.call(f"{chat}.delete_message", {"message_id": target.id}, conversation.url)
        for _ in range(50):
            if REFUSAL in bob.text():
                break
            await asyncio.sleep(0.2)
    assert REFUSAL in bob.text()
    assert messaging.get_message(target.id, viewer_id=conversation.owner.id).content == target.content
