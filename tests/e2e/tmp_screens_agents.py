import re
from playwright.sync_api import expect
from tests.e2e.test_agents import create_agent, open_roster, signed_in

def test_screens(new_context, hub, sign_up):
    page = signed_in(new_context, hub, sign_up)
    page.set_viewport_size({"width": 1300, "height": 1500})
    open_roster(page)
    page.screenshot(path="/tmp/shots/empty.png")
    create_agent(page, "Poet", description="Writes verses about anything you like, in many styles and meters.")
    page.get_by_label("Temperature").fill("1.5")
    page.screenshot(path="/tmp/shots/edit.png", full_page=True)
    create_agent(page, "Reviewer", description="Reads code closely")
    open_roster(page)
    page.screenshot(path="/tmp/shots/roster.png")
    page.get_by_role("button", name="New agent").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Name is required.")).to_be_visible()
    page.get_by_label("Context size").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    page.screenshot(path="/tmp/shots/new_error.png", full_page=True)
    page.set_viewport_size({"width": 400, "height": 900})
    open_roster(page)
    page.screenshot(path="/tmp/shots/mobile.png", full_page=True)
