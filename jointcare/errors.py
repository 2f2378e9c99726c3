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


class Busy(ServiceError):
    """The database is held by another writer for longer than a request waits (SQLite allows one writer at a
    time; a large import holds it until it commits): 503 with Retry-After, so the client tries again later."""

    status = 503
    retry_after = 30  # seconds

    def __init__(self, message: str | None = None):
        super().__init__(
            message
            or "The database is busy with another change (for example a large import), so nothing was changed. "
            f"Try again in {self.retry_after} seconds."
        )


def busy_error(exc: Exception) -> Busy | None:
    """A Busy error if `exc` (a database OperationalError) means another writer holds the database or the rows
    this request needs for longer than it waits: SQLite's "database is locked", PostgreSQL's lock timeout."""
    text = str(exc).lower()
    code = getattr(getattr(exc, "__cause__", None), "sqlstate", None)
    if "database is locked" in text or "database table is locked" in text or code == "55P03":
        return Busy()
    return None
