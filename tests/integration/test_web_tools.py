"""The built-in web tools against real local HTTP servers (testkit/web_fakes.py):
web_search through a fake SearXNG (and ddgs kept off the network by a refusing
proxy), fetch_url reading HTML, text and PDFs, and refusing every address inside our
own network before any request leaves: the refused servers' logs stay empty.

Not tested: ddgs's happy path, which needs the real search engines on the internet."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import certifi
import pytest

from neurocache_ui.domain.tools import Source, ToolError
from neurocache_ui.infra.web.safe_fetch import address_refusal
from neurocache_ui.services.tools.fetch_url import TOOL as FETCH
from neurocache_ui.services.tools.web_search import TOOL as SEARCH
from testkit.servers import free_port
from testkit.web_fakes import (
    ARTICLE_SENTENCE,
    ARTICLE_TITLE,
    MARKDOWN_BODY,
    PDF_SENTENCE,
    SCRIPT_SECRET,
    TEXT_BODY,
    FakeSearxng,
    PageServer,
    RefusingProxy,
    self_signed_certificate,
)


@pytest.fixture
def pages() -> Iterator[PageServer]:
    with PageServer() as server:
        yield server


@pytest.fixture
def other_pages() -> Iterator[PageServer]:
    """A second loopback server that is never in the allowed hosts."""
    with PageServer() as server:
        yield server


@pytest.fixture
def allow(use_settings, pages: PageServer):
    """Allow `pages` (by 127.0.0.1 and by localhost) as an intranet host."""
    use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{pages.port},localhost:{pages.port}")


@pytest.fixture
def searxng(use_settings) -> Iterator[FakeSearxng]:
    with FakeSearxng() as server:
        use_settings(NEUROCACHE_SEARXNG_URL=server.url)
        yield server


# ---------------------------------------------------------------- web_search


async def test_search_through_searxng_gives_the_top_five_as_numbered_results_and_sources(searxng: FakeSearxng) -> None:
    assert SEARCH.step_text({"query": "tide pools"}) == "Searching the web for “tide pools”"
    output = await SEARCH.run({"query": "tide  pools"})
    assert searxng.queries == ["tide pools"]
    assert output.text.startswith("Web results for “tide pools”:\n\n1. Result 1 about tide pools\n   https://example.org/1\n")
    assert "5. Result 5 about tide pools" in output.text and "Result 6" not in output.text
    assert "Snippet 3 on tide pools." in output.text
    assert output.sources == tuple(Source(f"Result {n} about tide pools", f"https://example.org/{n}") for n in range(1, 6))


async def test_a_rate_limited_searxng_is_a_tool_error_the_model_reads(searxng: FakeSearxng) -> None:
    searxng.rate_limited = True
    with pytest.raises(ToolError, match=r"rate limited \(HTTP 429\)"):
        await SEARCH.run({"query": "tide pools"})


async def test_a_searxng_that_is_down_is_a_tool_error(use_settings) -> None:
    use_settings(NEUROCACHE_SEARXNG_URL=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ToolError, match="could not be reached"):
        await SEARCH.run({"query": "tide pools"})


async def test_an_empty_query_is_a_tool_error(searxng: FakeSearxng) -> None:
    with pytest.raises(ToolError, match="non-empty `query`"):
        await SEARCH.run({"query": "  "})
    assert searxng.queries == []


async def test_ddgs_without_a_network_is_a_tool_error(use_settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """No SearXNG: the ddgs package is used; its engines, all sent to a proxy that refuses
    them, fail, and the model reads why instead of the reply crashing."""
    with RefusingProxy() as proxy:
        monkeypatch.setenv("DDGS_PROXY", proxy.url)
        use_settings(NEUROCACHE_SEARXNG_URL=None, NEUROCACHE_TOOL_TIMEOUT_SECONDS="10")
        with pytest.raises(ToolError, match="search engines could not be reached"):
            await SEARCH.run({"query": "tide pools"})
        assert proxy.connections > 0


# ---------------------------------------------------------------- fetch_url: reading


async def test_html_becomes_its_main_text_without_scripts_or_tags(allow, pages: PageServer) -> None:
    url = f"{pages.url}/article"
    assert FETCH.step_text({"url": url}) == "Reading 127.0.0.1…"
    output = await FETCH.run({"url": url})
    assert output.text.startswith(f"{ARTICLE_TITLE}\n{url}\n\n")
    assert ARTICLE_SENTENCE in output.text
    assert SCRIPT_SECRET not in output.text and "<" not in output.text and "About us" not in output.text
    assert output.sources == (Source(ARTICLE_TITLE, url),)


async def test_plain_text_and_markdown_pass_through(allow, pages: PageServer) -> None:
    text = await FETCH.run({"url": f"{pages.url}/notes.txt"})
    assert text.text == f"notes.txt\n{pages.url}/notes.txt\n\n{TEXT_BODY}"
    markdown = await FETCH.run({"url": f"{pages.url}/notes.md"})
    assert markdown.text.endswith(MARKDOWN_BODY) and markdown.sources == (Source("Packing list", f"{pages.url}/notes.md"),)


async def test_a_pdf_is_read_by_the_confined_parser(allow, pages: PageServer) -> None:
    output = await FETCH.run({"url": f"{pages.url}/paper.pdf"})
    assert output.text == f"paper.pdf\n{pages.url}/paper.pdf\n\n{PDF_SENTENCE}"


async def test_other_content_types_and_error_statuses_are_tool_errors(allow, pages: PageServer) -> None:
    with pytest.raises(ToolError, match="is image/png, which cannot be read as text"):
        await FETCH.run({"url": f"{pages.url}/image.png"})
    with pytest.raises(ToolError, match="answered HTTP 404"):
        await FETCH.run({"url": f"{pages.url}/missing"})


async def test_an_allowed_host_is_reached_by_name_with_its_host_header_and_no_cookies(allow, pages: PageServer) -> None:
    output = await FETCH.run({"url": f"http://localhost:{pages.port}/cookie-redirect"})
    assert ARTICLE_SENTENCE in output.text and output.sources == (Source(ARTICLE_TITLE, f"http://localhost:{pages.port}/article"),)
    assert [seen.path for seen in pages.requests] == ["/cookie-redirect", "/article"]
    assert all(seen.headers["host"] == f"localhost:{pages.port}" for seen in pages.requests)
    assert all("cookie" not in seen.headers and "authorization" not in seen.headers for seen in pages.requests)


async def test_the_size_cap_stops_reading_and_says_so(use_settings, allow, pages: PageServer) -> None:
    use_settings(NEUROCACHE_FETCH_MAX_BYTES="4096")
    output = await FETCH.run({"url": f"{pages.url}/huge"})
    body = output.text.split("\n\n", 1)[1]
    assert body.startswith("All work and no play") and len(body) < 4096 + 200
    assert output.text.endswith("[Only the start of this document was read: it is longer than the reading limit.]")


async def test_a_page_slower_than_the_tool_timeout_is_a_tool_error(use_settings, allow, pages: PageServer) -> None:
    use_settings(NEUROCACHE_TOOL_TIMEOUT_SECONDS="1")
    started = time.monotonic()
    with pytest.raises(ToolError, match=r"did not answer within 0.9 seconds"):
        await FETCH.run({"url": f"{pages.url}/slow"})
    assert time.monotonic() - started < 2


async def test_a_redirect_loop_stops_after_five_redirects(allow, pages: PageServer) -> None:
    with pytest.raises(ToolError, match="redirected more than 5 times"):
        await FETCH.run({"url": f"{pages.url}/loop"})
    assert len(pages.requests) == 6


async def test_https_goes_to_the_checked_address_with_the_name_for_sni_and_the_certificate(
    use_settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection is pinned to the resolved address, yet TLS still verifies the
    certificate for the name in the URL; the same server by IP has the wrong name."""
    pem = self_signed_certificate(tmp_path)
    monkeypatch.setattr(certifi, "where", lambda: str(pem))  # trust only the test certificate
    with PageServer(tls_pem=pem) as secure:
        use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=f"localhost:{secure.port},127.0.0.1:{secure.port}")
        output = await FETCH.run({"url": f"https://localhost:{secure.port}/notes.txt"})
        assert output.text.endswith(TEXT_BODY)
        assert [seen.headers["host"] for seen in secure.requests] == [f"localhost:{secure.port}"]
        with pytest.raises(ToolError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            await FETCH.run({"url": f"https://127.0.0.1:{secure.port}/notes.txt"})
        assert len(secure.requests) == 1


# ---------------------------------------------------------------- fetch_url: refusing


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("localhost", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("[::ffff:127.0.0.1]", "loopback"),  # IPv4-mapped IPv6
        ("2130706433", "loopback"),  # 127.0.0.1 as one decimal number
        ("0x7f.1", "loopback"),  # hexadecimal, short form
        ("127.1", "loopback"),
    ],
)
async def test_addresses_inside_our_network_are_refused_before_any_request(
    use_settings, pages: PageServer, host: str, reason: str
) -> None:
    use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=None)
    with pytest.raises(ToolError, match=rf"is not a public internet address \({reason}\)"):
        await FETCH.run({"url": f"http://{host}:{pages.port}/article"})
    assert pages.requests == []


