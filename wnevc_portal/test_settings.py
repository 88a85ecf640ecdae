"""Settings for the test suite: the production module with plain-HTTP, fast hashing and
unhashed static files (tests do not run collectstatic)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("HTTPS", "0")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ORGANISER_EMAILS = ["secretariat@example.com"]
SITE_URL = "http://testserver"
DEMO_DATA_ALLOWED = True
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests: do not scan STATIC_ROOT at start
# Lets two pytest sessions share one PostgreSQL server (each gets its own test database).
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}  # noqa: F405
