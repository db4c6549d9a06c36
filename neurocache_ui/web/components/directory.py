"""Open and private channels in the page: the visibility choice (the create dialog and
the owner's "Who can find it" dialog) and the "Join channel" bar an open channel shows
in place of the composer to someone reading it before joining."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.domain import visibility
from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.browse import VISIBILITY_DIALOG, BrowseState
from neurocache_ui.web.state.channel_admin import ChannelAdminState
from neurocache_ui.web.state.chat import ChatState

_LABELS = {visibility.PRIVATE: "Private", visibility.OPEN: "Open"}


def _choice(value: str, form_id: str) -> rx.Component:
    item_id = f"{form_id}-visibility-{value}"
    return rx.hstack(
        rx.radio_group.item(value=value, id=item_id, aria_describedby=f"{item_id}-help", margin_top="0.2em"),
        rx.vstack(
            rx.el.label(_LABELS[value], html_for=item_id, class_name="text-sm font-medium"),
            rx.text(visibility.EXPLAINED[value], id=f"{item_id}-help", size="1", color=rx.color("gray", 11)),
            spacing="0",
        ),
        align="start",
        spacing="2",
    )


def visibility_field(form_id: str, default: rx.Var[str] | str = visibility.PRIVATE) -> rx.Component:
    """"Who can find it": Private (the default) or Open, each with its one-line explanation."""
    return rx.el.fieldset(
        rx.el.legend("Who can find it", class_name="text-sm font-medium mb-1"),
        rx.radio_group.root(
            rx.vstack(*[_choice(value, form_id) for value in (visibility.PRIVATE, visibility.OPEN)], spacing="2"),
            name="visibility",
            default_value=default,
        ),
        class_name="border-0 p-0 m-0",
    )


def visibility_dialog() -> rx.Component:
    """The owner's "Who can find it" setting of the open channel."""
    form = rx.form(
        rx.vstack(
            form_alert(ChannelAdminState.dialog_error),
            visibility_field("channel-settings", ChatState.channel_visibility),
            rx.text("People already in the channel stay in it either way.", size="1", color=rx.color("gray", 11)),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", type="button", variant="soft", color_scheme="gray")),
                rx.button("Save", type="submit"),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        on_submit=BrowseState.set_visibility,
    )
    return rx.dialog.root(
        rx.dialog.content(rx.dialog.title("Who can find this channel"), form, max_width="30em"),
        open=ChannelAdminState.dialog_open == VISIBILITY_DIALOG,
        on_open_change=lambda is_open: ChannelAdminState.toggle_dialog(VISIBILITY_DIALOG, is_open),
    )


def join_bar() -> rx.Component:
    """Under an open channel read before joining: what it is, and "Join channel"."""
    return rx.vstack(
        form_alert(ChatState.send_error, size="1"),
        rx.hstack(
            rx.text("You are reading #", ChatState.channel_name, ". Join to post, react and pin.", size="2",
                    class_name="min-w-0 break-words", flex="1"),
            rx.button(rx.icon("log-in", size=16), "Join channel", on_click=BrowseState.join_open, size="3"),
            align="center",
            spacing="3",
            width="100%",
            wrap="wrap",
            padding="0.75em",
            border=f"1px solid {rx.color('accent', 6)}",
            background=rx.color("accent", 2),
            border_radius="var(--radius-3)",
        ),
        role="region",
        aria_label="Join channel",
        width="100%",
        flex_shrink="0",
        spacing="1",
    )
