"""The "Knowledge" tab of an agent's page."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.services.knowledge import SUPPORTED, SUPPORTED_IMAGES
from neurocache_ui.settings import get_settings
from neurocache_ui.web.components.forms import form_alert, labelled_upload
from neurocache_ui.web.state.knowledge import UPLOAD_ID, KnowledgeState


def _document(doc: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.icon("file-text", size=16), rx.text(doc["filename"]), align="center")),
        rx.table.cell(doc["size"]),
        rx.table.cell(doc["chunks"]),
        rx.table.cell(rx.moment(doc["created_at"], from_now=True)),
        rx.table.cell(
            rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red",
                           aria_label="Delete " + doc["filename"].to(str),
                           on_click=KnowledgeState.delete_document(doc["id"]))
        ),
    )


def knowledge_panel() -> rx.Component:
    limit_mb = get_settings().max_upload_bytes / (1024 * 1024)
    return rx.vstack(
        rx.text(
            f"Documents this agent retrieves from when it answers ({SUPPORTED} files, "
            f"up to {limit_mb:g} MB per upload). The best passages for each question go into its prompt, and its reply names them. "
            f"Images ({SUPPORTED_IMAGES}) are found by their file name and the description stored in the file, not by what they show.",
            color=rx.color("gray", 11),
        ),
        labelled_upload(rx.upload(
            rx.vstack(
                rx.icon("upload", size=24),
                rx.text("Drop files here or click to choose"),
                align="center",
                spacing="1",
            ),
            id=UPLOAD_ID,
            accept={"text/plain": [".txt"], "text/markdown": [".md"], "application/pdf": [".pdf"], "image/png": [".png"],
                    "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"], "image/gif": [".gif"]},
            max_size=get_settings().max_upload_bytes,
            multiple=True,
            border=f"1px dashed {rx.color('gray', 7)}",
            padding="1.5em",
            width="100%",
        ), "Choose knowledge documents"),
        rx.hstack(rx.foreach(rx.selected_files(UPLOAD_ID), lambda name: rx.badge(name)), wrap="wrap"),
        rx.hstack(
            rx.button(
                rx.icon("upload", size=16),
                "Upload",
                on_click=[
                    KnowledgeState.upload_started,
                    KnowledgeState.upload(
                        rx.upload_files_chunk(upload_id=UPLOAD_ID, on_upload_progress=KnowledgeState.track_progress)
                    ),
                ],
                loading=KnowledgeState.uploading,
            ),
            rx.cond(KnowledgeState.uploading, rx.progress(value=KnowledgeState.upload_progress, width="12em")),
            align="center",
            spacing="3",
        ),
        form_alert(KnowledgeState.knowledge_error),
        rx.cond(
            KnowledgeState.documents.length() > 0,
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Document", "Size", "Passages", "Added", "")]
                    )
                ),
                rx.table.body(rx.foreach(KnowledgeState.documents, _document)),
                width="100%",
            ),
            rx.text(
                "No documents yet. Drop notes, manuals or FAQs the agent should know into the box above, then press Upload.",
                color=rx.color("gray", 11),
            ),
        ),
        spacing="3",
        width="100%",
        align="start",
    )
