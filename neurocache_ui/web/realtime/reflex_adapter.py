"""The one module that uses Reflex's internals: which worker holds a tab's
websocket, changing a tab's state from outside an event, pushing a raw delta or a
script, and replacing a base method. Reflex has no public API for these; when an upgrade
moves them, this is the only file to change."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import reflex as rx
from reflex.state import StateUpdate, _override_base_method
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event import Event

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def replaces_base_method(fn: F) -> F:
    """Let a state replace one of Reflex's own methods (Reflex refuses otherwise)."""
    return _override_base_method(fn)


def is_local(app: rx.App, token: str) -> bool:
    """Whether this worker holds tab `token`'s websocket (a reload may land on another)."""
    manager = app.event_namespace._token_manager if app.event_namespace else None
    if manager is None:
        return False
    record = manager.token_to_socket.get(token)
    return record is not None and record.instance_id == manager.instance_id


@asynccontextmanager
async def tab_states(app: rx.App, token: str, classes: Sequence[type[rx.State]]) -> AsyncIterator[list[Any]]:
    """Tab `token`'s instances of `classes` (the first is an ancestor of the
    others), locked like an event handler's; changes reach the page on exit."""
    async with app.modify_state(rx.BaseStateToken(ident=token, cls=classes[0])) as root:
        yield [await root.get_state(state_cls) for state_cls in classes]


async def run_script(app: rx.App, token: str, code: str) -> None:
    """Run `code` in tab `token`'s page, without loading or changing its state
    (what `rx.call_script` does from a handler)."""
    await _send(app, token, [Event(name="_call_script", payload={"javascript_code": code, "callback": None})])


async def emit(app: rx.App, token: str, specs: Sequence[Any]) -> None:
    """Send tab `token` the events a handler would return (e.g. `rx.toast.info(...)`)."""
    await _send(app, token, Event.from_event_type(list(specs)))


async def _send(app: rx.App, token: str, events: list[Event]) -> None:
    if app.event_namespace is not None and events:
        await app.event_namespace.emit_update(StateUpdate(events=events), token)


async def push_to_every_tab(app: rx.App, state_cls: type[rx.State], var_name: str, value: Any) -> None:
    """Set one var in every page this worker serves, straight down the websockets,
    bypassing the state manager (for when the Redis behind it is down)."""
    namespace = app.event_namespace
    if namespace is None:
        return
    update = StateUpdate(delta={state_cls.get_full_name(): {var_name + FIELD_MARKER: value}})
    for sid in list(namespace.sid_to_token):
        try:
            await namespace.emit("event", update, to=sid)
        except Exception:
            log.debug("could not push %s to socket %s", var_name, sid, exc_info=True)
