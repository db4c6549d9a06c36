"""The browser-callable surface is exactly the allow-list in state/surface.py.

Reflex makes every public State method an event any tab can call; a method that
appears here without being added to the list fails this test."""

from __future__ import annotations

import importlib
import pkgutil

from reflex.state import State

import neurocache_ui.state as state_package
from neurocache_ui.state.surface import PUBLIC_HANDLERS, REFLEX_INTERNAL


def _all_states() -> dict[str, set[str]]:
    # Some state modules are imported lazily by their pages: import them all.
    for module in pkgutil.iter_modules(state_package.__path__):
        importlib.import_module(f"{state_package.__name__}.{module.name}")
    found: dict[str, set[str]] = {}
    pending = [State]
    while pending:
        state_cls = pending.pop()
        assert state_cls.__name__ not in found, f"two states are called {state_cls.__name__}"
        found[state_cls.__name__] = set(state_cls.event_handlers)
        pending.extend(state_cls.get_substates())
    return found


def test_every_public_handler_is_allow_listed() -> None:
    expected = {name: set(handlers) for name, handlers in {**REFLEX_INTERNAL, **PUBLIC_HANDLERS}.items()}
    assert _all_states() == expected


def test_our_states_have_no_generic_setvar() -> None:
    ours = {name: handlers for name, handlers in _all_states().items() if name in PUBLIC_HANDLERS}
    assert ours and all("setvar" not in handlers for handlers in ours.values())
