"""/admin: the workspace's accounts, sign-up mode and invite links, for admins.
Anyone else (signed in or not) gets the not-found page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.domain.roles import INVITE_DAYS_MAX, INVITE_USES_MAX
from neurocache_ui.web.components.confirm import confirm_dialog
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.components.layout import empty_state, hub_page
from neurocache_ui.web.components.shown_once import shown_once
from neurocache_ui.web.pages.not_found import not_found_page
from neurocache_ui.web.state.admin import AdminState
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState


def _section(title: str, anchor: str, *children: rx.Component) -> rx.Component:
    return rx.el.section(
        rx.heading(title, as_="h2", size="5", id=anchor),
        *children,
        aria_labelledby=anchor,
        style={"width": "100%", "display": "flex", "flexDirection": "column", "gap": "0.75em", "minWidth": "0"},
    )


def _account(row: rx.Var[dict[str, Any]]) -> rx.Component:
    name = row["name"].to(str)
    user_id = row["id"].to(int)
    active, admin, you = row["active"].to(bool), row["is_admin"].to(bool), row["you"].to(bool)
    deactivate = confirm_dialog(
        rx.button("Deactivate", size="1", variant="soft", color_scheme="red", aria_label="Deactivate " + name),
        "Deactivate " + name + "?",
        "They are logged out everywhere at once, their API keys stop working and they cannot log in. "
        "Their messages, channels and agents stay. You can reactivate the account later.",
        "Deactivate",
        AdminState.set_active(user_id, False),
    )
    return rx.el.li(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(name, weight="medium", class_name="break-all"),
                    rx.cond(you, rx.text("(you)", size="2", color=rx.color("gray", 11))),
                    rx.cond(admin, rx.badge("Admin", color_scheme="amber", variant="soft", high_contrast=True)),
                    rx.cond(active, rx.fragment(), rx.badge("Deactivated", color_scheme="gray", variant="solid", high_contrast=True)),
                    spacing="2", align="center", wrap="wrap",
                ),
                rx.text(row["email"].to(str), " · joined ", row["since"].to(str), size="2", color=rx.color("gray", 11),
                        class_name="break-all"),
                spacing="1", min_width="0",
            ),
            rx.spacer(),
            rx.hstack(
                rx.cond(admin,
                        rx.button("Remove admin", size="1", variant="soft", color_scheme="gray",
                                  aria_label="Remove admin: " + name, on_click=AdminState.set_admin(user_id, False)),
                        rx.cond(active, rx.button("Make admin", size="1", variant="soft", aria_label="Make admin: " + name,
                                                  on_click=AdminState.set_admin(user_id, True)))),
                rx.cond(you, rx.fragment(), rx.cond(
                    active, deactivate,
                    rx.button("Reactivate", size="1", variant="soft", color_scheme="green", aria_label="Reactivate " + name,
                              on_click=AdminState.set_active(user_id, True)))),
                spacing="2", wrap="wrap",
            ),
            gap="0.75em", align="center", wrap="wrap", width="100%",
        ),
        padding_y="0.6em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(rx.icon("chevron-left", size=14), "Previous", size="1", variant="soft", disabled=AdminState.page <= 1,
                  on_click=AdminState.turn_page(AdminState.page - 1)),
        rx.text("Page ", AdminState.page, " of ", AdminState.pages, " · ", AdminState.total,
                rx.cond(AdminState.total == 1, " account", " accounts"), size="2", aria_live="polite"),
        rx.button("Next", rx.icon("chevron-right", size=14), size="1", variant="soft",
                  disabled=AdminState.page >= AdminState.pages, on_click=AdminState.turn_page(AdminState.page + 1)),
        align="center", spacing="3", wrap="wrap",
    )


def _signup_mode() -> rx.Component:
    return rx.vstack(
        rx.el.label("Who can sign up", html_for="signup-mode", class_name="text-sm font-medium"),
        rx.select.root(
            rx.select.trigger(id="signup-mode", aria_label="Who can sign up", width="100%", max_width="26em"),
            rx.select.content(rx.foreach(AdminState.signup_options,
                                         lambda option: rx.select.item(option[1], value=option[0]))),
            value=AdminState.signup_mode,
            on_change=AdminState.set_signup_mode,
        ),
        spacing="1", width="100%",
    )


def _new_invite() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.vstack(rx.el.label("Days valid", html_for="invite-days", class_name="text-sm font-medium"),
                      rx.input(id="invite-days", name="days", type="number", min=1, max=INVITE_DAYS_MAX, default_value="7",
                               required=True, width="8em"), spacing="1"),
            rx.vstack(rx.el.label("Uses", html_for="invite-uses", class_name="text-sm font-medium"),
                      rx.input(id="invite-uses", name="max_uses", type="number", min=1, max=INVITE_USES_MAX,
                               default_value="1", required=True, width="8em"), spacing="1"),
            rx.button(rx.icon("link", size=16), "Create invite link", type="submit"),
            gap="0.75em", align="end", wrap="wrap",
        ),
        on_submit=AdminState.create_invite,
        reset_on_submit=False,
    )


def _invite_link() -> rx.Component:
    return shown_once(
        AdminState.new_invite_link,
        rx.callout.text("Send this link to the people you invite. It is shown only now."),
        label="New invite link", copy_label="Copy invite link", icon="link", on_done=AdminState.dismiss_invite_link,
    )


def _invite(row: rx.Var[dict[str, Any]]) -> rx.Component:
    usable = row["status"].to(str) == "Usable"
    return rx.el.li(
        rx.flex(
            rx.text("Invite #", row["id"].to(str), weight="medium"),
            rx.text("expires ", row["expires"].to(str), " · used ", row["uses"].to(str), size="2", color=rx.color("gray", 11)),
            rx.badge(row["status"].to(str), color_scheme=rx.cond(usable, "green", "gray"), variant="soft", high_contrast=True),
            rx.spacer(),
            rx.cond(usable, rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                                      aria_label="Revoke invite " + row["id"].to(str),
                                      on_click=AdminState.revoke_invite(row["id"].to(int)))),
            gap="0.75em", align="center", wrap="wrap", width="100%",
        ),
        padding_y="0.5em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def _admin() -> rx.Component:
    return hub_page(
        "Admin",
        rx.vstack(
            rx.text("This hub is one workspace: everyone with an account here can be invited to its channels.",
                    color=rx.color("gray", 11)),
            form_alert(AdminState.admin_error),
            _section(
                "Sign-up", "admin-signup", _signup_mode(),
                rx.cond(AdminState.signup_mode == "invite", rx.vstack(
                    _new_invite(), _invite_link(),
                    rx.cond(AdminState.invites.length() > 0,
                            rx.el.ul(rx.foreach(AdminState.invites, _invite), aria_label="Invite links",
                                     class_name="list-none p-0 m-0 w-full"),
                            rx.text("No invite links yet.", size="2", color=rx.color("gray", 11))),
                    spacing="3", width="100%",
                )),
            ),
            _section(
                "Accounts", "admin-accounts",
                rx.cond(AdminState.accounts.length() > 0,
                        rx.el.ul(rx.foreach(AdminState.accounts, _account), aria_label="Accounts",
                                 class_name="list-none p-0 m-0 w-full"),
                        empty_state("users", "No accounts", "Accounts appear here as people sign up.")),
                _pager(),
            ),
            spacing="5", width="100%", max_width="52em", align="start",
        ),
    )


def admin_page() -> rx.Component:
    return rx.cond(
        AdminState.allowed,
        _admin(),
        rx.cond(AdminState.checked, not_found_page(),
                rx.center(rx.spinner(size="3"), rx.text("Loading…", margin_left="0.5em"), height="100vh")),
    )


def add_pages(app: rx.App) -> None:
    # load_user, not check_session: someone signed out gets the same not-found page, not a log-in prompt.
    app.add_page(admin_page, route="/admin", title="Admin · Neurocache",
                 on_load=[AuthState.load_user, AdminState.load_admin, ChatState.load_channels, MentionsState.load_count])
