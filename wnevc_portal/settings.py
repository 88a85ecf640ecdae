"""Settings for the WNEVC recommendation portal.

One module; everything that differs between a laptop and production comes from the environment
(see the configuration table in README.md). Without any variable set this is a safe production
configuration (DEBUG off, HTTPS on) that refuses to start without SECRET_KEY; `make run` sets the
development variables itself.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    return int(os.environ.get(name, default))


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "django-insecure-dev-only-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "submissions.views.errors.csrf_failure"  # our translated page, not Django's

INSTALLED_APPS = [
    "modeltranslation",  # must come before django.contrib.admin
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "import_export",
    "simple_history",
    "axes",
    "submissions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after sessions, before common
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "submissions.middleware.ControlCharactersMiddleware",  # NUL & co. in a URL: 400, not a 500
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into our translated page
    "submissions.middleware.TemporaryFailureMiddleware",  # a dropped DB connection: 503, "send again"
]

ROOT_URLCONF = "wnevc_portal.urls"
WSGI_APPLICATION = "wnevc_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "submissions.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
# An unset or empty DATABASE_URL (`DATABASE_URL= make test`) means the default SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so concurrent submissions queue
    # (up to `timeout` seconds) instead of failing with "database is locked" on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "submissions.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "submissions.backends.PortalBackend",
    # Sessions record the backend that logged them in, and Django logs a session out when that
    # backend is no longer listed: this keeps logins made before PortalBackend (Nov. 2026) valid
    # until they expire (SESSION_COOKIE_AGE, 14 days), so a deploy logs nobody out mid-form.
    # It can go after 2026-12-15.
    "django.contrib.auth.backends.ModelBackend",
]
# Login brute force (django-axes): locked after AXES_FAILURE_LIMIT failures for one e-mail address
# *from one client address*, for a cool-off period, so an attacker cannot lock out a whole
# university network behind one NAT address, nor an account for ever.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "submissions.security.axes_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# One notion of "client address" for the lockout and the rate limits (django-ipware is not
# installed, so axes would otherwise key on REMOTE_ADDR: nginx's address behind a proxy).
BEHIND_PROXY = env_bool("BEHIND_PROXY")  # nginx in front: the client is the last X-Forwarded-For hop
AXES_CLIENT_IP_CALLABLE = "submissions.security.client_address"
# Sign-up, password reset and confirmation mails: at most N per hour and client address.
RATE_LIMITS = {"signup": env_int("RATE_LIMIT_SIGNUP", 10), "password_reset": env_int("RATE_LIMIT_PASSWORD_RESET", 5),
               "confirmation": env_int("RATE_LIMIT_CONFIRMATION", 5)}
LOGIN_URL = "submissions:login"
LOGIN_REDIRECT_URL = "submissions:entry_list"
LOGOUT_REDIRECT_URL = "submissions:home"
# How long an e-mail confirmation link stays valid.
EMAIL_CONFIRMATION_MAX_AGE = env_int("EMAIL_CONFIRMATION_MAX_AGE", 3 * 24 * 3600)
SESSION_COOKIE_AGE = 14 * 24 * 3600  # WeChat's in-app browser has its own cookie jar: keep logins long

# --- Languages ----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # default is a session cookie: the choice would be forgotten
LANGUAGE_COOKIE_SAMESITE = "Lax"
FORMAT_MODULE_PATH = ["wnevc_portal.formats"]

MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hans"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("zh-hans", "en"), "zh-hans": ("en",), "en": ("zh-hans",)}
# modeltranslation's tabbed admin loads jQuery UI from a Google CDN by default; serve our copy.
JQUERY_UI_URL = "vendor/jquery-ui-1.14.2/jquery-ui.min.js"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
COUNTRIES_FIRST = ["CN", "HK", "MO", "TW"]
COUNTRIES_FIRST_REPEAT = True

# --- Cache and sessions -------------------------------------------------------------------
# With REDIS_URL every app server shares one cache: cached public pages and their invalidation,
# rate limits, and sessions (cached_db: in Redis for speed, in the database for durability).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "wnevc", "TIMEOUT": 300}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "wnevc"}}
# Rendered HTML (an unchanged entry form, each row table's empty row) lives in its own cache,
# keyed by what it shows: the entry's version, the language, the content version and the release.
# HTML_CACHE=0 turns every cache of rendered HTML off, the public page cache included (`make bench`
# measures the form rendered from scratch that way).
HTML_CACHE = env_bool("HTML_CACHE", True)
if not HTML_CACHE:
    CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
elif REDIS_URL:
    CACHES["fragments"] = {**CACHES["default"], "BACKEND": "submissions.cache.FailOpenRedisCache",
                           "KEY_PREFIX": "wnevc-html", "TIMEOUT": 3600}
else:
    CACHES["fragments"] = {"BACKEND": "submissions.cache.FailOpenLocMemCache", "LOCATION": "wnevc-html",
                           "TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 2000}}
# Part of every key of rendered HTML: a deployment or a restart never serves HTML of the code before
# it (templates, translations, form schema). Set RELEASE (e.g. the git commit) to share the cached
# HTML between the app servers of one release; by default each process starts afresh.
RELEASE = os.environ.get("RELEASE") or secrets.token_hex(8)

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded materials are confidential: MEDIA_ROOT is never served by URL, only through the
# permission-checking download view (there is deliberately no MEDIA_URL route).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
if os.environ.get("S3_BUCKET"):
    # Several app servers share the uploads through S3-compatible object storage (AWS, Aliyun OSS,
    # Tencent COS, MinIO...). Objects stay private: downloads still go through the permission-
    # checking view, which streams them; no public URL is ever handed out.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["S3_BUCKET"],
            "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
            "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            "region_name": os.environ.get("S3_REGION") or None,
            "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
            "location": os.environ.get("S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": os.environ.get("S3_ADDRESSING_STYLE") or None,
        },
    }
# With nginx in front and local (or NFS) storage, the download view may hand the bytes over to
# nginx: X_ACCEL_REDIRECT=/protected/ matches `location /protected/ { internal; alias MEDIA_ROOT/; }`.
X_ACCEL_REDIRECT = os.environ.get("X_ACCEL_REDIRECT", "")
# Uploads above 1 MB stream to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
ENTRY_UPLOAD_MAX_BYTES = env_int("ENTRY_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
ENTRY_TOTAL_MAX_BYTES = env_int("ENTRY_TOTAL_MAX_BYTES", 100 * 1024 * 1024)
ENTRY_MAX_IMAGES = env_int("ENTRY_MAX_IMAGES", 5)
ENTRY_MAX_SUPPORTING = env_int("ENTRY_MAX_SUPPORTING", 20)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)

# --- E-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # a hung mail server must not hang a request
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "WNEVC Selection <selection@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the secretariat is told about new submissions and withdrawals (comma-separated).
ORGANISER_EMAILS = env_list("ORGANISER_EMAILS")
# "event": one e-mail per submission/withdrawal; "digest": `manage.py send_organiser_digest` daily.
ORGANISER_NOTIFICATIONS = os.environ.get("ORGANISER_NOTIFICATIONS", "event")
# Absolute base for links in e-mails (no request at hand when the retry command sends them).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Portal -------------------------------------------------------------------------------
ICP_NUMBER = os.environ.get("ICP_NUMBER", "沪ICP备18045711号-1")
# The form's length limits are declared with its fields in submissions/schema.py.

# --- Security -----------------------------------------------------------------------------
# Only our own origin, no inline script or style (behaviour lives in static/js, wired by data-
# attributes); data: images are Bootstrap's inline SVG icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
        "img-src": ["'self'", "data:"], "font-src": ["'self'"], "connect-src": ["'self'"],
        "object-src": ["'none'"], "base-uri": ["'self'"], "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED")
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 60) if HTML_CACHE else 0
BENCH_CEILING = env_bool("BENCH_CEILING")  # only `make bench` sets it
