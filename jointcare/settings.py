"""Django settings, configured from the environment.

DATABASE_URL          default: SQLite file var/jointcare.sqlite3 under the project directory
JOINTCARE_ENV         "development" (default) or "production"
JOINTCARE_SECRET_KEY  required (not the default) when JOINTCARE_ENV=production
JOINTCARE_ALLOWED_HOSTS  comma-separated, default "127.0.0.1,localhost"
JOINTCARE_DEBUG       "1" or "0"; default on in development, always off in production
JOINTCARE_VAR_DIR     where the SQLite file and other local state live (default ./var)
JOINTCARE_DATA_DIR    where imported Client Level Data and hospital activity are kept as Parquet (default VAR_DIR/data)
JOINTCARE_MAX_UPLOAD_MB  the largest upload (a request carrying a file) in MB, default 64
Production and security settings (JOINTCARE_HSTS_SECONDS, JOINTCARE_SSL_REDIRECT, JOINTCARE_PROXY_SSL_HEADER)
are described in their block below and in the README.
"""

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from jointcare import limits

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent
VAR_DIR = Path(os.environ.get("JOINTCARE_VAR_DIR", BASE_DIR / "var"))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
# Imported CLD submissions and hospital activity: one Parquet file each, read by DuckDB (decision 0100).
JOINTCARE_DATA_DIR = Path(os.environ.get("JOINTCARE_DATA_DIR", VAR_DIR / "data"))

ENVIRONMENT = os.environ.get("JOINTCARE_ENV", "development")
PRODUCTION = ENVIRONMENT == "production"
DEFAULT_SECRET_KEY = "jointcare-development-only-secret-key-change-me"
SECRET_KEY = os.environ.get("JOINTCARE_SECRET_KEY", DEFAULT_SECRET_KEY)
# Production refuses to start on the development key or a guessable one: at least 50 characters,
# at least 5 different ones (the framework's own deployment check asks for the same).
SECRET_KEY_MIN_LENGTH = 50
if PRODUCTION and (
    SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        f"JOINTCARE_SECRET_KEY must be a secret of at least {SECRET_KEY_MIN_LENGTH} random characters when "
        "JOINTCARE_ENV=production, for example the output of: "
        'python -c "import secrets; print(secrets.token_urlsafe(64))"'
    )
DEBUG = False if PRODUCTION else os.environ.get("JOINTCARE_DEBUG", "1") == "1"
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("JOINTCARE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
if not PRODUCTION:
    ALLOWED_HOSTS += ["testserver"]

# No django.contrib.admin: the project's own pages do everything, behind one sign-in (decision 0041).
# jointcare.accounts comes before django.contrib.auth so that its `createsuperuser` and `changepassword`
# commands replace the framework's (which can set a password without the rules).
INSTALLED_APPS = [
    "jointcare.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "ninja",
    "jointcare.audit",
    "jointcare.places",
    "jointcare.organisations",
    "jointcare.partnerships",
    "jointcare.pool",
    "jointcare.people",
    "jointcare.packages",
    "jointcare.care",
    "jointcare.cld",
    "jointcare.outcomes",
    "jointcare.operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jointcare.middleware.api_errors_as_json",
    "jointcare.middleware.permissions_policy",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jointcare.request_limits.RequestLimitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jointcare.middleware.ServiceErrorMiddleware",
]

ROOT_URLCONF = "jointcare.urls"
WSGI_APPLICATION = "jointcare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "jointcare.jinja.environment"},
    },
    {
        # django-ninja's API docs page (/api/v1/docs) uses Django templates.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jointcare.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        # checkpoints every 10,000 pages (40 MB of WAL) rather than 1,000: each copies the ledger's hot pages
        # back and syncs the disk, which cost half of one-at-a-time posting's wall clock (decision 0118)
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=10000;",
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("JOINTCARE_TEST_SQLITE", "")} if os.environ.get(
        "JOINTCARE_TEST_SQLITE"
    ) else {}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/sign-in"
LOGIN_REDIRECT_URL = "/"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Password rules in the NCSC's way: length and a deny-list, no composition rules (decision 0041).
# Every path that sets a password (accounts.services) applies them, administrators included.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["jointcare.accounts.backends.ThrottledModelBackend"]
# Sign-in throttle: a username is refused unchecked after this many failures within the window, until
# the window passes; an address with SIGN_IN_ADDRESS_MAX_FAILURES failures gets one try per username.
SIGN_IN_MAX_FAILURES = int(os.environ.get("JOINTCARE_SIGN_IN_MAX_FAILURES", "5"))
SIGN_IN_ADDRESS_MAX_FAILURES = int(os.environ.get("JOINTCARE_SIGN_IN_ADDRESS_MAX_FAILURES", "20"))
SIGN_IN_WINDOW_SECONDS = int(os.environ.get("JOINTCARE_SIGN_IN_WINDOW_SECONDS", "900"))

# Bounded input (decision 0050): every request body has a stated limit, and a larger one is answered 413 naming
# it (jointcare.request_limits) before it is read. Uploads spool to a temporary file beyond 2.5 MB.
MAX_UPLOAD_BYTES = int(os.environ.get("JOINTCARE_MAX_UPLOAD_MB", limits.DEFAULT_MAX_UPLOAD_MB)) * limits.MB
DATA_UPLOAD_MAX_MEMORY_SIZE = limits.MAX_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_500_000

# --- Security headers and HTTPS (production hardening; `jointcare check --deploy` is clean) -------------
# Care plans (jointcare.packages): a change taking a plan's weekly cost above this (in pence) waits for approval
# (packages.approve in the access policy); a partnership may set its own (packages.ApprovalThreshold).
PACKAGES_APPROVAL_WEEKLY_PENCE = int(os.environ.get("JOINTCARE_PACKAGES_APPROVAL_WEEKLY_PENCE", "100000"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_FAILURE_VIEW = "jointcare.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# HSTS: one year by default, subdomains included, and the preload token (which only takes effect once the
# domain's owner submits it to the browsers' preload list).
SECURE_HSTS_SECONDS = int(os.environ.get("JOINTCARE_HSTS_SECONDS", "31536000")) if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
# Plain HTTP is redirected to HTTPS in production. Behind a proxy that terminates TLS, name the header
# it sets to the original scheme (JOINTCARE_PROXY_SSL_HEADER=X-Forwarded-Proto); the proxy must strip
# that header from clients' requests.
SECURE_SSL_REDIRECT = PRODUCTION and os.environ.get("JOINTCARE_SSL_REDIRECT", "1") == "1"
if os.environ.get("JOINTCARE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["JOINTCARE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
# Content-Security-Policy (django-csp), in every mode: everything from the site itself, no inline script
# or style. The one inline script allowed is the NHS.UK page template's `js-enabled` line, by nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features the site never uses, refused for it and anything it embeds.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# --- end of security headers --------------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = Path(os.environ.get("JOINTCARE_NODE_MODULES", BASE_DIR / "node_modules"))
# Front-end packages come from npm at build time (see package.json); they are served from node_modules.
# `npm run build` (run by `make install`) writes the site's NHS.UK stylesheet into build/static.
BUILD_DIR = BASE_DIR / "build"
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",
    BUILD_DIR / "static",
    ("nhsuk", NODE_MODULES / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("leaflet", NODE_MODULES / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves the files `jointcare serve` collected into STATIC_ROOT: names carry a hash of the
    # content, so WhiteNoise sends them compressed with far-future cache headers.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
