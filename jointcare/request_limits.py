"""Requests held to the limits of jointcare.limits before any view reads them, and the form field for text.

`RequestLimitsMiddleware` answers, before the body is read:
- 413 when the declared body is larger than the limit for its kind (an upload: settings.MAX_UPLOAD_BYTES; any
  other body: DATA_UPLOAD_MAX_MEMORY_SIZE), naming the limit;
- 400 for a multipart body without a usable boundary, or a Content-Length that is not a number;
- 400 naming the parameter for a path or query string holding text that cannot be stored (NUL, other control
  characters; invalid UTF-8 there is already replaced by Django).
Under /api/ the answer is JSON in the API's error shape; elsewhere an NHS.UK page.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import parse_header_parameters

from jointcare.limits import size_text, text_problem
from jointcare.middleware import is_api


def refuse(request, status: int, message: str, field: str | None = None):
    """The answer to a request refused before its view: JSON under /api/, an NHS.UK page elsewhere."""
    if is_api(request):
        return JsonResponse({"detail": message, "errors": [{"field": field, "message": message}]}, status=status)
    title = "The file or form is too large" if status == 413 else "The request could not be read"
    return render(request, "request_refused.jinja", {"title": title, "message": message}, status=status)


def _boundary_problem(content_type: str) -> str | None:
    _, params = parse_header_parameters(content_type)
    boundary = params.get("boundary", "")
    if not boundary:
        return "the multipart body has no boundary in its Content-Type"
    if len(boundary) > 70 or not boundary.isascii():
        return "the multipart boundary is not valid (at most 70 ASCII characters)"
    return None


class RequestLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.check(request)
        return response if response is not None else self.get_response(request)

    def check(self, request):
        content_type = request.META.get("CONTENT_TYPE", "")
        multipart = content_type.lower().startswith("multipart/")
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            return refuse(request, 400, "the Content-Length header is not a number", "Content-Length")
        limit = settings.MAX_UPLOAD_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            what = "upload" if multipart else "request body"
            return refuse(
                request,
                413,
                f"The {what} is {size_text(length)}; the largest accepted is {size_text(limit)}",
                "file" if multipart else "body",
            )
        if multipart and length:
            problem = _boundary_problem(content_type)
            if problem:
                return refuse(request, 400, problem[:1].upper() + problem[1:], "body")
        problem = text_problem(request.path)
        if problem:
            return refuse(request, 400, f"The address {problem}", "path")
        try:
            query = request.GET.lists()
        except SuspiciousOperation as exc:  # e.g. more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS
            return refuse(request, 400, f"The query string cannot be read: {exc}", "query")
        for name, values in query:
            for value in (name, *values):
                problem = text_problem(value)
                if problem:
                    field = name if text_problem(name) is None else "query"
                    return refuse(request, 400, f"{field}: {problem}", field)
        return None


def _refuse_bad_text(value: str) -> None:
    problem = text_problem(value)
    if problem:
        raise ValidationError(f"This {problem}", code="invalid_text")


class TextField(forms.CharField):
    """A form's text: Django's CharField (which already refuses NUL), also refusing the other control characters
    and lone surrogates, which no page or export can hold."""

    default_validators = [_refuse_bad_text]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # one message for a NUL, ours, rather than two
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
