"""The JSON API under /api/v1. Every app adds its router; errors come back as 4xx naming the field."""

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from jointcare.accounts.access import API_AUTH
from jointcare.errors import ServiceError

api = NinjaAPI(
    title="jointcare API",
    version="1",
    description="Partners, places, partnerships and pooled budgets. Authenticate with `Authorization: Bearer <token>` "
    "(from `jointcare token create --user NAME`) or a signed-in session with its CSRF token.",
    auth=API_AUTH,
    urls_namespace="api",
)


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


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


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request, {"detail": "Sign in, or send a valid bearer token in the Authorization header"}, status=401
    )


api.add_router("/", "jointcare.accounts.api.router")
api.add_router("/", "jointcare.places.api.router")
api.add_router("/organisations", "jointcare.organisations.api.router")
api.add_router("/partnerships", "jointcare.partnerships.api.router")
api.add_router("/pools", "jointcare.pool.api.router")
api.add_router("/audit", "jointcare.audit.api.router")
