"""The API's FastAPI app, under /api/v1 (docs at /api/v1/docs). Reflex mounts the
hub into it (`rx.App(api_transformer=fastapi_app)`), so these routes come first.
Its own lifespan never runs under Reflex: what needs one (the MCP transport) is
registered with the Reflex app (neurocache_ui.py)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Route

from neurocache_ui.api import attachments, avatars, browser_session, errors, mcp_server, unsubscribe
from neurocache_ui.api import media as media_files
from neurocache_ui.api.middleware import ApiMiddleware
from neurocache_ui.api.routes import (
    agent_versions,
    agents,
    channel_roles,
    channels,
    chat,
    directory,
    embeddings,
    dms,
    evals,
    files,
    knowledge,
    media,
    models,
    notifications,
    pins,
    profiles,
    reactions,
    responses,
    search,
    usage,
    webhooks,
)
from neurocache_ui.api.schemas import ErrorResponse

PREFIX = "/api/v1"
DESCRIPTION = """\
Call your Neurocache agents and channels from any codebase. Agents and channels are
*models* of OpenAI-compatible Chat Completions and Responses APIs (`agent:<slug>`, `channel:<slug>`),
so the official `openai` clients work with `base_url=<hub>/api/v1` and a key from the
hub's **API keys** page.

Authenticate with `Authorization: Bearer nck_...`. Each route needs a scope of the key
(`read`, `write` or `chat`: its security requirement below). Each key is rate limited
(`X-RateLimit-*` headers; `429` with `Retry-After`). Errors use OpenAI's shape:
`{"error": {"message", "type", "param", "code"}}`.
"""

COMMON_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorResponse, "description": "Missing, malformed, unknown, revoked or expired API key."},
    403: {"model": ErrorResponse, "description": "Not allowed (e.g. an archived channel), or the key lacks the route's scope."},
    404: {"model": ErrorResponse, "description": "Not found, or not yours."},
    413: {"model": ErrorResponse, "description": "Request body too large."},
    422: {"model": ErrorResponse, "description": "Invalid input."},
    429: {"model": ErrorResponse, "description": "Rate limit reached (see Retry-After), or the key's monthly budget used."},
    503: {"model": ErrorResponse, "description": "A store is unreachable; retry later."},
}


def _operation_id(route: APIRoute) -> str:
    return route.name


def create_app() -> FastAPI:
    app = FastAPI(
        title="Neurocache API",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        generate_unique_id_function=_operation_id,
    )
    errors.install(app)
    app.add_middleware(ApiMiddleware)
    api = APIRouter(prefix=PREFIX, responses=COMMON_ERRORS)  # body size: ApiMiddleware
    for module in (
        models, chat, responses, embeddings, agents, agent_versions, evals, knowledge, directory, channels, dms, pins, channel_roles,
        reactions, search, usage, media, profiles, files, notifications, webhooks,
    ):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(browser_session.router)  # the hub's HttpOnly session cookie
    app.include_router(attachments.router)  # channel images, for members (cookie session)
    app.include_router(avatars.router)  # people's avatars, for signed-in accounts (cookie session)
    app.include_router(unsubscribe.router)  # the e-mail digest's unsubscribe link (its token is the permission)
    app.include_router(media_files.router)  # channel video and audio: upload, range reads, poster, transcript
    # The hub as an MCP server (bearer = an API key): before the catch-all below.
    app.router.routes.append(Route(PREFIX + mcp_server.PATH, endpoint=mcp_server.endpoint(app), methods=["GET", "POST", "DELETE"]))

    @app.api_route(
        PREFIX + "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    def unknown_endpoint(path: str) -> None:
        raise errors.ApiError(404, f"There is no endpoint {PREFIX}/{path}. See {PREFIX}/docs.", code="unknown_endpoint")

    return app


fastapi_app = create_app()

__all__ = ["PREFIX", "create_app", "fastapi_app"]
