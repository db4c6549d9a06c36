"""Slugs, the URL and @mention names of agents and channels: how a name becomes
one, and which alternative to try when it is taken (store/slug_claim.py runs
the insert loop with these)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Collection

PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
"""A well-formed slug: lowercase ASCII letters and digits in dash-separated runs."""
ATTEMPTS = 6
"""Inserts tried before giving up on a burst of same-named creations."""
RANDOM_AFTER = 3
"""From this attempt on the suffix is random, so concurrent creators stop
chasing the same next number."""
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_NUMBER_ROOM = 4
"""A numbered suffix ("-NNN") may shorten the base by this much."""


class SlugTaken(Exception):
    """The one slug asked for is in use (no alternative was wanted)."""

    def __init__(self, slug: str) -> None:
        super().__init__(slug)
        self.slug = slug


def slugify(name: str, *, fallback: str, max_length: int) -> str:
    """Accents fold ("Zoé" -> "zoe"); a name with no usable letters becomes
    `fallback`, and an all-digit result gets `fallback-` in front, so a slug
    is never mistaken for an id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_name.lower()).strip("-")[:max_length].rstrip("-")
    if not slug:
        return fallback
    if slug.isdigit():
        slug = f"{fallback}-{slug}"[:max_length].rstrip("-")
    return slug


def with_suffix(base: str, suffix: str, max_length: int) -> str:
    return f"{base[: max_length - len(suffix) - 1].rstrip('-')}-{suffix}"


def taken_prefix(base: str, max_length: int) -> str:
    """What every numbered alternative of `base` starts with, so one prefix
    query finds all the taken ones."""
    return base[: max_length - _NUMBER_ROOM]


def candidate(base: str, taken: Collection[str], *, attempt: int, max_length: int) -> str:
    """The slug for the `attempt`-th insert: `base` if free, else the lowest
    free `base-N` (N >= 2); from RANDOM_AFTER on, a random suffix."""
    if attempt >= RANDOM_AFTER:
        return with_suffix(base, secrets.token_hex(3), max_length)
    if base not in taken:
        return base
    n = 2
    while with_suffix(base, str(n), max_length) in taken:
        n += 1
    return with_suffix(base, str(n), max_length)
