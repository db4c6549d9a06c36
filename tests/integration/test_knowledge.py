"""services.knowledge: uploads, chunking and full-text retrieval, on Postgres and on SQLite."""

from __future__ import annotations

import asyncio
import io
import signal
import time

import pytest
import sqlalchemy as sa
from pypdf import PdfWriter

from neurocache_ui.domain.chunking import CHUNK_CHARS, chunk_text
from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.infra.pdf_text import PdfError, PdfLimits, PdfText, extract_pdf_text
from neurocache_ui.services import knowledge
from neurocache_ui.store.db import get_engine, session_scope
from neurocache_ui.store.models import Agent, KnowledgeChunk, KnowledgeDocument
from testkit.documents import bomb_pdf, make_pdf, pdf_file
from tests.integration.messaging_support import make_agent, make_user


def blank_pdf(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def chunk_rows(document_id: int) -> list[tuple[int, str]]:
    with get_engine().connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                sa.select(KnowledgeChunk.ordinal, KnowledgeChunk.content)
                .where(KnowledgeChunk.document_id == document_id)
                .order_by(KnowledgeChunk.ordinal)
            )
        ]


PRICING = """# Pricing

The Starter plan is free for up to three agents.

The Pro plan costs 20 euros per month per seat and includes unlimited channels.
Annual billing gives two months free.
"""
REFUNDS = """Refund policy.

Customers can request a refund within 14 days of purchase. Refunds are paid back
to the original payment method within five working days. Damaged hardware is replaced instead.
"""
ONBOARDING = "Onboarding checklist: create your first agent, invite teammates, connect a model provider."


@pytest.fixture
def owner(database: str) -> tuple[int, int]:
    user = make_user("Ada")
    return user, make_agent(user, "Librarian")


def test_text_and_markdown_uploads(owner: tuple[int, int]) -> None:
    user, agent = owner
    doc = knowledge.add_document(user, agent, "pricing.md", PRICING.encode())
    assert (doc.agent_id, doc.filename, doc.content_type) == (agent, "pricing.md", "text/markdown")
    assert doc.size_bytes == len(PRICING.encode()) and doc.chunk_count == 1
    [(ordinal, content)] = chunk_rows(doc.id)
    assert ordinal == 0 and content.startswith("# Pricing\n\nThe Starter plan")
    txt = knowledge.add_document(user, agent, "C:\\Users\\ada\\refunds.txt", REFUNDS.encode("utf-8-sig"))
    assert txt.filename == "refunds.txt" and txt.content_type == "text/plain"
    assert [d.filename for d in knowledge.list_documents(user, agent)] == ["refunds.txt", "pricing.md"]
    assert knowledge.get_document(user, txt.id) == txt


def test_pdf_upload_extracts_text(owner: tuple[int, int]) -> None:
    user, agent = owner
    pdf = make_pdf(["Warranty terms: hardware is covered for two years.", "Batteries are covered for one year."])
    doc = knowledge.add_document(user, agent, "warranty.pdf", pdf)
    assert doc.content_type == "application/pdf" and doc.chunk_count == 1
    [(_, content)] = chunk_rows(doc.id)
    assert "covered for two years." in content and "Batteries are covered for one year." in content
    [hit] = knowledge.search(agent, "how long are batteries covered?")
    assert hit.filename == "warranty.pdf"


def test_retrieval_picks_the_right_chunk_among_documents(owner: tuple[int, int]) -> None:
    user, agent = owner
    knowledge.add_document(user, agent, "pricing.md", PRICING.encode())
    refunds = knowledge.add_document(user, agent, "refunds.txt", REFUNDS.encode())
    knowledge.add_document(user, agent, "onboarding.txt", ONBOARDING.encode())
    # A long manual: many chunks, one of which mentions the espresso machine.
    filler = [f"Section {n}. The office plants are watered on day {n} by the facilities team." for n in range(60)]
    filler.insert(37, "The espresso machine on floor three must be descaled every Friday afternoon.")
    manual = knowledge.add_document(user, agent, "manual.txt", "\n\n".join(filler).encode())
    assert manual.chunk_count > 3

    hits = knowledge.search(agent, "What is your refund policy for a purchase I made?")
    assert hits and hits[0].filename == "refunds.txt" and hits[0].document_id == refunds.id
    assert "within 14 days" in hits[0].content

    hits = knowledge.search(agent, "How much does the Pro plan cost per month?")
    assert hits[0].filename == "pricing.md" and "20 euros" in hits[0].content

    hits = knowledge.search(agent, "when should someone descale the espresso machine", limit=2)
    assert hits[0].filename == "manual.txt" and "espresso machine" in hits[0].content
    assert len(hits) <= 2
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))

    # Stemming: "refunded"/"purchases" find "refund"/"purchase".
    assert knowledge.search(agent, "refunded purchases")[0].filename == "refunds.txt"
    assert knowledge.search(agent, "quantum chromodynamics") == []
    assert knowledge.search(agent, "what is the") == []  # only common words


