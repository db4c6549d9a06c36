"""A chat log that keeps its place, from web/components/follow_log.jsx: pinned to the
newest entry while the reader is at the bottom, left where it is while they read
older ones (with "Jump to newest messages" when something new arrives), opened at
`focus_id` when a link names an entry. Used by the channel, the thread panel and
Try it, so every conversation scrolls the same way."""

from __future__ import annotations

import reflex as rx


class FollowLog(rx.Component):
    library = "$/public" + rx.asset("follow_log.jsx", shared=True)
    tag = "FollowLog"

    label: rx.Var[str]
    jump_label: rx.Var[str]
    item_selector: rx.Var[str]
    # A new value starts over: another conversation is shown (at the bottom, or at `focus_id`).
    reset_key: rx.Var[str]
    focus_id: rx.Var[int]
    # Sending from the form holding this text box pins the log to the newest entry again.
    composer_id: rx.Var[str]


def follow_log(
    *children: rx.Component,
    label: str,
    reset_key: rx.Var | str = "",
    focus_id: rx.Var[int] | int = 0,
    item_selector: str = "[data-message-id]",
    jump_label: str = "Jump to newest messages",
    composer_id: str = "",
    **props: object,
) -> rx.Component:
    """`children` in a scrolling log named `label` (role "log"); its entries are
    the elements matching `item_selector` (`focus_id` finds one by `data-message-id`)."""
    return FollowLog.create(
        *children,
        label=label,
        jump_label=jump_label,
        item_selector=item_selector,
        reset_key=reset_key,
        focus_id=focus_id,
        composer_id=composer_id,
        **props,
    )
