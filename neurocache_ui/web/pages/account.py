"""/account: who you are, notification settings, change password, log out everywhere."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain.passwords import MIN_LENGTH
from neurocache_ui.web.components.forms import field, form_alert, submit_button
from neurocache_ui.web.components.layout import hub_page
from neurocache_ui.web.components.notifications import notification_settings_section
from neurocache_ui.web.components.profiles import profile_section
from neurocache_ui.web.state.account import AccountState
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.notifications import NotifyState
from neurocache_ui.web.state.profiles import ProfileEditState


def _password_form() -> rx.Component:
    errors = AccountState.password_errors
    return rx.form(
        rx.vstack(
            rx.heading("Change password", size="4", as_="h2"),
            rx.text("Every other browser logged in to your account is logged out.", size="2", color=rx.color("gray", 11)),
            form_alert(AccountState.account_error),
            field("Current password", "current", form_id="account", error=errors.get("current", ""),
                  input_type="password", auto_complete="current-password"),
            field("New password", "new", form_id="account", error=errors.get("new", ""), input_type="password",
                  auto_complete="new-password", placeholder=f"At least {MIN_LENGTH} characters"),
            field("Repeat new password", "repeat", form_id="account", error=errors.get("repeat", ""),
                  input_type="password", auto_complete="new-password"),
            submit_button("Change password", AccountState.password_saving),
            spacing="3",
            width="100%",
            align="start",
        ),
        on_submit=AccountState.change_password,
        width="100%",
        max_width="28em",
    )


def _everywhere() -> rx.Component:
    return rx.vstack(
        rx.heading("Sessions", size="4", as_="h2"),
        rx.text("Lost a device or used a shared computer? End every session of your account, this one included.",
                size="2", color=rx.color("gray", 11)),
        rx.button(rx.icon("log-out", size=16), "Log out everywhere", color_scheme="red", variant="soft",
                  on_click=AccountState.logout_everywhere),
        spacing="3",
        align="start",
    )


def account_page() -> rx.Component:
    return hub_page(
        "Account",
        rx.vstack(
            rx.text(AuthState.user_name, " · ", AuthState.user_email, size="2", color=rx.color("gray", 11)),
            rx.card(profile_section(), width="100%", max_width="32em"),
            rx.card(notification_settings_section(), width="100%", max_width="32em"),
            rx.card(_password_form(), width="100%", max_width="32em"),
            rx.card(_everywhere(), width="100%", max_width="32em"),
            spacing="5",
            width="100%",
        ),
    )


def add_pages(app: rx.App) -> None:
    app.add_page(
        account_page,
        route="/account",
        title="Account · Neurocache",
        on_load=[AuthState.check_session, ChatState.load_channels, MentionsState.load_count, AccountState.load_account,
                 ProfileEditState.load_profile, NotifyState.load_notify_settings],
    )
