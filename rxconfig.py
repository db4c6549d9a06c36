"""Reflex configuration, derived from our settings (neurocache_ui/settings.py).

The database is ours (core/db.py, alembic/), so Reflex is not given a db_url; with
REDIS_URL set, Reflex keeps page state in Redis so several workers can serve it."""

import reflex as rx

from neurocache_ui.settings import get_settings

settings = get_settings()

config = rx.Config(
    app_name="neurocache_ui",
    frontend_port=settings.port,
    backend_port=settings.port,
    redis_url=settings.redis_url,
    state_manager_mode="redis" if settings.redis_url else "disk",
    telemetry_enabled=False,
    # Reflex's default "*" would let any site's script call the hub with the
    # viewer's cookie; only the configured origins get CORS (the websocket's
    # Origin check: api/security_headers.py restrict_socket_origins).
    cors_allowed_origins=settings.cors_origins,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="violet", gray_color="slate", radius="medium", has_background=True)
        ),
        rx.plugins.TailwindV4Plugin(),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