async def test_an_allowed_host_is_allowed_only_on_its_own_port(use_settings, pages: PageServer, other_pages: PageServer) -> None:
    use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{other_pages.port}")
    with pytest.raises(ToolError, match="loopback"):
        await FETCH.run({"url": f"{pages.url}/article"})
    assert pages.requests == []


async def test_a_redirect_to_a_private_address_is_refused_and_its_target_gets_no_request(
    allow, pages: PageServer, other_pages: PageServer
) -> None:
    target = f"{other_pages.url}/article"
    with pytest.raises(ToolError, match=rf"Refused to read {target}: 127.0.0.1 is not a public internet address"):
        await FETCH.run({"url": f"{pages.url}/redirect?to={target}"})
    assert [seen.path for seen in pages.requests] == [f"/redirect?to={target}"]
    assert other_pages.requests == []


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/file", "javascript:alert(1)", "gopher://127.0.0.1:70/", "example.org/page"],
)
async def test_only_http_and_https_are_fetched(url: str) -> None:
    with pytest.raises(ToolError, match=r"Only http:// and https:// URLs can be read"):
        await FETCH.run({"url": url})


async def test_urls_with_credentials_or_no_url_are_refused(pages: PageServer) -> None:
    with pytest.raises(ToolError, match="carries a user name or password"):
        await FETCH.run({"url": f"http://user:secret@127.0.0.1:{pages.port}/article"})
    with pytest.raises(ToolError, match="non-empty `url`"):
        await FETCH.run({})
    assert pages.requests == []


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("169.254.169.254", "cloud metadata"),
        ("fd00:ec2::254", "cloud metadata"),
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:c0a8:101::", "private"),  # 6to4 of 192.168.1.1
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.1", "private"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("169.254.1.1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fec0::1", "site-local"),  # deprecated site-local: Python counts it as global
        ("feff:1:2::3", "site-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("::", "unspecified"),
        ("::1", "loopback"),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_which_addresses_are_refused(address: str, reason: str | None) -> None:
    """The address check alone (no connection is made to any of these)."""
    assert address_refusal(address) == reason