def test_search_sees_only_that_agents_knowledge(owner: tuple[int, int]) -> None:
    user, agent = owner
    other_agent = make_agent(user, "Other")
    knowledge.add_document(user, other_agent, "refunds.txt", REFUNDS.encode())
    assert knowledge.search(agent, "refund policy") == []
    assert knowledge.search(other_agent, "refund policy")[0].filename == "refunds.txt"


@pytest.mark.parametrize(
    "query",
    [
        'refund" OR agent_id:1 NOT "x',
        "refund) AND (NEAR(a b",
        "refund's & | ! <-> :* policy",
        "*refund* ^policy -damaged {content}:x",
        "refund\x00policy\\'",
        "",
        "   ",
        "ü é 中文 refund",
    ],
)
def test_query_syntax_in_user_text_is_harmless(owner: tuple[int, int], query: str) -> None:
    user, agent = owner
    knowledge.add_document(user, agent, "refunds.txt", REFUNDS.encode())
    hits = knowledge.search(agent, query)
    if "refund" in query:
        assert hits and hits[0].filename == "refunds.txt"
    else:
        assert hits == []


def test_delete_removes_the_document_and_its_chunks(owner: tuple[int, int]) -> None:
    user, agent = owner
    doc = knowledge.add_document(user, agent, "refunds.txt", REFUNDS.encode())
    keep = knowledge.add_document(user, agent, "pricing.md", PRICING.encode())
    assert knowledge.search(agent, "refund")
    knowledge.delete_document(user, doc.id)
    assert chunk_rows(doc.id) == []
    assert knowledge.search(agent, "refund") == []  # gone from the search index too
    assert [d.id for d in knowledge.list_documents(user, agent)] == [keep.id]
    with pytest.raises(NotFound):
        knowledge.delete_document(user, doc.id)


def test_deleting_the_agent_removes_its_knowledge(owner: tuple[int, int]) -> None:
    user, agent = owner
    doc = knowledge.add_document(user, agent, "refunds.txt", REFUNDS.encode())
    with session_scope() as session:
        session.execute(sa.delete(Agent).where(Agent.id == agent))
    assert chunk_rows(doc.id) == []
    assert knowledge.search(agent, "refund") == []
    with get_engine().connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(KnowledgeDocument).where(KnowledgeDocument.id == doc.id)).scalar() == 0


def test_upload_errors_are_clear(owner: tuple[int, int], use_settings) -> None:
    user, agent = owner

    def error(filename: str, data: bytes) -> str:
        with pytest.raises(Invalid) as caught:
            knowledge.add_document(user, agent, filename, data)
        assert caught.value.field == "file"
        return str(caught.value)

    assert error("report.docx", b"PK\x03\x04...") == (
        "report.docx could not be read as a DOCX file; it may be damaged or password-protected."
    )
    assert error("setup.exe", b"MZ...") == (
        "setup.exe is not a supported document type (.exe). Upload a .txt, .md, .pdf, .html, .docx, .pptx, .xlsx, "
        ".csv, .json, .jsonl, video or audio file, or a .zip of them."
    )
    assert "not a supported document type" in error("README", b"hello")
    assert error("empty.txt", b"") == "empty.txt is empty."
    assert error("blank.md", b"  \n\n \t ") == "blank.md contains no text to learn from."
    assert error("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00").startswith("binary.txt does not look like a text file")
    assert error("fake.pdf", b"this is not a pdf") == "fake.pdf is not a valid PDF file."
    assert error("broken.pdf", b"%PDF-1.4\n garbage garbage") == "broken.pdf could not be read as a PDF; it may be damaged."
    assert error("scan.pdf", blank_pdf()) == (
        "scan.pdf contains no text to learn from. Scanned PDFs need text recognition (OCR) first."
    )
    assert error("secret.pdf", blank_pdf(password="pw")) == (
        "secret.pdf is password-protected. Upload a PDF without a password."
    )

    use_settings(NEUROCACHE_MAX_UPLOAD_BYTES="1000")
    assert error("big.txt", b"x" * 1001) == (
        "big.txt is too large (1001 bytes); the limit is 1000 bytes. Split it into smaller files."
    )
    assert knowledge.add_document(user, agent, "ok.txt", b"y" * 1000).size_bytes == 1000
    assert [d.filename for d in knowledge.list_documents(user, agent)] == ["ok.txt"]


