"""The JSON API under /api/v1. Every app adds its router; errors come back as 4xx naming the field, in one shape:
`{"detail": ..., "errors": [{"field": ..., "message": ...}]}` (jointcare.schemas.ErrorOut)."""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from jointcare import limits
from jointcare.accounts.access import API_AUTH
from jointcare.errors import Busy, FieldError, ServiceError, busy_error


class UnreadableBody(FieldError):
    """The body is not JSON (400)."""


class BadValue(FieldError):
    """A value in the body is text that cannot be stored, or nested too deep (422)."""

    status = 422


def _check_json(value, path: list, depth: int = 0) -> None:
    if depth > limits.MAX_JSON_DEPTH:
        field = ".".join(map(str, path)) or None
        raise BadValue(f"the body is nested more than {limits.MAX_JSON_DEPTH} levels deep", field=field)
    if isinstance(value, str):
        problem = limits.text_problem(value)
        if problem:
            field = ".".join(map(str, path)) or None
            raise BadValue(f"{field}: {problem}" if field else problem, field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_json(key, path, depth + 1)
            _check_json(item, [*path, key], depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, [*path, i], depth + 1)


class BoundedParser(Parser):
    """JSON bodies, refusing with the field named any text that cannot be stored (query strings are checked by
    jointcare.request_limits before the API is reached)."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body)
        except RecursionError:
            raise BadValue(f"the body is nested more than {limits.MAX_JSON_DEPTH} levels deep", field="body") from None
        except ValueError as exc:  # JSONDecodeError, invalid UTF-8, an integer of too many digits
            raise UnreadableBody(f"The body is not valid JSON: {limits.shorten(str(exc), 120)}", field="body") from None
        _check_json(data, [])
        return data


api = NinjaAPI(
    title="jointcare API",
    version="1",
    description="Partners, places, partnerships and pooled budgets. Authenticate with `Authorization: Bearer <token>` "
    "(from `jointcare token create --user NAME`) or a signed-in session with its CSRF token.",
    auth=API_AUTH,
    urls_namespace="api",
    parser=BoundedParser(),
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if isinstance(exc, Busy):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(OperationalError)
def database_busy(request, exc: OperationalError):
    """Another writer holds the database past the time a request waits (SQLite's one writer during a large
    import): 503 with Retry-After; any other database failure stays a server error."""
    busy = busy_error(exc)
    if busy is None:
        raise exc
    return service_error(request, busy)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload", "form")]
        errors.append({"field": ".".join(loc) or None, "message": err.get("msg", "invalid")})
    first = errors[0] if errors else {"field": None, "message": "invalid input"}
    detail = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(DjangoValidationError)
def django_validation_error(request, exc: DjangoValidationError):
    errors = [{"field": f, "message": m} for f, ms in getattr(exc, "message_dict", {"": exc.messages}).items() for m in ms]
    return api.create_response(request, {"detail": errors[0]["message"], "errors": errors}, status=400)


def _error(request, status: int, message: str, field: str | None = None):
    return api.create_response(request, {"detail": message, "errors": [{"field": field, "message": message}]}, status=status)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return _error(request, 401, "Sign in, or send a valid bearer token in the Authorization header")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # ninja wraps what the body parser raised in HttpError(400, "Cannot parse request body")
    if isinstance(exc.__cause__, ServiceError):
        return service_error(request, exc.__cause__)
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    limit = limits.size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return _error(request, 413, f"The request body is larger than {limit}, the largest accepted", "body")


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, str(exc) or "Not found")


@api.exception_handler(SuspiciousOperation)
def bad_request(request, exc):
    return _error(request, 400, f"The request cannot be read: {limits.shorten(str(exc), 120)}", "body")


@api.exception_handler(MultiPartParserError)
def bad_multipart(request, exc):
    return _error(request, 400, f"The multipart body cannot be read: {limits.shorten(str(exc), 120)}", "body")


api.add_router("/", "jointcare.accounts.api.router")
api.add_router("/", "jointcare.places.api.router")
api.add_router("/organisations", "jointcare.organisations.api.router")
api.add_router("/partnerships", "jointcare.partnerships.api.router")
api.add_router("/pools", "jointcare.pool.api.router")
api.add_router("/audit", "jointcare.audit.api.router")
api.add_router("/", "jointcare.outcomes.api.router")
api.add_router("/people", "jointcare.people.api.router")
api.add_router("/", "jointcare.packages.api.router")
api.add_router("/", "jointcare.care.api.router")
api.add_router("/cld", "jointcare.cld.api.router")
