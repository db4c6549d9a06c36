"""/signup and /login."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.forms import field, form_alert
from neurocache_ui.web.components.layout import public_frame
from neurocache_ui.domain.passwords import MIN_LENGTH
from neurocache_ui.web.state.auth import AuthState


def _card(title: str, subtitle: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    return public_frame(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.heading(title, size="7"),
                    rx.text(subtitle, color=rx.color("gray", 11)),
                    form,
                    footer,
                    spacing="4",
                    width="100%",
                ),
                size="4",
                width="100%",
                max_width="26em",
            ),
            padding="1.5em",
            padding_top="3em",
        )
    )


def _submit(label: str) -> rx.Component:
    return rx.button(
        rx.cond(AuthState.submitting, rx.spinner(size="2"), rx.fragment()),
        label,
        type="submit",
        size="3",
        width="100%",
        disabled=AuthState.submitting,
    )


def signup() -> rx.Component:
    form = rx.form(
        rx.vstack(
            form_alert(AuthState.form_error),
            field("Name", "name", form_id="signup", error=AuthState.field_errors.get("name", ""), auto_complete="name", max_length=100),
            field("Email", "email", form_id="signup", error=AuthState.field_errors.get("email", ""), input_type="email", auto_complete="email", max_length=254),
            field(
                "Password",
                "password",
                form_id="signup",
                error=AuthState.field_errors.get("password", ""),
                input_type="password",
                auto_complete="new-password",
                placeholder=f"At least {MIN_LENGTH} characters",
            ),
            _submit("Sign up"),
            spacing="3",
            width="100%",
        ),
        on_submit=AuthState.signup,
        width="100%",
    )
    footer = rx.text("Already have an account? ", rx.link("Log in", href="/login"), size="2")
    return _card("Create your account", "Start building agents in a minute.", form, footer)


def login() -> rx.Component:
    form = rx.form(
        rx.vstack(
            form_alert(AuthState.form_error),
            field("Email", "email", form_id="login", input_type="email", auto_complete="email"),
            field("Password", "password", form_id="login", input_type="password", auto_complete="current-password"),
            _submit("Log in"),
            spacing="3",
            width="100%",
        ),
        on_submit=AuthState.login,
        width="100%",
    )
    footer = rx.text("New to Neurocache? ", rx.link("Sign up", href="/signup"), size="2")
    return _card("Welcome back", "Log in to your hub.", form, footer)


def add_pages(app: rx.App) -> None:
    app.add_page(signup, route="/signup", title="Sign up · Neurocache", on_load=AuthState.skip_if_logged_in)
    app.add_page(login, route="/login", title="Log in · Neurocache", on_load=AuthState.skip_if_logged_in)
