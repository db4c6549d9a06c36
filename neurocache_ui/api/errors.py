"""Every API error in OpenAI's shape: {"error": {"message", "type", "param", "code"}}.

Messages come from the services' errors (written to be shown) or are fixed here;
an unexpected exception is logged and answered with a generic 500, never a trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from neurocache_ui.domain.errors import (
    Forbidden,
    Invalid,
    NeurocacheError,
    NotFound,
    Unavailable,
)
from neurocache_ui.domain.scopes import BudgetExceeded, KeyRestricted, MissingScope
from neurocache_ui.services.agents import SettingsInvalid
from neurocache_ui.settings import get_settings

log = logging.getLogger(__name__)

TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "upstream_error",
    503: "service_unavailable",
    504: "upstream_error",
}
CODES = {
    401: "invalid_api_key",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    422: "invalid_value",
    429: "rate_limit_exceeded",
    500: "internal_error",
    502: "upstream_error",
    503: "unavailable",
    504: "upstream_timeout",
}


class ApiError(StarletteHTTPException):
    """An error the API answers on purpose, with its own code."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code or CODES.get(status)
        self.param = param


def error_body(status: int, message: str, *, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": TYPES.get(status, "invalid_request_error" if status < 500 else "server_error"),
            "param": param,
            "code": code or CODES.get(status),
        }
    }


def error_response(
    status: int, message: str, *, code: str | None = None, param: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(status, message, code=code, param=param), status_code=status, headers=headers)


def too_large_message() -> str:
    return f"The request body is too large: the limit is {get_settings().api_max_body_bytes:,} bytes."


_DEFAULT_MESSAGES = {
    404: "Not found. See /api/v1/docs for the endpoints.",
    405: "This endpoint does not accept that method.",
}


async def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    message = error.detail if isinstance(error.detail, str) and error.detail else ""
    if isinstance(error, ApiError):
        return error_response(status, message, code=error.code, param=error.param, headers=error.headers)
    if status == 413:
        message = too_large_message()
    elif status in _DEFAULT_MESSAGES or not message:
        message = _DEFAULT_MESSAGES.get(status, message or "The request failed.")
    return error_response(status, message, headers=error.headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


async def _validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = error.errors()
    first = problems[0] if problems else {"loc": (), "msg": "Invalid request."}
    where = _location(first.get("loc", ()))
    message = str(first.get("msg", "Invalid request.")).removeprefix("Value error, ")
    if where:
        message = f"{where}: {message}"
    if len(problems) > 1:
        message += f" (and {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''})"
    return error_response(422, message, param=where or None)


async def _service_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, NeurocacheError)
    if isinstance(error, SettingsInvalid):
        message = " ".join(f"{name}: {text}" for name, text in error.field_errors.items()) or str(error)
        return error_response(422, message, param=error.field)
    if isinstance(error, NotFound):
        return error_response(404, str(error))
    if isinstance(error, MissingScope):
        return error_response(403, str(error), code="insufficient_scope")
    if isinstance(error, KeyRestricted):
        return error_response(403, str(error), code="key_restricted")
    if isinstance(error, BudgetExceeded):
        return error_response(429, str(error), code="budget_exceeded")
    if isinstance(error, Forbidden):
        return error_response(403, str(error))
    if isinstance(error, Invalid):
        return error_response(422, str(error), param=error.field)
    if isinstance(error, Unavailable):
        return error_response(503, str(error), headers={"Retry-After": "5"})
    log.error("unmapped service error %s: %s", type(error).__name__, error)
    return error_response(500, "The request failed unexpectedly. Try again in a moment.")


async def _unstorable(request: Request, error: Exception) -> JSONResponse:
    """The database refused a value (a NUL character in text, a number out of
    range): the input's fault, and nothing was stored."""
    log.info("refused unstorable input in %s %s: %s", request.method, request.url.path, getattr(error, "orig", error))
    return error_response(
        422, "A value in the request cannot be stored: text must not contain NUL characters and numbers must be in range."
    )


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=error)
    if request.url.path.startswith("/api/"):
        return error_response(500, "The request failed unexpectedly. Try again in a moment.")
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(NeurocacheError, _service_error)
    app.add_exception_handler(DataError, _unstorable)
    app.add_exception_handler(Exception, _unexpected)


__all__ = ["ApiError", "error_body", "error_response", "install", "too_large_message"]
