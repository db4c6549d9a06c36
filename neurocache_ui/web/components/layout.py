"""The page frames: the public frame (landing, auth) and the signed-in hub shell."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.dms import new_message_button, new_message_dialog
from neurocache_ui.web.components.profiles import profile_card, profile_button
from neurocache_ui.web.components.search import search_bar
from neurocache_ui.web.components.client_widgets import notify_button, tab_badge, viewport_height
from neurocache_ui.web.state.auth import AuthState
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.mentions import MentionsState

NAV = [
    ("Channels", "/channels", "messages-square"),
    ("Browse channels", "/browse", "compass"),  # shown under the channel list
    ("Mentions", "/mentions", "at-sign"),
    ("Saved", "/saved", "bookmark"),
    ("Agents", "/agents", "bot"),
    ("API keys", "/keys", "key-round"),
    ("Usage", "/usage", "chart-line"),
]


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("brain-circuit", size=24, color=rx.color("accent", 10)),
            rx.heading("Neurocache", size="5", weight="bold"),
            align="center",
            spacing="2",
        ),
        href="/",
        underline="none",
        color="inherit",
    )


def color_mode_toggle() -> rx.Component:
    return rx.color_mode.button(variant="ghost", aria_label="Toggle light and dark mode")


def public_frame(*children: rx.Component) -> rx.Component:
    return rx.box(
        rx.hstack(
            brand(),
            rx.spacer(),
            color_mode_toggle(),
            padding_x="1.5em",
            padding_y="1em",
            align="center",
            width="100%",
        ),
        rx.el.main(*children, class_name="w-full"),
        min_height="100vh",
    )


def count_badge(count: rx.Var[int], unit: str, **props: object) -> rx.Component:
    """A count in a badge; screen readers also hear what it counts ("2 unread"), so
    a link's accessible name is its visible text and the count's meaning."""
    return rx.badge(count, rx.el.span(" " + unit, class_name="sr-only"), size="1", radius="full", **props)


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    active = rx.State.router.url.path.startswith(href)
    # Mentions carries the unseen count ("Mentions 2 unread" to a screen reader).
    badge = rx.cond(
        MentionsState.mention_count > 0, count_badge(MentionsState.mention_count, "unread", color_scheme="red"),
    ) if href == "/mentions" else rx.fragment()
    return rx.link(
        rx.hstack(rx.icon(icon, size=18, aria_hidden="true"), rx.text(label, size="3"), rx.spacer(), badge,
                  align="center", spacing="3", width="100%"),
        href=href,
        underline="none",
        color="inherit",
        padding_x="0.75em",
        padding_y="0.5em",
        border_radius="var(--radius-3)",
        width="100%",
        background=rx.cond(active, rx.color("accent", 4), "transparent"),
        aria_current=rx.cond(active, "page", "false"),
        _hover={"background": rx.color("accent", 3)},
    )


def _presence_dot(online: rx.Var[bool]) -> rx.Component:
    """A DM's mark: filled green while one of its other people is in the hub (screen
    readers hear ", online" after the name instead)."""
    return rx.box(
        aria_hidden="true",
        width="0.6rem", height="0.6rem", border_radius="9999px", flex_shrink="0",
        background=rx.cond(online, rx.color("grass", 9), "transparent"),
        border=rx.cond(online, "none", f"1.5px solid {rx.color('gray', 9)}"),
        title=rx.cond(online, "Online", "Away"),
    )


def _channel_link(channel: rx.Var[dict]) -> rx.Component:
    """A sidebar row: a channel ("#") or a direct message (its presence dot; a DM with one
    person also has a button, beside the link, that opens their card)."""
    href = "/channels/" + channel["slug"].to(str)
    active = rx.State.router.url.path == href
    link = rx.link(
        rx.hstack(
            rx.cond(channel["kind"] == "dm", _presence_dot(channel["online"].to(bool)),
                    rx.text("#", color=rx.color("gray", 11), aria_hidden="true")),
            rx.text(channel["name"], size="2", class_name="truncate", weight=rx.cond(channel["unread"].to(int) > 0, "bold", "regular")),
            rx.cond(channel["online"].to(bool), rx.el.span(", online", class_name="sr-only")),
            rx.spacer(),
            rx.cond(channel["muted"].to(bool), rx.icon("bell-off", size=12, aria_label="muted", role="img", flex_shrink="0")),
            rx.cond(channel["unread"].to(int) > 0, count_badge(channel["unread"].to(int), "unread", title="unread messages")),
            align="center",
            spacing="2",
            width="100%",
        ),
        href=href,
        underline="none",
        color="inherit",
        padding_x="0.75em",
        padding_y="0.25em",
        border_radius="var(--radius-2)",
        width="100%",
        background=rx.cond(active, rx.color("accent", 3), "transparent"),
        _hover={"background": rx.color("accent", 3)},
        opacity=rx.cond(channel["muted"].to(bool), "0.6", "1"),  # muted: dimmed, not in the tab title
    )
    peer = channel["peer"].to(int)
    return rx.hstack(
        link, rx.cond(peer > 0, profile_button(channel["name"].to(str), peer)), align="center", spacing="0", width="100%",
    )


def _account() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(
                rx.avatar(fallback=AuthState.user_initial, size="2", radius="full", aria_hidden="true"),
                rx.text(AuthState.user_name, size="2", weight="medium", trim="both", class_name="truncate"),
                rx.el.span(", account", class_name="sr-only"),
                align="center",
                spacing="2",
                class_name="min-w-0",
            ),
            href="/account",
            underline="none",
            color="inherit",
            class_name="min-w-0",
        ),
        rx.spacer(),
        rx.button(
            rx.icon("log-out", size=16),
            "Log out",
            on_click=AuthState.logout,
            variant="soft",
            size="1",
            flex_shrink="0",
        ),
        align="center",
        width="100%",
        spacing="2",
    )


def _closing(link: rx.Component, in_drawer: bool) -> rx.Component:
    """In the phone drawer, following a link also closes the drawer."""
    return rx.dialog.close(link) if in_drawer else link


def _get_started(in_drawer: bool) -> rx.Component:
    """"Get started", to /welcome, while first-run steps are left."""
    link = rx.link(
        rx.hstack(rx.icon("rocket", size=18, aria_hidden="true"), rx.text("Get started", size="3"), rx.spacer(),
                  count_badge(ChatState.open_steps, "left"), align="center", spacing="3", width="100%"),
        href="/welcome", underline="none", color="inherit",
        padding_x="0.75em", padding_y="0.5em", border_radius="var(--radius-3)", width="100%",
        background=rx.cond(rx.State.router.url.path.startswith("/welcome"), rx.color("accent", 4), "transparent"),
        _hover={"background": rx.color("accent", 3)},
    )
    return rx.cond(ChatState.open_steps > 0, _closing(link, in_drawer))


def _sidebar_body(in_drawer: bool) -> rx.Component:
    """The sidebar's contents: in the wide layout's column, or in the phone drawer."""
    links = [_get_started(in_drawer)] + [_closing(_nav_link(*item), in_drawer) for item in NAV]
    links.append(rx.cond(AuthState.user_is_admin, _closing(_nav_link("Admin", "/admin", "shield"), in_drawer)))

    def rows(kind_is_dm: bool, **props: object) -> rx.Component:
        return rx.vstack(
            rx.foreach(ChatState.channel_list, lambda channel: rx.cond(
                (channel["kind"] == "dm") == kind_is_dm, _closing(_channel_link(channel), in_drawer))),
            spacing="0", width="100%", padding_left="1em", overflow_y="auto", **props,
        )

    direct = rx.vstack(
        rx.hstack(
            rx.text("Direct messages", size="1", weight="medium", color=rx.color("gray", 11)),
            rx.spacer(),
            _closing(new_message_button(), in_drawer),
            align="center", width="100%", padding_left="0.75em", padding_top="0.5em",
        ),
        rx.cond(
            ChatState.has_direct_messages,
            rows(True, max_height=None if in_drawer else "25vh"),
            rx.text("No direct messages yet", size="1", color=rx.color("gray", 11), padding_left="1.75em"),
        ),
        spacing="1", width="100%", role="group", aria_label="Direct messages",
    )
    return rx.vstack(
        rx.hstack(brand(), rx.spacer(), color_mode_toggle(), width="100%", align="center"),
        rx.el.nav(
            rx.vstack(*links[:2], rows(False, max_height=None if in_drawer else "35vh"), direct, *links[2:],
                      spacing="1", width="100%"),
            aria_label="Hub",
            class_name="w-full",
        ),
        rx.spacer(),
        notify_button(),
        _account(),
        spacing="4",
        height="100%",
        width="100%",
    )


def sidebar() -> rx.Component:
    """The wide layout's sidebar column (hidden below 768 px, where the Menu drawer has it)."""
    return rx.box(
        _sidebar_body(False),
        class_name="hidden md:flex flex-col w-64 shrink-0 h-full overflow-y-auto p-4",
        border_right=f"1px solid {rx.color('gray', 5)}",
    )


