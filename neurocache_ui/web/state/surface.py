"""Every event a browser may call, per state class: the hub's whole attack surface.
Reflex makes each public State method an event any tab may send with arguments of
its choosing, so a method is public only if a page calls it, and each one resolves
the session again. tests/unit/test_handler_surface.py fails when a state's handlers
differ from this list: a new public method is a decision, not an accident."""

from __future__ import annotations

import importlib
import pkgutil

import reflex as rx

import neurocache_ui.web.state as package

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
    "SignupState": frozenset({"load_signup"}),
    "AdminState": frozenset({
        "create_invite", "dismiss_invite_link", "load_admin", "revoke_invite", "set_active", "set_admin", "set_signup_mode",
        "turn_page",
    }),
    "MembersState": frozenset({"open_members", "remove_member", "set_member_role"}),
    "ChatState": frozenset({
        "cancel_edit", "delete_message", "heartbeat", "jump_to_newest", "load_channels", "load_older", "open_channel",
        "save_edit", "send", "start_edit", "typing",
    }),
    "ChannelAdminState": frozenset({
        "archive_channel", "create_channel", "delete_channel", "invite", "leave", "rename_channel", "toggle_dialog",
    }),
    "TeamState": frozenset({"add_agent", "load_team", "regenerate", "remove_agent", "stop_reply", "toggle_picker"}),
    "AgentsState": frozenset({
        "apply_template", "create_agent", "delete_agent", "duplicate_agent", "load", "load_model_choices", "load_more",
        "open_agent", "save_agent", "set_field", "set_search", "start_new",
    }),
    "AttachmentsState": frozenset({"attach_images", "media_problem", "media_uploaded", "remove_image", "remove_media", "send_voice"}),
    "ThreadState": frozenset({
        "close_thread", "open_from_url", "open_thread", "remove_thread_media", "send_reply", "send_thread_voice",
        "show_version", "thread_media_problem", "thread_media_uploaded", "thread_typing",
    }),
    "KnowledgeState": frozenset({
        "add_from_web", "delete_document", "load_documents", "recrawl", "retry_document", "set_crawl_open",
        "set_doc_filter", "set_doc_search", "track_progress", "turn_page", "upload", "upload_started", "watch_documents",
    }),
    "HistoryState": frozenset({"load_history", "more_versions", "pick_after", "pick_before", "restore"}),
    "EvalState": frozenset({
        "compare", "create_set", "delete_case", "delete_set", "edit_case", "import_cases", "load_evals", "open_set",
        "open_run", "save_case", "start_run", "stop_run", "watch_runs",
    }),
    "EvalCaptureState": frozenset({"close_capture", "open_capture", "save_capture"}),
    "KnowledgeTestState": frozenset({"delete_question", "load_tests", "run_tests", "save_question", "try_question"}),
    "McpState": frozenset(
        {"add_mcp_server", "discover_mcp_tools", "load_mcp", "remove_mcp_server", "set_mcp_trigger", "toggle_mcp_tool"}
    ),
    "TryItState": frozenset({"ask", "clear", "media_problem", "media_uploaded", "remove_media", "send_voice", "stop"}),
    "KeysState": frozenset({"copy_new_key", "create_key", "dismiss_new_key", "load", "revoke", "set_create_open", "set_expiry"}),
    "UsageState": frozenset({"load", "set_period", "tick"}),
    "SearchState": frozenset({"clear", "more", "search", "submit"}),
    "ReactionsState": frozenset({"react"}),
    "ArenaState": frozenset({"reveal", "vote"}),
    "CitationState": frozenset({"close_citation", "open_citation"}),
    "MentionsState": frozenset({"load_count", "load_mentions", "load_more"}),
    "SummaryState": frozenset({"dismiss_summary", "load_summary", "share_summary", "summarize"}),
    "OnboardingState": frozenset({"load_progress"}),
    "DmState": frozenset({"open_picker", "start_dm"}),
    "BrowseState": frozenset({"join_channel", "join_open", "load_browse", "search_browse", "set_visibility", "turn_browse_page"}),
    "PinsState": frozenset({"load_pins", "set_pin", "set_pins_open", "set_saved"}),
    "SavedState": frozenset({"load_saved", "more_saved", "unsave"}),
    "ProfileState": frozenset({"close_card", "load_avatars", "message_person", "open_agent", "open_person"}),
    "ProfileEditState": frozenset({"clear_status", "load_profile", "remove_avatar", "save_profile", "upload_avatar"}),
    "IncomingHooksState": frozenset({"create_hook", "open_hooks", "revoke_hook", "set_hooks_open"}),
    "OutgoingHooksState": frozenset({"delete_out_hook", "load_out_hooks"}),
    "NotifyState": frozenset({
        "load_notify_settings", "open_notify", "save_notify_settings", "set_muted", "set_notify", "set_notify_open",
    }),
}


def state_classes() -> dict[str, type]:
    """Every state class by name, ours and Reflex's. Some state modules are imported
    lazily by their pages; this imports them all first, so nothing is missed."""
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    found: dict[str, type] = {}
    pending: list[type[rx.State]] = [rx.State]
    while pending:
        state_cls = pending.pop()
        if state_cls.__name__ in found:
            raise RuntimeError(f"two states are called {state_cls.__name__}")
        found[state_cls.__name__] = state_cls
        pending.extend(state_cls.get_substates())
    return found
