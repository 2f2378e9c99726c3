"""Every write about users, roles and tokens: one transaction, one audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from jointcare.accounts.domain import Role, account_limit
from jointcare.accounts.models import ApiToken, SignInCounter, User
from jointcare.audit.services import record
from jointcare.errors import FieldError, NotFound

TOKEN_PREFIX = "jc_"
TOKEN_DAYS = 90
TOKEN_MAX_DAYS = 366


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
    _set_password(user, password)
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


def _set_password(user: User, password: str) -> None:
    """Set the password if it passes the rules in AUTH_PASSWORD_VALIDATORS (length, common passwords, ...)."""
    try:
        validate_password(password or "", user)
    except ValidationError as exc:
        raise FieldError(" ".join(exc.messages), field="password") from None
    user.set_password(password)


@transaction.atomic
def set_password(actor, user: User, password: str) -> User:
    _set_password(user, password)
    user.save(update_fields=["password"])
    record(actor, "user.set_password", user, summary=f"Set the password of {user.username}")
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
def create_token(actor, user: User, name: str = "", days: int = TOKEN_DAYS) -> tuple[ApiToken, str]:
    """Create a bearer token valid for `days`; returns the stored row and the token text (shown only now)."""
    if not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        raise FieldError(f"A token lasts from 1 to {TOKEN_MAX_DAYS} days, not {days}", field="days")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    row = ApiToken.objects.create(
        user=user, name=name[:100], prefix=token[:10], digest=_digest(token), created_at=now,
        expires_at=now + dt.timedelta(days=days),
    )
    record(
        actor, "token.create", row,
        after={"user": user.username, "name": row.name, "prefix": row.prefix, "expires_at": row.expires_at},
    )
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
    """The active user a live (unrevoked, unexpired) token belongs to, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
    return row.user


# --- sign-in throttling (decision 0041) ----------------------------------------------------------------


def _key(kind: str, value: str) -> str:
    return f"{kind}:{value.lower()}"[:200]


def _fresh_counter(key: str, now) -> None:
    """Make sure the counter exists, and start it again when its window has passed."""
    SignInCounter.objects.get_or_create(key=key, defaults={"window_started": now})
    expired = now - dt.timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)
    SignInCounter.objects.filter(key=key, window_started__lte=expired).update(failures=0, window_started=now)


def take_sign_in_attempt(username: str, address: str) -> bool:
    """Count an attempt for the username before its password is checked; False: refuse it unchecked.

    One conditional UPDATE takes the attempt, so parallel attempts never exceed the limit. From an address
    with too many failures of its own, only usernames with no failures in the window are checked.
    """
    now = timezone.now()
    user_key = _key("user", username)
    _fresh_counter(user_key, now)
    suspect = False
    if address:
        address_key = _key("address", address)
        _fresh_counter(address_key, now)
        suspect = SignInCounter.objects.filter(
            key=address_key, failures__gte=settings.SIGN_IN_ADDRESS_MAX_FAILURES
        ).exists()
    limit = account_limit(settings.SIGN_IN_MAX_FAILURES, suspect)
    taken = SignInCounter.objects.filter(key=user_key, failures__lt=limit).update(
        failures=F("failures") + 1,
        window_started=Case(When(failures=0, then=Value(now)), default=F("window_started")),
    )
    return taken == 1


def note_sign_in_failure(address: str) -> None:
    """A password was wrong: the username's attempt is already counted; count it against the address."""
    if address:
        SignInCounter.objects.filter(key=_key("address", address)).update(failures=F("failures") + 1)


def clear_sign_in_failures(username: str) -> None:
    """A password was right: the username starts again; counters whose window has passed are dropped."""
    now = timezone.now()
    SignInCounter.objects.filter(key=_key("user", username)).update(failures=0, window_started=now)
    expired = now - dt.timedelta(seconds=settings.SIGN_IN_WINDOW_SECONDS)
    SignInCounter.objects.filter(window_started__lte=expired).delete()
