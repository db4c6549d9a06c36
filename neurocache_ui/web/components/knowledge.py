"""The "Knowledge" tab of an agent's page: upload (files or a .zip), "Add from the
web" and its sources, and the paged list of documents with each one's status and
progress, failed ones with their reason, Retry and Delete."""

from __future__ import annotations

from typing import Any

import reflex as rx

from neurocache_ui.services.knowledge import SUPPORTED, SUPPORTED_IMAGES
from neurocache_ui.services.knowledge.formats import CONTENT_TYPES
from neurocache_ui.settings import get_settings
from neurocache_ui.web.components.forms import form_alert, labelled_upload
from neurocache_ui.web.state.knowledge import UPLOAD_ID, KnowledgeState

STATUS_COLORS = {"queued": "gray", "reading": "blue", "embedding": "blue", "ready": "green", "failed": "red"}
FILTER_CHOICES = [("all", "All"), ("pending", "Processing"), ("ready", "Ready"), ("failed", "Failed")]


def _status(doc: rx.Var[dict[str, Any]]) -> rx.Component:
    status = doc["status"].to(str)
    return rx.vstack(
        rx.match(
            status,
            *[(name, rx.badge(name.capitalize(), color_scheme=color)) for name, color in STATUS_COLORS.items()],
            rx.badge(status),
        ),
        rx.cond(
            (status == "embedding") | (status == "reading"),
            rx.progress(value=doc["percent"].to(int), width="8em",
                        aria_label="Progress of " + doc["filename"].to(str)),
        ),
        rx.cond(doc["progress"].to(str) != "", rx.text(doc["progress"].to(str), size="1", color=rx.color("gray", 11))),
        rx.cond(status == "failed", rx.text(doc["reason"].to(str), size="1", color=rx.color("red", 11))),
        spacing="1",
        align="start",
    )


def _document(doc: rx.Var[dict[str, Any]]) -> rx.Component:
    name = doc["filename"].to(str)
    return rx.table.row(
        rx.table.cell(rx.hstack(rx.icon("file-text", size=16), rx.text(name, word_break="break-all"), align="center")),
        rx.table.cell(_status(doc)),
        rx.table.cell(doc["size"]),
        rx.table.cell(doc["chunks"]),
        rx.table.cell(rx.moment(doc["created_at"], from_now=True)),
        rx.table.cell(rx.hstack(
            rx.cond(
                doc["status"].to(str) == "failed",
                rx.icon_button(rx.icon("rotate-ccw", size=14), variant="ghost", aria_label="Retry " + name,
                               on_click=KnowledgeState.retry_document(doc["id"])),
            ),
            rx.icon_button(rx.icon("trash-2", size=14), variant="ghost", color_scheme="red", aria_label="Delete " + name,
                           on_click=KnowledgeState.delete_document(doc["id"])),
        )),
    )


def _crawl(row: rx.Var[dict[str, Any]]) -> rx.Component:
    url = row["url"].to(str)
    return rx.hstack(
        rx.icon("globe", size=16),
        rx.vstack(
            rx.text(url, size="2", word_break="break-all"),
            rx.text(row["status"].to(str) + " · " + row["pages"].to(str) + " pages · " + row["limits"].to(str),
                    size="1", color=rx.color("gray", 11)),
            rx.cond(row["reason"].to(str) != "", rx.text(row["reason"].to(str), size="1", color=rx.color("red", 11))),
            spacing="0",
        ),
        rx.spacer(),
        rx.button(rx.icon("refresh-cw", size=14), "Re-crawl", size="1", variant="soft", disabled=row["active"].to(bool),
                  aria_label="Re-crawl " + url, on_click=KnowledgeState.recrawl(row["id"])),
        width="100%",
        align="center",
    )


def _crawl_dialog() -> rx.Component:
    settings = get_settings()
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("globe", size=16), "Add from the web", variant="soft")),
        rx.dialog.content(
            rx.dialog.title("Add from the web"),
            rx.dialog.description(
                f"The page and the pages it links to on the same site, up to {settings.crawl_max_depth} links deep and "
                f"{settings.crawl_max_pages} pages. The site's robots.txt is honoured; addresses inside private networks are refused.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.el.label("Address", html_for="crawl-url"),
                    rx.input(id="crawl-url", name="url", placeholder="https://example.com/docs", type="url", required=True, width="100%"),
                    rx.hstack(
                        rx.vstack(rx.el.label("Link depth", html_for="crawl-depth"),
                                  rx.input(id="crawl-depth", name="depth", type="number", default_value="1", min=0,
                                           max=settings.crawl_max_depth)),
                        rx.vstack(rx.el.label("Page limit", html_for="crawl-pages"),
                                  rx.input(id="crawl-pages", name="max_pages", type="number", default_value="20", min=1,
                                           max=settings.crawl_max_pages)),
                    ),
                    form_alert(KnowledgeState.crawl_error),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Add pages", type="submit"),
                        justify="end", width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=KnowledgeState.add_from_web,
                reset_on_submit=False,
            ),
        ),
        open=KnowledgeState.crawl_open,
        on_open_change=KnowledgeState.set_crawl_open,
    )


