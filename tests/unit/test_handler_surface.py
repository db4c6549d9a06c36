"""The browser-callable surface is exactly the allow-list in state/surface.py.

Reflex makes every public State method an event any tab can call; a method that
appears here without being added to the list fails this test."""

from __future__ import annotations

from neurocache_ui.web.state.surface import (
    PUBLIC_HANDLERS,
    REFLEX_INTERNAL,
    state_classes,
)


def _all_states() -> dict[str, set[str]]:
    return {name: set(state_cls.event_handlers) for name, state_cls in state_classes().items()}


def test_every_public_handler_is_allow_listed() -> None:
    expected = {name: set(handlers) for name, handlers in {**REFLEX_INTERNAL, **PUBLIC_HANDLERS}.items()}
    found = _all_states()
    # Reflex loads some internal states only when a feature needs them; ours must all be there.
    assert set(PUBLIC_HANDLERS) <= set(found)
    assert found == {name: expected.get(name, set()) for name in found}


def test_our_states_have_no_generic_setvar() -> None:
    ours = {name: handlers for name, handlers in _all_states().items() if name in PUBLIC_HANDLERS}
    assert ours and all("setvar" not in handlers for handlers in ours.values())
