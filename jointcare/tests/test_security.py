"""Security headers, templates fit for the Content-Security-Policy, and the API's JSON errors in every mode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import path
from ninja import NinjaAPI

import jointcare
from jointcare import urls as project_urls

# A URL configuration with operations that fail, beside the project's own.
failing_api = NinjaAPI(urls_namespace="failing-api", auth=None)


@failing_api.get("/fail")
def failing_operation(request):
    raise RuntimeError("a bug in an API operation")


def failing_view(request):
    raise RuntimeError("a bug in a page")


urlpatterns = [
    path("api/failing/", failing_api.urls),
    path("failing", failing_view),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500

FAILING_URLS = override_settings(ROOT_URLCONF=__name__)

TEMPLATES = sorted(Path(jointcare.__file__).parent.rglob("*.jinja"))


def test_the_templates_are_found():
    assert len(TEMPLATES) > 20
    assert any(t.name == "layout.jinja" for t in TEMPLATES)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: str(t.relative_to(Path(jointcare.__file__).parent)))
def test_templates_have_no_inline_script_or_style(template):
    """The Content-Security-Policy refuses inline script and style: pages load them from static files and
    pass data in data- attributes or <script type="application/json"> elements."""
    text = template.read_text(encoding="utf-8")
    for attributes in re.findall(r"<script\b([^>]*)>", text, flags=re.IGNORECASE):
        assert "src=" in attributes or 'type="application/json"' in attributes, f"inline <script{attributes}>"
    assert not re.search(r"<style\b", text, flags=re.IGNORECASE), "a <style> element"
    assert not re.search(r"\sstyle\s*=", text, flags=re.IGNORECASE), "a style attribute"
    assert not re.search(r"\son[a-z]+\s*=", text, flags=re.IGNORECASE), "an inline event handler"
    assert not re.search(r"javascript:", text, flags=re.IGNORECASE), "a javascript: URL"


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy_and_its_nonce_in_development(client):
    response = client.get("/sign-in")
    csp = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert f'<script nonce="{nonce}">' in response.content.decode()
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def assert_api_error(response, status: int, detail: str):
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert detail in body["detail"]
    assert body["errors"] == [{"message": body["detail"]}]
    assert b"Traceback" not in response.content


@pytest.fixture(params=[True, False], ids=["development", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.django_db
def test_api_unknown_address_is_json_in_every_mode(debug, client):
    assert_api_error(client.get("/api/v1/no-such-thing"), 404, "no API operation")
    assert_api_error(client.get("/api/no-such-version/"), 404, "no API operation")


@pytest.mark.django_db
def test_api_method_not_allowed_is_json_in_every_mode(debug, client):
    response = client.delete("/api/v1/organisations")
    assert_api_error(response, 405, "DELETE is not allowed here; allowed: ")
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}
    assert response.json()["detail"].endswith(response["Allow"])


@FAILING_URLS
@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/api/failing/fail"])
def test_api_server_error_is_json_in_every_mode(debug, address):
    response = Client(raise_request_exception=False).get(address)
    assert_api_error(response, 500, "Sorry, there is a problem with the service")
    assert b"a bug in an API operation" not in response.content


@FAILING_URLS
@pytest.mark.django_db
def test_page_server_error_in_production_is_the_nhs_page_without_a_traceback(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/failing")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html and "nhsuk-header" in html
    assert "a bug in a page" not in html and "Traceback" not in html


@pytest.mark.django_db
def test_page_not_found_in_production_is_the_nhs_page(settings, client):
    settings.DEBUG = False
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert response["Content-Security-Policy"]


@pytest.mark.django_db
def test_csrf_failure_is_json_in_the_api_and_an_nhs_page_for_forms(user_factory):
    user_factory("ann", roles=["commissioner"])
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="ann", password="correct-horse-battery")
    response = browser.post("/api/v1/organisations", {"name": "X"}, content_type="application/json")
    assert response.status_code == 403  # the session is not used without its CSRF token
    assert response["Content-Type"].startswith("application/json")
    assert "CSRF" in response.json()["detail"]

    form = Client(enforce_csrf_checks=True).post("/sign-in", {"username": "ann", "password": "x"})
    assert form.status_code == 403
    assert "Your form could not be sent" in form.content.decode()


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_a_tls_proxy_plain_http_is_redirected_and_https_served(client):
    plain = client.get("/sign-in")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/sign-in"
    assert client.get("/sign-in", headers={"X-Forwarded-Proto": "https"}).status_code == 200
