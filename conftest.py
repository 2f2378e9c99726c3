"""Shared test set-up.

- Tests marked `postgres` run only against PostgreSQL (they are deselected on SQLite, and run in the
  PostgreSQL pass of `make test`).
- Under `make test` (JOINTCARE_REQUIRE_POSTGRES / JOINTCARE_REQUIRE_CHROMIUM) a PostgreSQL that cannot be
  reached or a missing Chromium is a failure, never a skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Under CI the property tests replay the same examples on every run (a failure found while developing is kept in
# .hypothesis/ and replayed there); elsewhere they explore new examples each time.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

ARTEFACTS = Path(__file__).parent / "test-artefacts"
CHROMIUM = os.environ.get("JOINTCARE_CHROMIUM", "/usr/bin/chromium")


def _engine() -> str:
    from django.conf import settings

    return settings.DATABASES["default"]["ENGINE"]


def pytest_sessionstart(session):
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        try:
            dsn = url.rsplit("/", 1)[0] + "/postgres"
            psycopg.connect(dsn, connect_timeout=5).close()
        except Exception as exc:  # noqa: BLE001
            pytest.exit(f"PostgreSQL at {url} cannot be reached: {exc}", returncode=3)


def pytest_collection_modifyitems(config, items):
    on_postgres = "postgresql" in _engine()
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="runs in the PostgreSQL pass of make test"))


@pytest.fixture(autouse=True)
def _quick_password_hashing(request, settings):
    """Tests hash passwords with a cheap hasher: argon2, as the site uses, costs 0.1 s and 100 MB a password, and
    the suite makes thousands of users. Tests of hashing and sign-in throttling ask for the real hasher with
    the `real_password_hashing` marker."""
    if "real_password_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Each test keeps imported Client Level Data (Parquet files) in its own directory."""
    settings.JOINTCARE_DATA_DIR = tmp_path / "data"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """PostgreSQL test databases do not wait for the disk at each commit: a crash loses only test data, and every
    guarantee under test (locks, constraints, triggers, isolation) holds the same."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if "postgresql" in database["ENGINE"]:
        options = database.setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c synchronous_commit=off").strip()


@pytest.fixture
def user_factory(db):
    """Create users through the real service: user_factory('ann', roles=['commissioner'])."""
    from jointcare.accounts import services

    def make(username, roles=(), organisation=None, password="correct-horse-battery"):
        return services.create_user(None, username=username, password=password, roles=roles, organisation=organisation)

    return make


@pytest.fixture
def admin_user_(user_factory):
    return user_factory("admin1", roles=["administrator"])


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def artefacts():
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (from npm) in the page; return violations at the given impacts.

    axe is evaluated through the browser's automation channel, not added as a <script> element, which the
    site's Content-Security-Policy rightly refuses."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]
