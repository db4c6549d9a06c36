"""/signup and /login."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain.limits import EMAIL_MAX, USER_NAME_MAX
from neurocache_ui.domain.passwords import MIN_LENGTH
from neurocache_ui.web.components.forms import field, form_alert, submit_button
from neurocache_ui.web.components.layout import public_frame
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.signup import SignupState


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


def _form(submit: str, on_submit: rx.EventHandler, *fields: rx.Component) -> rx.Component:
    return rx.form(
        rx.vstack(
            form_alert(AuthState.form_error),
            *fields,
            submit_button(submit, AuthState.submitting, size="3", width="100%"),
            spacing="3",
            width="100%",
        ),
        on_submit=on_submit,
        width="100%",
    )


def signup() -> rx.Component:
    errors = AuthState.field_errors
    form = _form(
        "Sign up",
        AuthState.signup,
        field("Name", "name", form_id="signup", error=errors.get("name", ""), auto_complete="name",
              max_length=USER_NAME_MAX),
        field("Email", "email", form_id="signup", error=errors.get("email", ""), input_type="email",
              auto_complete="email", max_length=EMAIL_MAX),
        field("Password", "password", form_id="signup", error=errors.get("password", ""), input_type="password",
              auto_complete="new-password", placeholder=f"At least {MIN_LENGTH} characters"),
    )
    footer = rx.text("Already have an account? ", rx.link("Log in", href="/login", underline="always"), size="2")
    # Closed, invite-only without a usable invite: the reason instead of a form that would be refused.
    unavailable = rx.callout(SignupState.signup_problem, icon="lock", color_scheme="amber", role="alert", width="100%")
    body = rx.cond(SignupState.signup_problem != "", unavailable, form)
    return _card("Create your account", "Start building agents in a minute.", body, footer)


def login() -> rx.Component:
    form = _form(
        "Log in",
        AuthState.login,
        field("Email", "email", form_id="login", input_type="email", auto_complete="email", max_length=EMAIL_MAX),
        field("Password", "password", form_id="login", input_type="password", auto_complete="current-password"),
    )
    footer = rx.text("New to Neurocache? ", rx.link("Sign up", href="/signup", underline="always"), size="2")
    return _card("Welcome back", "Log in to your hub.", form, footer)


def add_pages(app: rx.App) -> None:
    app.add_page(signup, route="/signup", title="Sign up · Neurocache",
                 on_load=[AuthState.skip_if_logged_in, SignupState.load_signup])
    app.add_page(login, route="/login", title="Log in · Neurocache", on_load=AuthState.skip_if_logged_in)
