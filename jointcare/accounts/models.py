from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from jointcare.accounts.domain import Role


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation and holds roles (Django groups named by role)."""

    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    job_title = models.CharField(max_length=120, blank=True)

    @property
    def roles(self) -> frozenset[str]:
        cached = getattr(self, "_roles_cache", None)
        if cached is None:
            names = {g.name for g in self.groups.all()} if self.pk else set()
            cached = frozenset(n for n in names if n in Role.__members__.values())
            self._roles_cache = cached
        return cached

    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles)]


class ApiToken(models.Model):
    """A bearer token for API clients. Only its SHA-256 digest is stored; the token is shown once.

    Refused after `expires_at` or once revoked. `last_used_at` is kept to within five minutes.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return f"revoked {timezone.localtime(self.revoked_at):%Y-%m-%d %H:%M}"
        if self.expires_at <= timezone.now():
            return f"expired {timezone.localtime(self.expires_at):%Y-%m-%d %H:%M}"
        return "active"


class SignInCounter(models.Model):
    """Sign-in attempts counted in the current window, for one username ("user:ann") or address ("address:...").

    A username's count is taken before its password is checked, by one conditional UPDATE, so parallel
    attempts can never check more passwords than the limit; a right password sets it back to zero.
    An address counts its failures.
    """

    key = models.CharField(max_length=200, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started = models.DateTimeField(default=timezone.now)
