"""Profiles on the page: a name that opens a card (a real button, so the keyboard and
screen readers reach it), the card itself (a person's: avatar, name, title, status,
presence, "Message"; an agent's: owner, description, model, tools, rating), and the
"Profile" section of /account."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain import profiles as rules
from neurocache_ui.web.components.forms import field, form_alert, labelled_upload, submit_button
from neurocache_ui.web.state.profiles import AVATAR_ACCEPT, AVATAR_UPLOAD_ID, ProfileEditState, ProfileState

_NAME_BUTTON = (
    "bg-transparent border-0 p-0 m-0 cursor-pointer text-left font-bold text-[length:var(--font-size-2)] truncate "
    "hover:underline focus-visible:outline focus-visible:outline-2 focus-visible:outline-[var(--accent-8)] rounded-sm "
    "text-[color:inherit] max-w-full"
)


def name_button(name: rx.Var[str], on_click: Any, *, bold: bool = True) -> rx.Component:
    """A person's or agent's name that opens their card."""
    return rx.el.button(
        name, type="button", on_click=on_click, aria_label="Profile of " + name, aria_haspopup="dialog",
        class_name=_NAME_BUTTON if bold else _NAME_BUTTON.replace("font-bold", "font-medium"),
    )


def profile_button(name: rx.Var[str], user_id: rx.Var[int]) -> rx.Component:
    """A small button beside a row that is itself a link (a DM in the sidebar)."""
    return rx.icon_button(
        rx.icon("id-card", size=14), type="button", size="1", variant="ghost", color_scheme="gray",
        aria_label="Profile of " + name, title="Profile", on_click=ProfileState.open_person(user_id), margin_right="0.5em",
    )


def _line(label: str, value: rx.Var[str]) -> rx.Component:
    return rx.cond(value != "", rx.hstack(
        rx.text(label, size="2", color=rx.color("gray", 11), min_width="6em"),
        rx.text(value, size="2", class_name="break-words min-w-0"),
        spacing="2", align="start", width="100%",
    ))


def _person() -> rx.Component:
    card = ProfileState.card
    return rx.vstack(
        rx.hstack(
            rx.avatar(src=card["avatar"].to(str), fallback=card["name"].to(str)[:1], size="6", radius="full",
                      alt=""),
            rx.vstack(
                rx.dialog.title(card["name"].to(str), margin="0", class_name="break-words"),
                rx.cond(card["title"].to(str) != "", rx.text(card["title"].to(str), size="2", color=rx.color("gray", 11))),
                rx.hstack(
                    rx.box(aria_hidden="true", width="0.6rem", height="0.6rem", border_radius="9999px",
                           background=rx.cond(card["online"].to(bool), rx.color("grass", 9), rx.color("gray", 8))),
                    rx.text(rx.cond(card["online"].to(bool), "Online", "Away"), size="2", data_testid="card-presence"),
                    align="center", spacing="2",
                ),
                spacing="1", min_width="0",
            ),
            spacing="4", align="center", width="100%",
        ),
        rx.cond(
            card["status"].to(str) != "",
            rx.box(
                rx.text(card["emoji"].to(str), " ", card["status"].to(str), size="2", data_testid="card-status"),
                rx.cond(card["until"].to(str) != "", rx.text(
                    "Until ", rx.moment(card["until"].to(str), format="HH:mm", local=True), size="1",
                    color=rx.color("gray", 11))),
                padding="0.5em 0.75em", border_radius="var(--radius-2)", background=rx.color("gray", 3), width="100%",
            ),
        ),
        rx.hstack(
            rx.cond(~card["you"].to(bool), rx.button(rx.icon("message-circle", size=16), "Message",
                                                      on_click=ProfileState.message_person)),
            rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
            justify="end", width="100%", spacing="2",
        ),
        spacing="4", width="100%",
    )


def _agent() -> rx.Component:
    card = ProfileState.card
    return rx.vstack(
        rx.hstack(
            rx.avatar(fallback=card["emoji"].to(str), size="6", radius="full", color_scheme="violet"),
            rx.vstack(
                rx.dialog.title(card["name"].to(str), margin="0", class_name="break-words"),
                rx.badge("Agent", color_scheme="violet", variant="soft"),
                spacing="1", min_width="0",
            ),
            spacing="4", align="center", width="100%",
        ),
        rx.cond(card["description"].to(str) != "", rx.text(card["description"].to(str), size="2", class_name="break-words")),
        rx.vstack(
            _line("Owner", card["owner"].to(str)),
            _line("Model", card["model"].to(str)),
            _line("Tools", card["tools"].to(str)),
            _line("Arena rating", card["rating"].to(str)),
            spacing="1", width="100%",
        ),
        rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end", width="100%"),
        spacing="4", width="100%",
    )


def profile_card() -> rx.Component:
    """The one card of the page, open while ProfileState.card holds someone."""
    card = ProfileState.card
    return rx.dialog.root(
        rx.dialog.content(
            rx.cond(
                ProfileState.card_error != "",
                rx.vstack(
                    rx.dialog.title("Profile"),
                    form_alert(ProfileState.card_error),
                    rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")), justify="end",
                              width="100%"),
                    width="100%",
                ),
                rx.cond(card["kind"].to(str) == "agent", _agent(), _person()),
            ),
            rx.dialog.description(rx.cond(card["kind"].to(str) == "agent", "An agent's profile", "A person's profile"),
                                  class_name="sr-only"),
            max_width="26em",
            data_testid="profile-card",
        ),
        open=card.contains("kind"),
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), ProfileState.close_card()),
    )


# ---------------------------------------------------------------- /account


def _avatar_picker() -> rx.Component:
    mine = ProfileEditState.mine
    errors = ProfileEditState.profile_errors
    return rx.hstack(
        rx.avatar(src=mine["avatar"].to(str), fallback=mine["name"].to(str)[:1], size="7", radius="full", alt="Your avatar",
                  data_testid="my-avatar"),
        rx.vstack(
            labelled_upload(rx.upload.root(
                rx.button(rx.cond(ProfileEditState.avatar_busy, rx.spinner(size="2"), rx.icon("image-up", size=16)),
                          "Upload avatar", type="button", variant="soft"),
                id=AVATAR_UPLOAD_ID, accept=AVATAR_ACCEPT, multiple=False, max_files=1, no_drag=True,
                on_drop=ProfileEditState.upload_avatar(rx.upload_files_chunk(upload_id=AVATAR_UPLOAD_ID)),
            ), "Choose an avatar image"),
            rx.cond(mine["avatar"].to(str) != "", rx.button("Remove avatar", type="button", variant="ghost",
                                                            color_scheme="red", on_click=ProfileEditState.remove_avatar)),
            rx.text(f"PNG, JPEG, WebP or GIF, up to {rules.AVATAR_MAX_BYTES // (1024 * 1024)} MB; cut to a square.",
                    size="1", color=rx.color("gray", 11)),
            rx.cond(errors.contains("avatar"), rx.text(errors["avatar"], role="alert", color_scheme="red", size="2")),
            spacing="2", align="start",
        ),
        spacing="4", align="center", wrap="wrap",
    )


def _profile_form() -> rx.Component:
    mine = ProfileEditState.mine
    errors = ProfileEditState.profile_errors
    return rx.form(
        rx.vstack(
            field("Title", "title", form_id="profile", error=errors.get("title", ""), required=False,
                  placeholder="e.g. Product designer", max_length=rules.TITLE_MAX, default_value=mine["title"].to(str)),
            rx.el.fieldset(
                rx.el.legend("Status", class_name="text-sm font-medium mb-1"),
                rx.hstack(
                    rx.box(field("Emoji", "status_emoji", form_id="profile", error=errors.get("status_emoji", ""),
                                 required=False, placeholder="📅", max_length=rules.STATUS_EMOJI_MAX,
                                 default_value=mine["emoji"].to(str)), width="6em", flex_shrink="0"),
                    field("What you are doing", "status_text", form_id="profile", error=errors.get("status_text", ""),
                          required=False, placeholder="In a meeting", max_length=rules.STATUS_TEXT_MAX,
                          default_value=mine["status"].to(str)),
                    spacing="2", width="100%", align="start",
                ),
                rx.vstack(
                    rx.el.label("Clear after", html_for="profile-until", class_name="text-sm font-medium"),
                    rx.el.select(
                        *[rx.el.option(label, value=value) for value, label in rules.UNTIL_CHOICES.items()],
                        id="profile-until", name="until", default_value="never",
                        class_name="rt-reset rt-SelectTrigger rt-r-size-2 rt-variant-surface px-2 border rounded",
                    ),
                    spacing="1", align="start", margin_top="0.5em",
                ),
                class_name="border-0 p-0 m-0 w-full",
            ),
            rx.el.input(type="hidden", name="utc_offset",
                        default_value=rx.Var(_js_expr="String(-new Date().getTimezoneOffset())", _var_type=str)),
            form_alert(errors.get("form", "")),
            rx.hstack(
                submit_button("Save profile", rx.Var.create(False)),
                rx.cond(mine["status"].to(str) != "", rx.button("Clear status", type="button", variant="soft",
                                                                color_scheme="gray", on_click=ProfileEditState.clear_status)),
                spacing="2", wrap="wrap",
            ),
            spacing="3", width="100%", align="start",
        ),
        on_submit=ProfileEditState.save_profile,
        width="100%",
    )


def profile_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Profile", size="4", as_="h2"),
        rx.text("People who share a channel with you see this when they click your name.", size="2",
                color=rx.color("gray", 11)),
        rx.cond(
            ProfileEditState.mine.contains("id"),
            rx.vstack(
                _avatar_picker(),
                rx.text("Name: ", ProfileEditState.mine["name"].to(str), size="2"),
                _profile_form(),
                spacing="4", width="100%",
            ),
            rx.cond(ProfileEditState.profile_errors.contains("form"), form_alert(ProfileEditState.profile_errors["form"]),
                    rx.spinner()),
        ),
        spacing="3", width="100%", align="start",
    )
