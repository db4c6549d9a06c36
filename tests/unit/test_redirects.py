"""`next=` after log-in: same-site paths only."""

import pytest

from neurocache_ui.domain.redirects import safe_next

HOME = "/channels"


@pytest.mark.parametrize(
    "target",
    ["/channels/general", "/agents/new?tab=knowledge", "/keys#top", "/channels/caf%C3%A9"],
)
def test_same_site_paths_are_kept(target: str) -> None:
    assert safe_next(target, HOME) == target


@pytest.mark.parametrize(
    "target",
    [
        "", None, "channels", "//evil.example", "//evil.example/path", "/\\evil.example", "\\\\evil.example",
        "https://evil.example", "javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", " /x",
        "http:/evil.example", "/" + "a" * 3000, "/ok\x7f",
    ],
)
def test_anything_else_goes_home(target: str | None) -> None:
    assert safe_next(target, HOME) == HOME
