"""Keeps a scrolling log pinned to its newest entry while the person is at its
bottom, and leaves it alone once they scroll up (web/components/follow_log.jsx).

Add `follow_log()` as the last child of the element that scrolls (the one with
`overflow_y="auto"`); it renders nothing and needs no state."""

from __future__ import annotations

import reflex as rx


class FollowLog(rx.Component):
    library = "$/public" + rx.asset("follow_log.jsx", shared=True)
    tag = "FollowLog"


def follow_log() -> rx.Component:
    return FollowLog.create()
