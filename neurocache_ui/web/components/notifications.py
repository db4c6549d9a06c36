"""Notification settings on the page: the channel's "Notifications" dialog (what
notifies you here, and Mute; a change applies at once) and the /account section
(quiet hours, e-mail for mentions and DMs left unseen)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain import notify_rules
from neurocache_ui.web.components.forms import form_alert, submit_button
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.notifications import NotifyState

HINTS = {
    notify_rules.ALL: "Every new message here.",
    notify_rules.MENTIONS: "Messages that @mention you and replies in threads you are in.",
    notify_rules.NOTHING: "No notifications and no e-mail from here.",
}


def notify_dialog() -> rx.Component:
    """Drawn once on the channel page; opened from the channel's "More actions" menu."""
    levels = rx.radio_group.root(
        *[
            rx.el.label(
                rx.radio_group.item(value=level, aria_label=label),
                rx.vstack(rx.text(label, size="2", weight="medium"), rx.text(HINTS[level], size="1", color=rx.color("gray", 11)),
                          spacing="0"),
                class_name="flex items-start gap-2 cursor-pointer",
            )
            for level, label in notify_rules.LEVEL_LABELS.items()
        ],
        value=NotifyState.notify_level,
        on_change=NotifyState.set_notify,
        aria_label="Notify me about",
        direction="column",
        spacing="3",
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Notifications for ", rx.cond(ChatState.is_dm, "this conversation", "#" + ChatState.channel_name)),
            rx.vstack(
                form_alert(NotifyState.notify_error),
                rx.text("Notify me about", size="2", weight="bold", as_="div"),
                levels,
                rx.cond(NotifyState.notify_default, rx.text("This is the default here.", size="1", color=rx.color("gray", 11))),
                rx.el.label(
                    rx.switch(checked=NotifyState.notify_muted, on_change=NotifyState.set_muted, id="notify-mute", aria_label="Mute",
                              aria_describedby="notify-mute-hint"),
                    rx.vstack(rx.text("Mute", size="2", weight="medium"),
                              rx.text("No notifications or e-mail, not counted in the tab title; dimmed in the sidebar.",
                                      size="1", color=rx.color("gray", 11), id="notify-mute-hint"), spacing="0"),
                    class_name="flex items-start gap-2 cursor-pointer",
                ),
                rx.hstack(rx.dialog.close(rx.button("Done", type="button")), justify="end", width="100%"),
                spacing="4",
                width="100%",
            ),
            max_width="30em",
        ),
        open=NotifyState.notify_open,
        on_open_change=NotifyState.set_notify_open,
    )


def _time_field(label: str, name: str, value: rx.Var[str]) -> rx.Component:
    error = NotifyState.settings_errors.get(name, "")
    return rx.vstack(
        rx.el.label(label, html_for=f"notify-{name}", class_name="text-sm font-medium"),
        rx.input(id=f"notify-{name}", name=name, type="time", default_value=value, key=value, size="3",
                 aria_invalid=rx.cond(error != "", "true", "false"),
                 aria_describedby=rx.cond(error != "", f"notify-{name}-error", "")),
        rx.cond(error != "", rx.text(error, id=f"notify-{name}-error", role="alert", color_scheme="red", size="2")),
        spacing="1", align="start",
    )


def _text_field(label: str, name: str, value: rx.Var[str], hint: str, **props: object) -> rx.Component:
    error = NotifyState.settings_errors.get(name, "")
    return rx.vstack(
        rx.el.label(label, html_for=f"notify-{name}", class_name="text-sm font-medium"),
        rx.input(id=f"notify-{name}", name=name, default_value=value, key=value, size="3", **props,
                 aria_invalid=rx.cond(error != "", "true", "false"),
                 aria_describedby=rx.cond(error != "", f"notify-{name}-error", f"notify-{name}-hint")),
        rx.text(hint, id=f"notify-{name}-hint", size="1", color=rx.color("gray", 11)),
        rx.cond(error != "", rx.text(error, id=f"notify-{name}-error", role="alert", color_scheme="red", size="2")),
        spacing="1", align="start", width="100%",
    )


def notification_settings_section() -> rx.Component:
    """/account: quiet hours and e-mail."""
    return rx.form(
        rx.vstack(
            rx.heading("Notifications", size="4", as_="h2"),
            rx.text("Browser notifications: use “Enable notifications” in the sidebar. Each channel's menu has "
                    "“Notifications” (all, mentions, nothing) and Mute.", size="2", color=rx.color("gray", 11)),
            form_alert(NotifyState.settings_error),
            rx.text("Quiet hours", size="2", weight="bold", as_="div"),
            rx.text("No notifications or e-mail between these times (leave both empty for none).", size="1",
                    color=rx.color("gray", 11)),
            rx.hstack(_time_field("From", "quiet_start", NotifyState.quiet_start),
                      _time_field("Until", "quiet_end", NotifyState.quiet_end), spacing="3", wrap="wrap"),
            _text_field("Time zone", "timezone", NotifyState.timezone, "An IANA name such as UTC or Europe/Berlin.",
                        max_length=notify_rules.TIMEZONE_MAX, auto_complete="off"),
            rx.el.label(
                rx.checkbox(name="email_enabled", default_checked=NotifyState.email_enabled, key=NotifyState.email_enabled.to_string(),
                            aria_label="E-mail me about mentions and direct messages I have not seen"),
                rx.text("E-mail me about mentions and direct messages I have not seen", size="2"),
                class_name="flex items-center gap-2 cursor-pointer",
            ),
            rx.cond(~NotifyState.email_available,
                    rx.text("This hub has no mail server configured, so no e-mail is sent yet.", size="1", color=rx.color("gray", 11))),
            _text_field("Send after (minutes unseen)", "email_delay", NotifyState.email_delay,
                        f"From {notify_rules.EMAIL_DELAY_MIN} to {notify_rules.EMAIL_DELAY_MAX}; messages waiting are sent together.",
                        input_mode="numeric", max_length=4),
            submit_button("Save notification settings", NotifyState.settings_saving),
            spacing="3", width="100%", align="start",
        ),
        on_submit=NotifyState.save_notify_settings,
        width="100%",
    )
