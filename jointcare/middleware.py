"""Project-wide middleware: API errors as JSON in every mode, and the Permissions-Policy header."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.conf import settings

from jointcare.errors import ServiceError

API_PREFIX = "/api/"

MESSAGES = {
    400: "The request could not be read",
    404: "There is no API operation at this address",
    413: "The request body is too large",
    500: "Sorry, there is a problem with the service. Try again later",
}


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error_body(status: int, detail: str | None = None) -> dict:
    """The API's error shape, {"detail": ..., "errors": [...]}, for an error with no field to name."""
    if detail is None:
        detail = MESSAGES.get(status) or HTTPStatus(status).phrase
    return ServiceError(detail).as_dict()


def api_errors_as_json(get_response):
    """Under /api/, an error the framework would answer as an HTML page (an unknown address, a method not
    allowed, a server error, a debug page) is answered as the API's JSON error instead, in every mode."""

    def middleware(request):
        response = get_response(request)
        if (
            not is_api(request)
            or response.status_code < 400
            or response.streaming
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        detail = None
        if response.status_code == 405:
            allowed = response.get("Allow", "")
            detail = f"{request.method} is not allowed here" + (f"; allowed: {allowed}" if allowed else "")
        response.content = json.dumps(api_error_body(response.status_code, detail)).encode()
        response["Content-Type"] = "application/json"
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response

    return middleware


def permissions_policy(get_response):
    """Refuse browser features the site never uses (settings.PERMISSIONS_POLICY) on every response."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

    return middleware
