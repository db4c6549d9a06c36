""""Add from the web" against a local multi-page site (testkit/web_fakes.SiteServer),
on Postgres and SQLite: the depth and page limits, robots.txt, same-site links only,
pages read like uploads, re-crawl replacing the pages, and private addresses refused
before any request leaves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from neurocache_ui.domain.errors import Invalid, NotFound
from neurocache_ui.services import knowledge
from neurocache_ui.services.knowledge import crawl, worker
from testkit.web_fakes import SiteServer
from tests.integration.messaging_support import make_agent, make_user

HTML = "text/html; charset=utf-8"


def page(title: str, text: str, *links: str) -> tuple[str, bytes]:
    anchors = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    body = f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>{text}</p><ul>{anchors}</ul></body></html>"
    return HTML, body.encode()


def site_pages() -> dict[str, tuple[str, bytes]]:
    return {
        "/": page("Harbour guide", "Welcome to the harbour guide for visitors and crews.",
                  "/ferries", "/cranes#top", "/private/ledger", "https://elsewhere.example/", "mailto:port@example.com",
                  "/ferries"),
        "/ferries": page("Ferries", "Ferries to the island leave at seven in the morning.", "/ferries/winter"),
        "/ferries/winter": page("Winter timetable", "In winter the ferries leave at nine."),
        "/cranes": page("Cranes", "The harbour cranes are inspected every Tuesday."),
        "/private/ledger": page("Ledger", "Secret accounts nobody may crawl."),
    }


@pytest.fixture
def site(use_settings) -> Iterator[SiteServer]:
    with SiteServer(site_pages(), robots="User-agent: *\nDisallow: /private/\n") as server:
        use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=f"127.0.0.1:{server.port}")
        yield server


@pytest.fixture
def owner(unshared_database: str) -> tuple[int, int]:
    user = make_user("Ada")
    return user, make_agent(user, "Pilot")


def run_crawls() -> None:
    while asyncio.run(crawl.run_once()):
        pass
    while asyncio.run(worker.run_once()):
        pass


def names(user: int, agent: int) -> dict[str, str]:
    return {d.filename: d.status for d in knowledge.list_documents(user, agent)}


def test_a_crawl_follows_same_site_links_to_its_depth_honouring_robots(owner: tuple[int, int], site: SiteServer, unshared_database: str) -> None:
    user, agent = owner
    view = asyncio.run(crawl.start_crawl(user, agent, site.url + "/", depth=1, max_pages=10))
    assert view.status == "queued"
    run_crawls()
    assert names(user, agent) == {f"{site.url}/": "ready", f"{site.url}/ferries": "ready", f"{site.url}/cranes": "ready"}
    assert "/private/ledger" not in site.paths() and "/ferries/winter" not in site.paths()
    assert site.paths().count("/ferries") == 1
    [done] = crawl.list_crawls(user, agent)
    assert (done.status, done.pages, done.status_reason) == ("done", 3, "")
    [hit] = knowledge.search(agent, "when are the cranes inspected", 1)
    assert hit.filename == f"{site.url}/cranes" and hit.content.startswith("Cranes\n")  # the page's heading leads


def test_page_limit_and_recrawl_replacing_pages(owner: tuple[int, int], site: SiteServer) -> None:
    user, agent = owner
    view = asyncio.run(crawl.start_crawl(user, agent, site.url + "/", depth=2, max_pages=2))
    run_crawls()
    assert set(names(user, agent)) == {f"{site.url}/", f"{site.url}/ferries"}
    before = {d.id for d in knowledge.list_documents(user, agent)}

    site.pages["/ferries"] = page("Ferries", "Ferries now leave at eight in the morning, from pier four.")
    with pytest.raises(NotFound):
        crawl.recrawl(user, view.id, agent_id=make_agent(user, "Other"))  # not this agent's source
    with pytest.raises(NotFound):
        crawl.recrawl(make_user("Mallory"), view.id)
    assert crawl.recrawl(user, view.id).status == "queued"
    with pytest.raises(Invalid):
        crawl.recrawl(user, view.id)  # already queued
    run_crawls()
    after = knowledge.list_documents(user, agent)
    assert {d.filename for d in after} == {f"{site.url}/", f"{site.url}/ferries"} and not before & {d.id for d in after}
    assert "pier four" in knowledge.search(agent, "which pier do ferries leave from", 1)[0].content


def test_robots_that_forbid_everything_fail_the_crawl_with_a_reason(owner: tuple[int, int], site: SiteServer) -> None:
    user, agent = owner
    site.robots = "User-agent: *\nDisallow: /\n"
    asyncio.run(crawl.start_crawl(user, agent, site.url + "/docs", depth=1, max_pages=5))
    run_crawls()
    [failed] = crawl.list_crawls(user, agent)
    assert failed.status == "failed" and failed.status_reason == f"The site's robots.txt does not allow reading {site.url}/docs."
    assert site.paths() == ["/robots.txt"] and knowledge.list_documents(user, agent) == []


def test_private_addresses_and_bad_limits_are_refused(owner: tuple[int, int], use_settings) -> None:
    user, agent = owner
    with SiteServer(site_pages()) as intranet:  # loopback, not in NEUROCACHE_FETCH_ALLOWED_HOSTS
        use_settings(NEUROCACHE_FETCH_ALLOWED_HOSTS=None)
        with pytest.raises(Invalid) as refused:
            asyncio.run(crawl.start_crawl(user, agent, intranet.url + "/", depth=1, max_pages=5))
        assert "is not a public internet address" in str(refused.value) and refused.value.field == "url"
        assert intranet.requests == []
    for url, depth, pages, field in [("ftp://example.com/", 1, 5, "url"), ("https://example.com/", 99, 5, "depth"),
                                     ("https://example.com/", 1, 0, "max_pages"), ("", 1, 5, "url")]:
        with pytest.raises(Invalid) as bad:
            asyncio.run(crawl.start_crawl(user, agent, url, depth, pages))
        assert bad.value.field == field
    assert crawl.list_crawls(user, agent) == []
