"""Errors that services raise and both the web views and the API turn into clear 4xx answers."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses. `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.errors = errors or ([{"field": field, "message": message}] if field else [{"message": message}])

    def as_dict(self) -> dict:
        return {"detail": self.message, "errors": self.errors}


class FieldError(ServiceError):
    """One field (or several) of the input is invalid; each error names its field (and row, for imports)."""


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403
