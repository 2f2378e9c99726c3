"""Every write about users, roles and tokens: one transaction, one audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jointcare.accounts.domain import Role, throttled
from jointcare.accounts.models import ApiToken, SignInFailure, User
from jointcare.audit.services import record
from jointcare.errors import FieldError, NotFound

TOKEN_PREFIX = "jc_"


def _roles(roles) -> list[Role]:
    parsed = []
    for r in roles:
        try:
            parsed.append(Role(r))
        except ValueError:
            raise FieldError(
                f"Unknown role '{r}'. Roles are: {', '.join(x.value for x in Role)}", field="roles"
            ) from None
    return parsed


@transaction.atomic
def create_user(
    actor,
    *,
    username: str,
    password: str,
    roles=(),
    organisation=None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    job_title: str = "",
    is_superuser: bool = False,
) -> User:
    if not username:
        raise FieldError("Enter a username", field="username")
    if User.objects.filter(username=username).exists():
        raise FieldError(f"A user called '{username}' already exists", field="username")
    parsed = _roles(roles)
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        job_title=job_title,
        organisation=organisation,
        is_staff=is_superuser or Role.ADMINISTRATOR in parsed,
        is_superuser=is_superuser,
    )
    user.set_password(password)
    user.save()
    for role in parsed:
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)
    record(
        actor,
        "user.create",
        user,
        after={"username": username, "roles": [r.value for r in parsed], "organisation": getattr(organisation, "pk", None)},
        summary=f"Created user {username}",
    )
    return user


@transaction.atomic
def set_roles(actor, user: User, roles) -> User:
    parsed = _roles(roles)
    before = sorted(user.roles)
    user.groups.set([Group.objects.get_or_create(name=r.value)[0] for r in parsed])
    user._roles_cache = None
    record(actor, "user.set_roles", user, before={"roles": before}, after={"roles": sorted(r.value for r in parsed)})
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_token(actor, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a bearer token; returns the stored row and the token text (shown only now)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken.objects.create(user=user, name=name, prefix=token[:10], digest=_digest(token))
    record(actor, "token.create", row, after={"user": user.username, "name": name, "prefix": row.prefix})
    return row, token


@transaction.atomic
def revoke_token(actor, token_id: int) -> ApiToken:
    row = ApiToken.objects.select_for_update().filter(pk=token_id).first()
    if row is None:
        raise NotFound(f"No API token with id {token_id}", field="token")
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
        record(actor, "token.revoke", row, before={"revoked_at": None}, after={"revoked_at": row.revoked_at})
    return row


def user_for_token(token: str) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = ApiToken.objects.select_related("user").filter(digest=_digest(token), revoked_at__isnull=True).first()
    if row is None or not row.user.is_active:
        return None
    now = timezone.now()
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


def sign_in_throttled(username: str, address: str) -> bool:
    since = timezone.now() - dt.timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)
    by_user = SignInFailure.objects.filter(username=username.lower(), at__gte=since).count()
    by_address = SignInFailure.objects.filter(address=address, at__gte=since).count() if address else 0
    # An address gets more room than one username, so a shared office address is not locked out at once.
    return throttled(by_user, settings.SIGN_IN_MAX_FAILURES) or throttled(
        by_address, settings.SIGN_IN_MAX_FAILURES * 4
    )


def note_sign_in_failure(username: str, address: str) -> None:
    SignInFailure.objects.create(username=username.lower()[:150], address=address[:64])


def clear_sign_in_failures(username: str) -> None:
    since = timezone.now() - dt.timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)
    SignInFailure.objects.filter(Q(username=username.lower()) | Q(at__lt=since)).delete()
