"""The dialog that shows a passage a reply cites (web/state/citations.py)."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.web.components.forms import form_alert
from neurocache_ui.web.state.citations import CitationState


def citation_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.hstack(rx.icon("file-text", size=18, aria_hidden="true"), CitationState.citation_title,
                                      align="center", spacing="2")),
            rx.dialog.description("The passage of the agent's knowledge this reply was given.", size="2",
                                  color=rx.color("gray", 11)),
            form_alert(CitationState.citation_error),
            rx.cond(
                CitationState.citation_text != "",
                rx.box(rx.text(CitationState.citation_text, white_space="pre-wrap", size="2"), max_height="50vh",
                       overflow_y="auto", padding="0.75em", border=f"1px solid {rx.color('gray', 5)}",
                       border_radius="var(--radius-2)", margin_top="0.75em", tab_index=0),
            ),
            rx.hstack(
                rx.cond(CitationState.citation_agent != "",
                        rx.link("Open the agent's knowledge", href="/agents/" + CitationState.citation_agent, underline="always")),
                rx.spacer(),
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                width="100%", align="center", margin_top="1em",
            ),
            max_width="40em",
        ),
        open=CitationState.citation_open,
        on_open_change=CitationState.close_citation,
    )
