"""Server-side permission checks for views and API calls."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from ninja.security import HttpBearer, django_auth

from jointcare.accounts.domain import has_capability
from jointcare.accounts.services import user_for_token
from jointcare.errors import Forbidden


def can(user, capability: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and has_capability(user.roles, capability))


def check(user, capability: str) -> None:
    if not can(user, capability):
        raise Forbidden(f"You do not have permission to do this ({capability})")


def requires(capability: str):
    """View decorator: signed in, and holding `capability`; otherwise sign-in or a 403 page."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can(request.user, capability):
                return render(
                    request, "accounts/forbidden.jinja", {"title": "You cannot see this page", "capability": capability}, status=403
                )
            return view(request, *args, **kwargs)

        wrapped.capability = capability
        return wrapped

    return decorate


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


API_AUTH = [BearerToken(), django_auth]


def api_user(request):
    return request.auth
