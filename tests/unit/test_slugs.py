"""The slug rule agents and channels share (domain/slugs.py), without a database."""

from __future__ import annotations

import pytest

from neurocache_ui.domain import slugs


@pytest.mark.parametrize(
    ("name", "fallback", "slug"),
    [
        ("Zoé  the Scout", "agent", "zoe-the-scout"),
        ("2024", "channel", "channel-2024"),
        ("🚀", "agent", "agent"),
        ("--x--", "channel", "x"),
    ],
)
def test_slugify(name: str, fallback: str, slug: str) -> None:
    assert slugs.slugify(name, fallback=fallback, max_length=40) == slug
    assert slugs.PATTERN.match(slug)


def test_a_slug_is_never_longer_than_its_column_nor_ends_with_a_dash() -> None:
    slug = slugs.slugify("word " * 20, fallback="agent", max_length=12)
    assert len(slug) <= 12 and not slug.endswith("-")
    assert slugs.slugify("1" * 50, fallback="channel", max_length=10) == "channel-11"


def test_candidates_take_the_lowest_free_number_then_go_random() -> None:
    taken = {"scout", "scout-2", "scout-4"}
    assert slugs.candidate("crow", taken, attempt=0, max_length=40) == "crow"
    assert slugs.candidate("scout", taken, attempt=0, max_length=40) == "scout-3"
    randoms = {slugs.candidate("scout", taken, attempt=slugs.RANDOM_AFTER, max_length=40) for _ in range(5)}
    assert len(randoms) == 5 and all(r.startswith("scout-") and r not in taken for r in randoms)


def test_numbered_candidates_of_a_long_base_fit_and_share_its_prefix() -> None:
    base = "a" * 40
    taken = {base, *(slugs.with_suffix(base, str(n), 40) for n in range(2, 12))}
    slug = slugs.candidate(base, taken, attempt=0, max_length=40)
    assert slug.endswith("-12") and len(slug) <= 40
    assert all(s.startswith(slugs.taken_prefix(base, 40)) for s in taken | {slug})
