"""The production server that `jointcare serve` starts with JOINTCARE_ENV=production, over real HTTP:
security headers on pages, compressed static files with far-future cache headers, error answers, and the
production refusals (a weak key, the demo)."""

from __future__ import annotations

import gzip
import json
import os
import re
import sqlite3
from urllib.parse import urljoin

import pytest

from .conftest import environment, jointcare, ok, production

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="runs in the SQLite pass of make test (the server has its own SQLite database)",
)

ONE_YEAR = 365 * 24 * 3600


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_security_headers(response):
    csp = csp_directives(response.header("Content-Security-Policy"))
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    for directive, sources in csp.items():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, directive
        assert all(s.startswith("'") or s in ("data:",) for s in sources), f"{directive} allows another host"
    hsts = response.header("Strict-Transport-Security")
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= ONE_YEAR and "includeSubDomains" in hsts
    assert response.header("X-Content-Type-Options") == "nosniff"
    assert response.header("Referrer-Policy") == "same-origin"
    assert "camera=()" in response.header("Permissions-Policy")


def test_pages_come_from_gunicorn_with_the_security_headers(production_site):
    response = production_site.get("/sign-in")
    assert response.status == 200
    assert response.header("Server") == "gunicorn"  # not the development server
    assert_security_headers(response)
    assert response.header("X-Frame-Options") == "DENY"
    assert response.header("Strict-Transport-Security")
    html = response.body.decode()
    # The one inline script is the page template's js-enabled line, allowed by this response's nonce.
    nonce = re.search(r"'nonce-([^']+)'", response.header("Content-Security-Policy")).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [f' nonce="{nonce}"']
    assert " style=" not in html and "<style" not in html
    cookie = response.header("Set-Cookie")
    assert "csrftoken=" in cookie and "Secure" in cookie


def test_static_files_are_hashed_compressed_and_cached_for_a_year(production_site):
    html = production_site.get("/sign-in").body.decode()
    assets = re.findall(r'(?:href|src|data-nhsuk-frontend)="(/static/[^"]+)"', html)
    assert {a.rsplit(".", 1)[-1] for a in assets} >= {"css", "js", "ico", "svg", "png", "json"}
    for asset in assets:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), f"{asset} is not a content-hashed name"
        response = production_site.get(asset, headers={"Accept-Encoding": "gzip"})
        assert response.status == 200, asset
        cache = response.header("Cache-Control")
        assert int(re.search(r"max-age=(\d+)", cache).group(1)) >= ONE_YEAR and "immutable" in cache, asset
        if asset.endswith((".css", ".js")):
            assert response.header("Content-Encoding") == "gzip", asset
            assert gzip.decompress(response.body)


def test_the_stylesheets_use_no_other_host_and_every_image_they_name_exists(production_site):
    html = production_site.get("/sign-in").body.decode()
    for sheet in re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', html):
        css = production_site.get(sheet).body.decode()
        assert "@font-face" not in css
        urls = re.findall(r"url\(\"?([^\")]+)\"?\)", css)
        for url in urls:
            assert not re.match(r"(https?:)?//", url), f"{sheet} fetches {url} from another host"
            if not url.startswith("data:"):
                assert production_site.get(urljoin(sheet, url)).status == 200, url


def test_a_missing_page_is_the_nhs_page_and_shows_no_traceback(production_site):
    response = production_site.get("/no-such-page")
    assert response.status == 404
    assert_security_headers(response)
    html = response.body.decode()
    assert "Page not found" in html and "nhsuk-header" in html
    assert "Traceback" not in html and "DEBUG" not in html


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/v1/no-such-thing", 404), ("DELETE", "/api/v1/organisations", 405)],
)
def test_api_errors_are_json(production_site, method, path, status):
    response = production_site.get(path, method=method)
    assert response.status == status
    assert response.header("Content-Type") == "application/json"
    body = json.loads(response.body)
    assert body["detail"] and body["errors"] == [{"message": body["detail"]}]
    if status == 405:
        assert "DELETE is not allowed" in body["detail"] and "GET" in response.header("Allow")


def test_check_deploy_is_clean_with_nothing_silenced(tmp_path):
    result = jointcare("check", "--deploy", env=production(environment(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout + result.stderr


@pytest.mark.parametrize(
    "key",
    [None, "jointcare-development-only-secret-key-change-me", "x" * 60, ("abcdefghij" * 5)[:49]],
    ids=["none", "development-key", "one-character-repeated", "49-characters"],
)
def test_production_refuses_a_missing_or_weak_secret_key_with_a_clear_message(tmp_path, key):
    env = production(environment(tmp_path))
    if key is None:
        del env["JOINTCARE_SECRET_KEY"]
    else:
        env["JOINTCARE_SECRET_KEY"] = key
    result = jointcare("check", "--deploy", env=env)
    assert result.returncode == 1
    assert "JOINTCARE_SECRET_KEY must be a secret of at least 50" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_demo_refuses_to_run_in_production_and_writes_nothing(tmp_path):
    env = environment(tmp_path)
    ok(jointcare("migrate", "--noinput", "-v", "0", env=env))
    result = jointcare("demo", env=production(env))
    assert result.returncode == 1
    assert "not built in production" in result.stderr and "password is published" in result.stderr
    with sqlite3.connect(tmp_path / "jointcare.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM accounts_user").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM organisations_organisation").fetchone() == (0,)


@pytest.mark.parametrize(("redirect", "expected"), [(None, "True"), ("0", "False")])
def test_behind_a_tls_proxy_the_proxy_header_is_trusted_and_http_redirected(tmp_path, redirect, expected):
    env = production(environment(tmp_path), JOINTCARE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    if redirect is not None:
        env["JOINTCARE_SSL_REDIRECT"] = redirect
    script = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)"
    out = ok(jointcare("shell", "--no-imports", "-c", script, env=env))
    assert out.strip() == f"{expected} ('HTTP_X_FORWARDED_PROTO', 'https')"
