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
    """A bearer token for API clients. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class SignInFailure(models.Model):
    """A failed sign-in attempt, kept for throttling."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
