"""Images in a channel, in real browsers on the production-like hub: Ada attaches a
PNG with "Attach image", sees its preview, removes one, sends; Bob sees the image
live, its thumbnail loaded through the members-only route; a stranger gets 404."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect

from testkit.hub import HubServer
from tests.e2e.test_channels import NewContext, SignUp, log, two_people_in_a_channel


def image_file(folder: Path, name: str, color: str) -> Path:
    path = folder / name
    Image.new("RGB", (600, 400), color).save(path, "PNG")
    return path


def attach(page: Page, *files: Path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Attach image").click()
    chooser.value.set_files([str(f) for f in files])


def loaded(image) -> bool:
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def test_an_attached_image_reaches_the_other_member_live(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path
) -> None:
    ada, bob, _, _ = two_people_in_a_channel(new_context, hub, sign_up)
    attach(ada, image_file(tmp_path, "harbour.png", "navy"), image_file(tmp_path, "wrong.png", "red"))
    previews = ada.get_by_role("group", name="Images to send")
    expect(previews.get_by_role("img", name="harbour.png")).to_be_visible()
    expect(previews.get_by_role("img", name="wrong.png")).to_be_visible()
    assert loaded(previews.get_by_role("img", name="harbour.png"))
    ada.get_by_role("button", name="Remove wrong.png").click()
    expect(previews.get_by_role("img", name="wrong.png")).to_have_count(0)

    box = ada.get_by_role("textbox", name="Message")
    box.fill("The harbour at dawn")
    box.press("Enter")  # Enter still sends
    expect(previews).to_have_count(0)

    row = log(bob).locator("[data-message-id]").filter(has_text="The harbour at dawn")
    image = row.get_by_role("img", name="harbour.png")
    expect(image).to_be_visible()
    expect(row.get_by_role("img", name="wrong.png")).to_have_count(0)
    bob.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    thumb = image.get_attribute("src")
    full = row.get_by_role("link").filter(has=bob.get_by_role("img", name="harbour.png")).get_attribute("href")
    assert thumb and full and thumb == f"{full}/thumbnail"

    seen = bob.context.request.get(hub.url + thumb)
    assert seen.status == 200 and seen.headers["content-type"] == "image/webp"
    original = bob.context.request.get(hub.url + full)
    assert original.status == 200 and original.headers["content-type"] == "image/png"
    assert original.headers["x-content-type-options"] == "nosniff"

    stranger = new_context(base_url=hub.url).new_page()
    sign_up(stranger)
    assert stranger.context.request.get(hub.url + full).status == 404
    assert stranger.context.request.get(hub.url + thumb).status == 404
    anonymous = new_context(base_url=hub.url)
    assert anonymous.request.get(hub.url + full).status == 404


def test_an_image_without_text_is_sent_and_a_non_image_is_refused(
    new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path
) -> None:
    ada, bob, _, _ = two_people_in_a_channel(new_context, hub, sign_up)
    fake = tmp_path / "notes.png"
    fake.write_text("not really an image")
    attach(ada, fake)
    expect(ada.get_by_role("alert").filter(has_text="notes.png is not a PNG, JPEG, WebP or GIF image")).to_be_visible()

    attach(ada, image_file(tmp_path, "quiet.png", "green"))
    expect(ada.get_by_role("group", name="Images to send").get_by_role("img", name="quiet.png")).to_be_visible()
    ada.get_by_role("textbox", name="Message").press("Enter")
    expect(log(bob).get_by_role("img", name="quiet.png")).to_be_visible()


def phone_photo(folder: Path) -> Path:
    """A JPEG as a phone saves it: EXIF with GPS and a description, turned by its
    orientation tag (stored 600 x 400, shown 400 x 600)."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010E] = "Ada's garden, secret location"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.6), 3: "E", 4: (2.0, 17.0, 40.2)}
    path = folder / "garden.jpg"
    Image.new("RGB", (600, 400), "olive").save(path, "JPEG", exif=exif.tobytes())
    return path


def test_a_photo_is_served_without_its_exif(new_context: NewContext, hub: HubServer, sign_up: SignUp, tmp_path: Path) -> None:
    """What members receive is a clean copy, upright, with no GPS (before: the file byte
    for byte). (At most 4 images per upload: the page's picker takes 4, and the server
    refuses more from a scripted upload, tests/integration/test_attachments.py.)"""
    ada, bob, _, _ = two_people_in_a_channel(new_context, hub, sign_up)
    attach(ada, phone_photo(tmp_path))
    expect(ada.get_by_role("group", name="Images to send").get_by_role("img", name="garden.jpg")).to_be_visible()
    ada.get_by_role("textbox", name="Message").press("Enter")

    row = log(bob).locator("[data-message-id]").filter(has=bob.get_by_role("img", name="garden.jpg"))
    expect(row.get_by_role("img", name="garden.jpg")).to_be_visible()
    full = row.get_by_role("link").filter(has=bob.get_by_role("img", name="garden.jpg")).get_attribute("href")
    served = bob.context.request.get(hub.url + str(full))
    assert served.status == 200 and served.headers["content-type"] == "image/jpeg"
    photo = Image.open(io.BytesIO(served.body()))
    assert photo.size == (400, 600) and not photo.getexif() and "exif" not in photo.info
    assert b"secret location" not in served.body()
