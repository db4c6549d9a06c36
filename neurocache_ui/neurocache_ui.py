"""Builds the Reflex app: theme, pages and background tasks."""

from __future__ import annotations

import reflex as rx

from neurocache_ui.api import mcp_server
from neurocache_ui.api.app import fastapi_app
from neurocache_ui.api.security_headers import SecurityHeaders, restrict_socket_origins
from neurocache_ui.api.upload_guard import UploadGuard
from neurocache_ui.services import notify_email, runtime
from neurocache_ui.services.agent_runs import orphans, runner
from neurocache_ui.services.knowledge import indexing
from neurocache_ui.services.evals import runs as eval_runs
from neurocache_ui.services.knowledge import background as knowledge_background
from neurocache_ui.services.media import worker as media_worker
from neurocache_ui.services.retention import retention_loop
from neurocache_ui.services.webhooks import delivery as webhook_delivery
from neurocache_ui.web.pages import (
    account,
    admin,
    agents,
    auth,
    browse,
    channels,
    keys,
    landing,
    mentions,
    not_found,
    saved,
    usage,
    welcome,
)
from neurocache_ui.web.realtime.relay import relay
from neurocache_ui.web.state.chat import ChatState
from neurocache_ui.web.state.health import redis_watchdog
from neurocache_ui.web.state.mentions import MentionsState
from neurocache_ui.web.state.pins import PinsState
from neurocache_ui.web.state.profiles import ProfileState
from neurocache_ui.web.state.team import TeamState
from neurocache_ui.web.state.thread import ThreadState

# The public API under /api/v1, then wrappers around the whole app (outermost last).
# Toasts at the top: at the bottom they would cover the composer on a phone.
app = rx.App(api_transformer=[fastapi_app, UploadGuard, SecurityHeaders], toaster=rx.toast.provider(position="top-center"))
restrict_socket_origins(app)  # the websocket: own origin + NEUROCACHE_CORS_ORIGINS only
for module in (landing, auth, welcome, channels, browse, mentions, saved, agents, keys, usage, account, admin, not_found):
    module.add_pages(app)
app.register_lifespan_task(runtime.lifespan)  # first: database threads, parse processes
# Live events: the open channel's rows and sidebar first, then its agents' replies, then the open thread,
# then the mention badge, then the open channel's pins.
app.register_lifespan_task(relay, receivers=(ChatState, TeamState, ThreadState, MentionsState, PinsState, ProfileState))
app.register_lifespan_task(redis_watchdog)  # the "reconnecting" notice
app.register_lifespan_task(retention_loop)
app.register_lifespan_task(runner.lifespan)  # agents' replies: cancelled (kept as incomplete) at shutdown
app.register_lifespan_task(orphans.sweep_forever)  # replies whose worker died end as interrupted
app.register_lifespan_task(indexing.indexer_forever)  # knowledge: re-chunk and (re-)embed, claimed per document
app.register_lifespan_task(eval_runs.sweep_forever)  # evaluation runs whose worker died (or stops) end as failed
app.register_lifespan_task(knowledge_background.ingest_loop)  # uploads and crawls, processed in the background
app.register_lifespan_task(media_worker.process_forever)  # sent video and audio: frames, poster, transcript
app.register_lifespan_task(mcp_server.lifespan)  # the MCP endpoint's transport (/api/v1/mcp)
app.register_lifespan_task(notify_email.email_loop)  # e-mail for mentions and DMs left unseen (NEUROCACHE_SMTP_URL)
app.register_lifespan_task(webhook_delivery.deliver_forever)  # outgoing webhooks: the outbox, signed, retried
