"""Every event a browser may call, per state class: the hub's whole attack surface.

Reflex turns each public method of a State into an event that any tab can send
over the websocket with arguments of its choosing, logged in or not. So a method
is public only if it is meant to be called from a page, and each one resolves the
session again and lets core/ check the ids it is given against that user.
tests/unit/test_handler_surface.py fails when a state's handlers differ from this
list: a new public method is a decision, not an accident. Helpers are `_private`.
Our states have no generic `setvar` (state/auth.py removes it)."""

from __future__ import annotations

REFLEX_INTERNAL: dict[str, frozenset[str]] = {
    # Reflex's own: hydration, on_load dispatch, cookie sync, client error reports.
    "State": frozenset({"hydrate", "hydrate_and_load", "set_is_hydrated", "setvar"}),
    "SharedStateBaseInternal": frozenset({"setvar"}),
    "OnLoadInternalState": frozenset({"on_load_internal", "set_is_hydrated", "setvar"}),
    "UpdateVarsInternalState": frozenset({"setvar", "update_vars_internal"}),
    "FrontendEventExceptionState": frozenset({"handle_frontend_exception", "setvar"}),
}

PUBLIC_HANDLERS: dict[str, frozenset[str]] = {
    "AuthState": frozenset({"check_session", "load_user", "login", "logout", "signup", "skip_if_logged_in"}),
    "AccountState": frozenset({"change_password", "load_account", "logout_everywhere"}),
    "ChatState": frozenset({
        "archive_channel", "cancel_edit", "create_channel", "delete_channel", "delete_message", "heartbeat",
        "invite", "leave", "load_channels", "load_older", "open_channel", "rename_channel", "save_edit", "send",
        "start_edit", "toggle_dialog", "typing",
    }),
    "TeamState": frozenset({"add_agent", "complete_mention", "load_team", "mention", "remove_agent", "stop_reply", "toggle_picker"}),
    "AgentsState": frozenset({
        "create_agent", "delete_agent", "duplicate_agent", "load", "load_more", "open_agent", "save_agent",
        "set_field", "set_search", "start_new",
    }),
    "KnowledgeState": frozenset({"delete_document", "load_documents", "track_progress", "upload", "upload_started"}),
    "TryItState": frozenset({"ask", "clear", "stop"}),
    "KeysState": frozenset({"copy_new_key", "create_key", "dismiss_new_key", "load", "revoke", "set_create_open", "set_expiry"}),
    "UsageState": frozenset({"load", "set_period", "tick"}),
}


def state_classes() -> dict[str, type]:
    """Every state class by name, ours and Reflex's. Some state modules are imported
    lazily by their pages; this imports them all first, so nothing is missed."""
    import importlib
    import pkgutil

    from reflex.state import State

    import neurocache_ui.web.state as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    found: dict[str, type] = {}
    pending: list[type[State]] = [State]
    while pending:
        state_cls = pending.pop()
        if state_cls.__name__ in found:
            raise RuntimeError(f"two states are called {state_cls.__name__}")
        found[state_cls.__name__] = state_cls
        pending.extend(state_cls.get_substates())
    return found