def _menu_drawer() -> rx.Component:
    """Phones: a "Menu" button opening the sidebar as a drawer from the left (a
    dialog, so Esc, the close button and following a link all close it)."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.icon_button(rx.icon("menu", size=20), variant="ghost", size="3", aria_label="Menu", title="Menu"),
        ),
        rx.dialog.content(
            rx.dialog.title("Menu", class_name="sr-only"),
            rx.dialog.description("Pages, channels and your account", class_name="sr-only"),
            rx.dialog.close(
                rx.icon_button(rx.icon("x", size=18), variant="ghost", aria_label="Close menu",
                               position="absolute", top="0.75em", right="0.75em"),
            ),
            _sidebar_body(True),
            class_name="menu-drawer",
            style={
                "position": "fixed", "top": "0", "left": "0", "bottom": "0", "height": "var(--app-height, 100dvh)",
                "maxHeight": "none", "width": "min(20rem, 86vw)", "margin": "0", "borderRadius": "0",
                "padding": "1rem", "paddingTop": "3rem", "overflowY": "auto",
            },
        ),
    )


def top_bar() -> rx.Component:
    """Phones only: the Menu button and the brand, above the page."""
    return rx.hstack(
        _menu_drawer(),
        brand(),
        rx.spacer(),
        align="center",
        spacing="2",
        class_name="flex md:hidden px-3 py-2 shrink-0",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        width="100%",
    )


def service_banner() -> rx.Component:
    return rx.cond(
        AuthState.service_notice != "",
        rx.callout(
            AuthState.service_notice, icon="wifi-off", color_scheme="amber", role="status",
            position="fixed", top="0.5em", left="50%", transform="translateX(-50%)", z_index="1000",
        ),
    )


def hub_page(title: str, *children: rx.Component, fill: bool = False) -> rx.Component:
    """A signed-in page; nothing of it renders until the session is confirmed.

    The shell is exactly the visible viewport high (`--app-height` follows the
    on-screen keyboard, web/components/viewport.py): the sidebar and the page
    scroll on their own. `fill`: the page fills the height itself (a chat whose
    log scrolls inside, its composer at the bottom) instead of scrolling."""
    main_class = "flex-1 min-w-0 min-h-0 flex flex-col p-3 md:p-6 " + ("overflow-hidden" if fill else "overflow-y-auto")
    return rx.cond(
        AuthState.is_logged_in,
        rx.box(
            viewport_height(),
            tab_badge(MentionsState.mention_count + ChatState.waiting_dms),  # "(3) Channels · Neurocache"
            service_banner(),
            new_message_dialog(),
            profile_card(),
            top_bar(),
            rx.box(
                sidebar(),
                rx.el.main(
                    search_bar(),
                    rx.heading(title, size="7", margin_bottom="0.75em") if title else rx.fragment(),
                    *children,
                    class_name=main_class,
                ),
                class_name="flex flex-1 min-h-0 w-full",
            ),
            class_name="flex flex-col w-full overflow-hidden",
            height="var(--app-height, 100dvh)",
        ),
        rx.cond(
            AuthState.ended_notice != "",
            rx.center(
                rx.callout(AuthState.ended_notice, icon="log-out", role="alert"),
                rx.link("Log in", href="/login", margin_top="1em"),
                direction="column",
                height="100vh",
            ),
            rx.center(rx.spinner(size="3"), rx.text("Loading…", margin_left="0.5em"), height="100vh"),
        ),
    )


def empty_state(icon: str, heading: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=40, color=rx.color("gray", 9)),
            rx.heading(heading, size="4"),
            rx.text(text, color=rx.color("gray", 11), text_align="center", max_width="32em"),
            align="center",
            spacing="3",
        ),
        padding="4em",
        border=f"1px dashed {rx.color('gray', 6)}",
        border_radius="var(--radius-4)",
    )
