"""Error answers: NHS.UK pages for people; under /api/ the API's JSON error shape (see jointcare.middleware,
which also turns the framework's own HTML errors under /api/ into JSON)."""

from django.http import JsonResponse
from django.shortcuts import render

from jointcare.middleware import api_error_body, is_api


def _error(request, status: int, template: str, title: str, detail: str | None = None):
    if is_api(request):
        return JsonResponse(api_error_body(status, detail), status=status)
    return render(request, template, {"title": title}, status=status)


def not_found(request, exception=None):
    return _error(request, 404, "not_found.jinja", "Page not found")


def server_error(request):
    return _error(request, 500, "server_error.jinja", "Sorry, there is a problem")


def csrf_failure(request, reason=""):
    """A form or API write without a valid CSRF token (settings.CSRF_FAILURE_VIEW)."""
    detail = (
        f"CSRF check failed ({reason}): send the csrftoken cookie's value in the X-CSRFToken header, "
        "or authenticate with a bearer token instead of the session"
    )
    return _error(request, 403, "csrf_failure.jinja", "Your form could not be sent", detail)
