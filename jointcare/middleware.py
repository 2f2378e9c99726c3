"""Project-wide middleware: API errors as JSON in every mode, the Permissions-Policy header, and service errors
raised in a page's view answered as one clear page (decision 0061)."""

from __future__ import annotations

import json
from http import HTTPStatus

from django.conf import settings
from django.db import OperationalError
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from jointcare.errors import Busy, ServiceError, busy_error

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


class ServiceErrorMiddleware:
    """A `jointcare.errors.ServiceError` raised by any page's view (a refused close, a conflict, a bad query
    parameter) becomes the same clear page: the status the error carries (400, 403, 404, 409, 422) and the NHS.UK
    error summary listing each problem with the field (and row) it concerns. Views therefore do not catch service
    errors themselves, except where they show a form again with the errors beside its fields. The API answers its
    own errors as JSON (jointcare.api); anything else is a 500 through handler500, which never shows a traceback."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_api(request):
            return None
        if isinstance(exception, OperationalError):
            # another writer holds the database past the time a request waits: 503, try again later
            exception = busy_error(exception)
        if not isinstance(exception, ServiceError):
            return None
        response = render(
            request,
            "service_error.jinja",
            {"title": "There is a problem", "error": exception, "back": _back(request)},
            status=exception.status,
        )
        if isinstance(exception, Busy):
            response["Retry-After"] = str(exception.retry_after)
        return response


def _back(request) -> str:
    """Where 'Go back' leads: the page the request came from on this site, else this page without its query."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path if request.method == "GET" and request.GET else "/"
