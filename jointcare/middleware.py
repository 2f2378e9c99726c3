"""Service errors at the web edge (decision 0061).

A `jointcare.errors.ServiceError` raised by any page's view (a refused close, a conflict, a bad query parameter)
becomes the same clear page: the status the error carries (400, 403, 404, 409, 422) and the NHS.UK error summary
listing each problem with the field (and row) it concerns. Views therefore do not catch service errors
themselves, except where they show the form again with the errors beside its fields. The API answers its own
errors as JSON (jointcare.api); anything else is a 500 through handler500, which never shows a traceback.
"""

from __future__ import annotations

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from jointcare.errors import ServiceError


class ServiceErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ServiceError):
            return None
        return render(
            request,
            "service_error.jinja",
            {"title": "There is a problem", "error": exception, "back": _back(request)},
            status=exception.status,
        )


def _back(request) -> str:
    """Where 'Go back' leads: the page the request came from on this site, else this page without its query."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return request.path if request.method == "GET" and request.GET else "/"
