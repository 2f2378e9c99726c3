"""Sign-in findings: one door, atomic counting, the address limit, password rules, token expiry."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from jointcare.accounts import services
from jointcare.accounts.models import ApiToken, User
from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError

PASSWORD = "correct-horse-battery"


def _sign_in(client, username, password, address="10.0.0.1"):
    return client.post("/sign-in", {"username": username, "password": password}, REMOTE_ADDR=address)


# --- one door ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/django-admin/", "/django-admin/login/", "/admin/", "/admin/login/"])
def test_there_is_no_framework_admin_door(client, db, path):
    with pytest.raises(Resolver404):
        resolve(path)
    assert client.get(path).status_code == 404
    assert client.post(path, {"username": "x", "password": "y"}).status_code == 404


def test_the_framework_admin_is_not_installed():
    assert "django.contrib.admin" not in settings.INSTALLED_APPS
    assert settings.AUTHENTICATION_BACKENDS == ["jointcare.accounts.backends.ThrottledModelBackend"]


def test_every_authenticate_call_is_counted(user_factory, settings):
    """The throttle sits in the authentication backend, so a door added later cannot skip it."""
    settings.SIGN_IN_MAX_FAILURES = 2
    user_factory("ann")
    assert authenticate(username="ann", password="wrong-password-1") is None
    assert authenticate(username="ann", password="wrong-password-2") is None
    assert authenticate(username="ann", password=PASSWORD) is None  # refused unchecked: locked
    settings.SIGN_IN_MAX_FAILURES = 3
    assert authenticate(username="ann", password=PASSWORD) is not None


def test_createsuperuser_is_refused(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a")
    with pytest.raises(CommandError, match="createuser NAME --role administrator"):
        call_command("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org")
    assert not User.objects.exists()


# --- lockout and the address limit ----------------------------------------------------------------------


def test_the_lockout_ends_when_the_window_passes(client, user_factory, settings):
    from jointcare.accounts.models import SignInCounter

    settings.SIGN_IN_MAX_FAILURES = 2
    user_factory("ann")
    for _ in range(2):
        assert _sign_in(client, "ann", "wrong-password").status_code == 400
    assert _sign_in(client, "ann", PASSWORD).status_code == 429
    SignInCounter.objects.filter(key="user:ann").update(window_started=timezone.now() - dt.timedelta(seconds=901))
    assert _sign_in(client, "ann", PASSWORD).status_code == 302


def test_a_right_password_starts_the_count_again(client, user_factory, settings):
    settings.SIGN_IN_MAX_FAILURES = 3
    user_factory("ann")
    for _ in range(2):
        _sign_in(client, "ann", "wrong-password")
    assert _sign_in(client, "ann", PASSWORD).status_code == 302
    for _ in range(2):
        assert _sign_in(Client(), "ann", "wrong-password").status_code == 400
    assert _sign_in(Client(), "ann", PASSWORD).status_code == 302


def test_usernames_are_counted_whatever_their_case(client, user_factory, settings):
    settings.SIGN_IN_MAX_FAILURES = 2
    user_factory("ann")
    _sign_in(client, "ANN", "wrong-password")
    _sign_in(client, "Ann", "wrong-password")
    assert _sign_in(client, "ann", PASSWORD).status_code == 429


def test_failures_from_one_address_do_not_lock_out_others_behind_it(user_factory, settings):
    """Many staff share one address (an NHS or council network). Failures there must not stop the others."""
    settings.SIGN_IN_MAX_FAILURES = 5
    settings.SIGN_IN_ADDRESS_MAX_FAILURES = 4
    for name in ("ann", "bob", "cat", "dan"):
        user_factory(name)
    office, home = "192.0.2.10", "198.51.100.7"
    # Someone at the office guesses at many accounts, past the address limit.
    for i in range(6):
        assert _sign_in(Client(), f"guess{i}", "password-guess", office).status_code in (400, 429)
    # A colleague at the same address who types the right password gets in.
    assert _sign_in(Client(), "bob", PASSWORD, office).status_code == 302
    # Guessing at an account from that address now gets one try, not five.
    assert _sign_in(Client(), "cat", "wrong-password", office).status_code == 400
    assert _sign_in(Client(), "cat", PASSWORD, office).status_code == 429
    # ... but the account is not locked for anyone else: from another address the owner gets in.
    assert _sign_in(Client(), "cat", PASSWORD, home).status_code == 302
    # And from a quiet address an account has its full allowance.
    for _ in range(3):
        assert _sign_in(Client(), "dan", "wrong-password", home).status_code == 400
    assert _sign_in(Client(), "dan", PASSWORD, home).status_code == 302


@pytest.mark.postgres
@pytest.mark.real_password_hashing  # a real check takes long enough for a race to show
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_check_no_more_passwords_than_the_limit(monkeypatch):
    """100 attempts at once (25 connections at a time) check exactly the limit of passwords; the rest are refused."""
    services.create_user(None, username="ann", password=PASSWORD)
    limit = settings.SIGN_IN_MAX_FAILURES
    checked = []
    lock = threading.Lock()
    original = User.check_password

    def counting(self, raw):
        with lock:
            checked.append(raw)
        return original(self, raw)

    monkeypatch.setattr(User, "check_password", counting)
    attempts, workers = 100, 25
    start = threading.Barrier(workers)

    def attempt(i):
        try:
            if i < workers:
                start.wait(timeout=30)
            return _sign_in(Client(), "ann", f"wrong-password-{i}").status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(pool.map(attempt, range(attempts)))
    assert len(checked) == limit
    assert statuses.count(400) == limit and statuses.count(429) == attempts - limit
    assert _sign_in(Client(), "ann", PASSWORD).status_code == 429


# --- password rules ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password,reason",
    [
        ("a", "at least 12 characters"),
        ("short-pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("qwertyuiop123", "too common"),
        ("administrator", "too common"),
        ("847362910475", "entirely numeric"),
        ("anneexample1", "too similar"),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(db, password, reason):
    with pytest.raises(FieldError) as err:
        services.create_user(None, username="anneexample1", password=password, roles=["administrator"])
    assert err.value.field == "password" and reason in err.value.message
    assert not User.objects.exists()


def test_the_demo_password_and_a_passphrase_pass(db):
    from jointcare.partnerships.demo import DEMO_PASSWORD

    for name, password in (("analyst", DEMO_PASSWORD), ("ann", "correct horse battery staple")):
        assert services.create_user(None, username=name, password=password).check_password(password)


def test_createuser_refuses_a_weak_administrator_password(db):
    with pytest.raises(CommandError) as err:
        call_command("createuser", "root", "--role", "administrator", "--password", "a")
    assert "password: This password is too short. It must contain at least 12 characters." in str(err.value)
    assert not User.objects.exists()
    call_command("createuser", "root", "--role", "administrator", "--password", "a long enough passphrase")
    assert User.objects.get().check_password("a long enough passphrase")


def test_changing_a_password_follows_the_rules_and_is_audited(user_factory):
    user = user_factory("ann")
    with pytest.raises(CommandError, match="too short"):
        call_command("changepassword", "ann", "--password", "abc")
    with pytest.raises(FieldError):
        services.set_password(None, user, "")
    call_command("changepassword", "ann", "--password", "another good passphrase")
    user.refresh_from_db()
    assert user.check_password("another good passphrase")
    assert AuditEntry.objects.filter(action="user.set_password", object_id=str(user.pk)).count() == 1


# --- API tokens -------------------------------------------------------------------------------------------


def test_tokens_expire(client, user_factory):
    user = user_factory("ann", roles=["analyst"])
    row, token = services.create_token(None, user, "script", days=1)
    assert row.expires_at - row.created_at == dt.timedelta(days=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get("/api/v1/me", **auth).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/api/v1/me", **auth)
    assert response.status_code == 401 and "bearer token" in response.json()["detail"]


def test_tokens_last_90_days_by_default_and_record_their_last_use(client, user_factory):
    user = user_factory("ann", roles=["analyst"])
    row, token = services.create_token(None, user)
    assert row.expires_at - row.created_at == dt.timedelta(days=90)
    assert row.last_used_at is None
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    row.refresh_from_db()
    assert row.last_used_at is not None and timezone.now() - row.last_used_at < dt.timedelta(minutes=1)


@pytest.mark.parametrize("days", [0, -5, 367])
def test_token_lifetime_is_bounded(user_factory, days):
    user = user_factory("ann")
    with pytest.raises(FieldError) as err:
        services.create_token(None, user, days=days)
    assert err.value.field == "days"
    with pytest.raises(CommandError, match="--days"):
        call_command("token", "create", "--user", "ann", "--days", str(days))


def test_token_command_sets_the_expiry_and_lists_expiry_and_last_use(client, user_factory, capsys):
    user_factory("ann", roles=["analyst"])
    call_command("token", "create", "--user", "ann", "--days", "7", "--name", "nightly")
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get()
    assert row.expires_at.date() == (row.created_at + dt.timedelta(days=7)).date()
    client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    call_command("token", "list")
    header, line = capsys.readouterr().out.strip().splitlines()
    assert header.split("\t")[-2:] == ["expires", "last used"]
    fields = line.split("\t")
    assert fields[1] == "ann" and fields[3] == "nightly" and fields[4] == "active"
    assert fields[5] == f"{timezone.localtime(row.expires_at):%Y-%m-%d %H:%M}" and fields[6] != "never"
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(days=1))
    call_command("token", "list")
    assert "\texpired " in capsys.readouterr().out


def test_the_api_lists_token_expiry_for_administrators(client, user_factory):
    admin = user_factory("root", roles=["administrator"])
    _, token = services.create_token(None, admin, days=30)
    listed = client.get("/api/v1/tokens", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert listed[0]["expires_at"] and listed[0]["last_used_at"] is not None