def _list_controls() -> rx.Component:
    return rx.hstack(
        rx.text(KnowledgeState.doc_count_text, size="2", color=rx.color("gray", 11), aria_live="polite"),
        rx.spacer(),
        rx.input(placeholder="Filter by name", aria_label="Filter documents by name", value=KnowledgeState.doc_search,
                 on_change=KnowledgeState.set_doc_search.debounce(300), size="1"),
        rx.select.root(
            rx.select.trigger(aria_label="Show documents by status"),
            rx.select.content(*[rx.select.item(label, value=value) for value, label in FILTER_CHOICES]),
            value=rx.cond(KnowledgeState.doc_filter == "", "all", KnowledgeState.doc_filter),
            on_change=KnowledgeState.set_doc_filter,
            size="1",
        ),
        width="100%",
        align="center",
        wrap="wrap",
    )


def _pager() -> rx.Component:
    return rx.cond(
        KnowledgeState.doc_pages > 1,
        rx.hstack(
            rx.button("Previous", size="1", variant="soft", disabled=KnowledgeState.doc_page == 0,
                      on_click=KnowledgeState.turn_page(-1)),
            rx.text("Page ", KnowledgeState.doc_page + 1, " of ", KnowledgeState.doc_pages, size="2"),
            rx.button("Next", size="1", variant="soft", disabled=KnowledgeState.doc_page + 1 >= KnowledgeState.doc_pages,
                      on_click=KnowledgeState.turn_page(1)),
            align="center",
        ),
    )


def knowledge_panel() -> rx.Component:
    settings = get_settings()
    limit_mb = settings.max_upload_bytes / (1024 * 1024)
    zip_mb = settings.knowledge_zip_max_bytes / (1024 * 1024)
    accept = {"application/octet-stream": sorted({*CONTENT_TYPES, ".zip"})}
    return rx.vstack(
        rx.text(
            f"Documents this agent retrieves from when it answers ({SUPPORTED} files up to {limit_mb:g} MB each, or a .zip "
            f"of them up to {zip_mb:g} MB). They are read in the background; the list shows their progress. The best "
            "passages for each question go into its prompt, and its reply names them. "
            f"Images ({SUPPORTED_IMAGES}) are found by their file name and the description stored in the file, not by what they show.",
            color=rx.color("gray", 11),
        ),
        labelled_upload(rx.upload(
            rx.vstack(rx.icon("upload", size=24), rx.text("Drop files or a .zip here, or click to choose"), align="center", spacing="1"),
            id=UPLOAD_ID,
            accept=accept,
            max_size=max(settings.max_upload_bytes, settings.knowledge_zip_max_bytes),
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
            rx.cond(KnowledgeState.uploading, rx.progress(value=KnowledgeState.upload_progress, width="12em",
                                                          aria_label="Upload progress")),
            _crawl_dialog(),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.cond(KnowledgeState.knowledge_notice != "", rx.text(KnowledgeState.knowledge_notice, size="2", role="status")),
        form_alert(KnowledgeState.knowledge_error),
        rx.cond(KnowledgeState.crawls.length() > 0,
                rx.vstack(rx.heading("From the web", size="3"), rx.foreach(KnowledgeState.crawls, _crawl), width="100%")),
        rx.cond(
            (KnowledgeState.doc_total > 0) | (KnowledgeState.doc_ready + KnowledgeState.doc_pending + KnowledgeState.doc_failed > 0),
            rx.vstack(
                _list_controls(),
                rx.table.root(
                    rx.table.header(rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Document", "Status", "Size", "Passages", "Added", "")]
                    )),
                    rx.table.body(rx.foreach(KnowledgeState.documents, _document)),
                    width="100%",
                ),
                rx.cond(KnowledgeState.doc_total == 0, rx.text("No documents match.", color=rx.color("gray", 11))),
                _pager(),
                width="100%",
            ),
            rx.text(
                "No documents yet. Drop notes, manuals, FAQs or a .zip of them into the box above and press Upload, "
                "or add pages from the web.",
                color=rx.color("gray", 11),
            ),
        ),
        spacing="3",
        width="100%",
        align="start",
    )
