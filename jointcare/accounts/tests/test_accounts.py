import subprocess
import sys

import pytest
from django.core.management import call_command

from jointcare.accounts import services
from jointcare.accounts.models import ApiToken
from jointcare.audit.models import AuditEntry
from jointcare.errors import FieldError

PASSWORD = "correct-horse-battery"


@pytest.mark.real_password_hashing
def test_create_user_hashes_with_argon2_and_audits(db):
    user = services.create_user(None, username="ann", password=PASSWORD, roles=["commissioner"])
    assert user.password.startswith("argon2")
    assert user.roles == {"commissioner"}
    entry = AuditEntry.objects.get(action="user.create")
    assert entry.after["roles"] == ["commissioner"]
    assert entry.object_id == str(user.pk)


def test_unknown_role_names_the_field(db):
    with pytest.raises(FieldError) as err:
        services.create_user(None, username="bob", password=PASSWORD, roles=["wizard"])
    assert err.value.field == "roles"


def test_duplicate_username_refused(db, user_factory):
    user_factory("ann")
    with pytest.raises(FieldError) as err:
        services.create_user(None, username="ann", password=PASSWORD)
    assert err.value.field == "username"


def test_sign_in_and_out(client, user_factory):
    user_factory("ann", roles=["analyst"])
    response = client.post("/sign-in", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert "Analyst" in home.content.decode()
    client.post("/sign-out")
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_throttled(client, user_factory, settings):
    settings.SIGN_IN_MAX_FAILURES = 3
    user_factory("ann")
    for _ in range(3):
        response = client.post("/sign-in", {"username": "ann", "password": "nope"})
        assert response.status_code == 400
        assert "not right" in response.content.decode()
    # Even the right password is refused while throttled.
    response = client.post("/sign-in", {"username": "ann", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()


def test_empty_sign_in_names_fields(client, db):
    response = client.post("/sign-in", {"username": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 400
    assert "Enter your username" in body and "Enter your password" in body


def test_sign_in_ignores_offsite_next(client, user_factory):
    user_factory("ann")
    response = client.post("/sign-in", {"username": "ann", "password": PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_pages_need_sign_in(client, db):
    assert client.get("/audit/")["Location"].startswith("/sign-in")


def test_audit_page_only_for_administrators(client, user_factory):
    user_factory("ann", roles=["commissioner"])
    user_factory("root", roles=["administrator"])
    client.login(username="ann", password=PASSWORD)
    assert client.get("/audit/").status_code == 403
    client.login(username="root", password=PASSWORD)
    response = client.get("/audit/")
    assert response.status_code == 200
    assert "user.create" in response.content.decode()


def test_bearer_token_create_use_and_revoke(client, user_factory):
    user = user_factory("ann", roles=["analyst"])
    row, token = services.create_token(None, user, "script")
    assert not ApiToken.objects.filter(digest=token).exists()  # only the digest is stored
    ok = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert ok.status_code == 200 and ok.json()["roles"] == ["analyst"]
    services.revoke_token(None, row.pk)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer jc_made-up").status_code == 401


def test_token_command_prints_a_working_token(client, user_factory, capsys):
    user_factory("ann", roles=["analyst"])
    call_command("token", "create", "--user", "ann")
    token = capsys.readouterr().out.strip()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()["username"] == "ann"


def test_api_session_writes_need_csrf(user_factory):
    from django.test import Client

    admin = user_factory("root", roles=["administrator"])
    row, _ = services.create_token(None, admin)
    c = Client(enforce_csrf_checks=True)
    c.login(username="root", password=PASSWORD)
    assert c.get("/api/v1/tokens").status_code == 200
    refused = c.post(f"/api/v1/tokens/{row.pk}/revoke")
    assert refused.status_code == 403
    assert ApiToken.objects.get(pk=row.pk).revoked_at is None
    c.get("/sign-out")  # a page with a form sets the CSRF cookie
    token = c.cookies["csrftoken"].value
    done = c.post(f"/api/v1/tokens/{row.pk}/revoke", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 200
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None


def test_only_administrators_manage_tokens(client, user_factory):
    user = user_factory("ann", roles=["analyst"])
    row, token = services.create_token(None, user)
    response = client.post(f"/api/v1/tokens/{row.pk}/revoke", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403
    assert "permission" in response.json()["detail"]
    missing = client.post("/api/v1/tokens/999999/revoke", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert missing.status_code == 403


def test_production_refuses_default_secret_key():
    code = (
        "import os; os.environ['JOINTCARE_ENV']='production'; os.environ.pop('JOINTCARE_SECRET_KEY', None);"
        "os.environ['DJANGO_SETTINGS_MODULE']='jointcare.settings'; import django; django.setup()"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0
    assert "JOINTCARE_SECRET_KEY" in result.stderr


def test_production_turns_debug_off():
    code = (
        "import os; os.environ.update(JOINTCARE_ENV='production', JOINTCARE_SECRET_KEY='abcdefghij'*5, JOINTCARE_DEBUG='1',"
        "DJANGO_SETTINGS_MODULE='jointcare.settings'); from django.conf import settings; print(settings.DEBUG)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


@pytest.mark.django_db
def test_createuser_attaches_the_open_organisation_holding_a_shared_code():
    from jointcare.accounts.models import User
    from jointcare.organisations.models import Organisation

    stp = Organisation.objects.create(name="Greater Manchester STP", sector="nhs", kind="stp", ods_code="QOP", active=False)
    icb = Organisation.objects.create(name="NHS Greater Manchester ICB", sector="nhs", kind="icb", ods_code="QOP")
    call_command("createuser", "gm", "--role", "analyst", "--organisation", "qop", "--password", "a-long-enough-password")
    assert User.objects.get(username="gm").organisation == icb != stp
