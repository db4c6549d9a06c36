"""Errors that services raise for callers to translate (a UI message, an HTTP status).

Messages are written for the person who caused them and never contain internals."""

from __future__ import annotations


class NeurocacheError(Exception):
    """Base class; `str(error)` is safe to show to the user."""


class NotFound(NeurocacheError):
    """Missing, or not visible to this user: the two are indistinguishable on purpose (404)."""


class Forbidden(NeurocacheError):
    """Visible to this user but not theirs to change (403), e.g. editing someone else's message."""


class Invalid(NeurocacheError):
    """Input that breaks a rule; `field` names the form field when there is one (422)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Unavailable(NeurocacheError):
    """A store we need is down; the action did not happen and can be retried (503)."""