def test_someone_elses_agent_is_not_found(owner: tuple[int, int]) -> None:
    user, agent = owner
    mallory = make_user("Mallory")
    doc = knowledge.add_document(user, agent, "refunds.txt", REFUNDS.encode())
    with pytest.raises(NotFound, match="Agent not found."):
        knowledge.add_document(mallory, agent, "x.txt", b"hello")
    with pytest.raises(NotFound, match="Agent not found."):
        knowledge.list_documents(mallory, agent)
    with pytest.raises(NotFound, match="Agent not found."):
        knowledge.search(agent, "refund", owner_id=mallory)
    with pytest.raises(NotFound, match="Document not found."):
        knowledge.delete_document(mallory, doc.id)
    with pytest.raises(NotFound, match="Document not found."):
        knowledge.get_document(mallory, doc.id)
    with pytest.raises(NotFound, match="Agent not found."):
        knowledge.add_document(user, 10**9, "x.txt", b"hello")
    assert knowledge.search(agent, "refund", owner_id=user)  # the owner may
    assert [d.id for d in knowledge.list_documents(user, agent)] == [doc.id]


# ---------------------------------------------------------------- chunking (no database)


def test_chunks_respect_size_and_sentence_boundaries() -> None:
    sentences = [f"Sentence {n} is about topic number {n}." for n in range(100)]
    text = "Heading\n\n" + " ".join(sentences)
    chunks = chunk_text(text)
    assert len(chunks) > 3
    assert all(len(c) <= CHUNK_CHARS for c in chunks)
    assert chunks[0].startswith("Heading\n\nSentence 0 ")
    for chunk in chunks:
        assert chunk.endswith(".")  # cut between sentences
    # Every sentence is kept, and consecutive chunks overlap by whole sentences.
    joined = " ".join(chunks)
    assert all(s in joined for s in sentences)
    for before, after in zip(chunks, chunks[1:]):
        first_sentence = after.split(". ")[0] + "."
        assert first_sentence in before


def test_paragraphs_stay_together_when_they_fit() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 60 for n in range(6)]
    chunks = chunk_text("\n\n".join(p.strip() for p in paragraphs))
    assert all(len(c) <= CHUNK_CHARS for c in chunks)
    assert all("\n\nParagraph" in c or c.startswith("Paragraph") for c in chunks)


def test_huge_words_are_cut() -> None:
    chunks = chunk_text("x" * 2000)
    assert [len(c) for c in chunks] == [800, 800, 400]
    assert chunk_text("") == [] and chunk_text("short") == ["short"]


def test_a_document_with_too_many_passages_is_refused(owner: tuple[int, int], use_settings) -> None:
    user, agent = owner
    use_settings(NEUROCACHE_KNOWLEDGE_MAX_CHUNKS="2")
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 150 for n in range(3))
    with pytest.raises(Invalid, match=r"^long.txt is too long: it makes 3 passages; the limit is 2\. Split it"):
        knowledge.add_document(user, agent, "long.txt", text.encode())
    assert knowledge.add_document(user, agent, "short.txt", text[:1000].encode()).chunk_count == 2


# ---------------------------------------------------------------- untrusted PDFs (infra.pdf_text)


def limits(**changes: float) -> PdfLimits:
    """The configured limits with some changed."""
    return PdfLimits(**{**PdfLimits.from_settings().__dict__, **changes})


def test_pdf_bomb_is_refused_within_seconds(owner: tuple[int, int]) -> None:
    """7 KB that inflate to 20 pages of 1 MB: the character cap stops the parser
    after the second page, well before the time and CPU limits."""
    user, agent = owner
    bomb = bomb_pdf()
    assert len(bomb) < 8 * 1024
    started = time.monotonic()
    pdf = extract_pdf_text(bomb)
    elapsed = time.monotonic() - started
    print(f"bomb truncated after {elapsed:.2f} s")
    assert pdf.truncated and len(pdf.text) == 1_000_000 and pdf.pages_read == 2 and pdf.page_count == 20
    assert pdf.text.startswith("All work and no play makes Jack a dull boy.")
    assert elapsed < 15

    started = time.monotonic()
    with pytest.raises(Invalid) as caught:
        knowledge.add_document(user, agent, "bomb.pdf", bomb)
    print(f"bomb refused after {time.monotonic() - started:.2f} s")
    assert str(caught.value) == (
        "bomb.pdf has more than 1,000,000 characters of text, the limit for a PDF. Split it into smaller files."
    )
    assert knowledge.list_documents(user, agent) == []


