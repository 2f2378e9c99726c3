"""The one way a password is checked: Django's model backend behind the sign-in throttle.

Every door that calls `django.contrib.auth.authenticate` (the sign-in page, and any added later) goes
through here, so none can skip the count. See docs/decisions/0041-sign-in.md.
"""

from __future__ import annotations

import logging

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from jointcare.accounts import services

log = logging.getLogger("jointcare.sign_in")


def client_address(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:64]


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        address = client_address(request)
        if not services.take_sign_in_attempt(username, address):
            if request is not None:
                request.sign_in_refused = True
            log.warning("sign-in refused unchecked (too many failures): %r from %s", username[:150], address or "-")
            raise PermissionDenied("too many failed sign-in attempts")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            services.note_sign_in_failure(address)
            log.warning("sign-in failed: %r from %s", username[:150], address or "-")
        else:
            services.clear_sign_in_failures(username)
        return user
