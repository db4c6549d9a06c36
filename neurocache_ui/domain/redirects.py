"""Where a `next=` parameter may send a browser after logging in: only a path of
this site. Anything else (another host, a scheme, `//host`, `/\\host` which browsers
treat as `//host`, control characters that browsers strip) falls back to the default,
so a crafted login link cannot forward a fresh session to someone else's site."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 2000


def safe_next(target: str | None, default: str) -> str:
    if not target or len(target) > MAX_LENGTH or not target.startswith("/"):
        return default
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in target) or "\\" in target:
        return default
    if target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