def test_pdf_page_cap(owner: tuple[int, int], use_settings) -> None:
    pages = [f"Chapter {n} is about topic {n}." for n in range(1, 6)]
    pdf = extract_pdf_text(make_pdf(pages), limits(max_pages=3))
    assert pdf == PdfText(text="\n\n".join(pages[:3]), pages_read=3, page_count=5, truncated=True)

    user, agent = owner
    use_settings(NEUROCACHE_PDF_MAX_PAGES="3")
    with pytest.raises(Invalid, match=r"^book.pdf has 5 pages; the limit is 3\. Split it into smaller files\.$"):
        knowledge.add_document(user, agent, "book.pdf", make_pdf(pages))
    use_settings(NEUROCACHE_PDF_MAX_PAGES="5")
    assert knowledge.add_document(user, agent, "book.pdf", make_pdf(pages)).chunk_count == 1


def test_pdf_character_cap() -> None:
    pdf = make_pdf(["The first page has some words.", "The second page has more words."])
    assert extract_pdf_text(pdf, limits(max_chars=63)).truncated is False  # exactly the text
    cut = extract_pdf_text(pdf, limits(max_chars=40))
    assert cut == PdfText(text="The first page has some words.\n\nThe seco", pages_read=2, page_count=2, truncated=True)


def test_pdf_parser_is_killed_at_the_wall_clock_timeout() -> None:
    started = time.monotonic()
    with pytest.raises(PdfError) as caught:
        extract_pdf_text(bomb_pdf(), limits(max_chars=10**8, timeout_seconds=1.5, cpu_seconds=60))
    elapsed = time.monotonic() - started
    assert caught.value.reason == "too_costly" and "no answer within 1.5 s" in str(caught.value)
    assert 1.5 <= elapsed < 4


def test_pdf_parser_is_killed_at_its_cpu_limit() -> None:
    started = time.monotonic()
    with pytest.raises(PdfError) as caught:
        extract_pdf_text(bomb_pdf(), limits(max_chars=10**8, timeout_seconds=60, cpu_seconds=1))
    assert caught.value.reason == "too_costly"
    assert f"status {-signal.SIGXCPU}" in str(caught.value) or f"status {-signal.SIGKILL}" in str(caught.value)
    assert time.monotonic() - started < 15


def test_pdf_parser_memory_limit() -> None:
    """300 MB of inflated content in 300 KB: past the address-space limit the
    parser reports it instead of taking the machine's memory."""
    huge = pdf_file([b"BT /F1 12 Tf 72 720 Td (" + b" " * (300 * 1024 * 1024) + b") Tj ET"], flate=True)
    assert len(huge) < 400 * 1024
    with pytest.raises(PdfError) as caught:
        extract_pdf_text(huge, limits(max_chars=10**9, memory_bytes=128 * 1024 * 1024))
    assert caught.value.reason == "too_costly" and "MemoryError" in str(caught.value)


def test_pdf_failures_name_their_reason() -> None:
    for data, reason in [
        (b"GIF89a", "not_pdf"),
        (b"%PDF-1.4\n garbage garbage", "damaged"),
        (blank_pdf(password="pw"), "encrypted"),
    ]:
        with pytest.raises(PdfError) as caught:
            extract_pdf_text(data)
        assert caught.value.reason == reason
    assert extract_pdf_text(blank_pdf()) == PdfText(text="", pages_read=1, page_count=1, truncated=False)


async def test_parsing_a_pdf_does_not_block_the_event_loop() -> None:
    """The way the upload handler calls it (in a thread): the loop keeps ticking."""
    worst = 0.0
    parse = asyncio.create_task(asyncio.to_thread(extract_pdf_text, bomb_pdf()))
    while not parse.done():
        before = time.monotonic()
        await asyncio.sleep(0.01)
        worst = max(worst, time.monotonic() - before)
    assert (await parse).truncated
    print(f"worst event-loop stall while parsing: {worst * 1000:.0f} ms")
    assert worst < 1.0
