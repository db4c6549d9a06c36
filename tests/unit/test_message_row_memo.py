"""A message row is a memo with plain props: the rows already on screen compare
equal and are skipped when a frame adds one. A page-state var read inside the memo
subscribes every row to that state, so each frame of a burst re-renders all ~250
rows (a burst of 300 posts then took 20 s to show instead of 1 s). Only the
signed-in user's own state, which changes at login, may be read inside."""

from __future__ import annotations

import re

from neurocache_ui.web.components.message_row import message_item
from neurocache_ui.web.state.auth import AuthState


def _state_contexts(component) -> set[str]:
    """The page states whose changes re-render the component (Reflex's own hooks)."""
    hooks = component._get_all_hooks()  # Reflex has no public API for a memo's hooks
    return {name for hook in hooks for name in re.findall(r'useStateContext\("([^"]+)"\)', hook)}


def test_a_message_row_reads_no_page_state_but_the_viewers_own() -> None:
    row = message_item._definition.component
    assert _state_contexts(row) == {AuthState.get_full_name()}
