import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from submissions.models import Category, Edition, Entry, Page, TechnicalField, User
from submissions.services.content import save_content


def test_healthz_reports_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


PROBE = ("from django.test import Client; r = Client().get('/healthz', HTTP_HOST='localhost'); "
         "print(r.status_code, r.content.decode())")


@pytest.mark.parametrize("database_url", [
    "postgres://wnevc:wnevc@127.0.0.1:1/wnevc",  # nothing listens there: a real refused connection
    "sqlite:////nonexistent-directory/portal.sqlite3",
])
def test_healthz_reports_503_when_the_database_is_unreachable(database_url):
    # A separate process, so that the test database of this one stays untouched.
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "wnevc_portal.test_settings"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"status": "error", "database": "error"}


def _counts():
    return [m.objects.count() for m in (Edition, Category, TechnicalField, Page, Entry, User)]


def test_seed_demo_twice_gives_the_same_counts(db, capsys):
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")
    assert _counts() == first
    assert first == [1, 2, 10, 7, 2, 5]
    out = capsys.readouterr().out
    for email in ("admin@example.com", "organiser@example.com", "nominator@example.com", "expert1@example.com",
                  "expert2@example.com"):
        assert email in out
    assert "wnevc-demo-2023" in out
    assert User.objects.get(email="nominator@example.com").check_password("wnevc-demo-2023")


def test_seed_demo_entries_adds_generated_bilingual_entries(db):
    call_command("seed_demo", entries=30)
    generated = Entry.objects.exclude(nominator__email="nominator@example.com")
    assert generated.count() == 30
    assert all(e.title_zh_hans and e.title_en for e in generated)
    references = [e.reference for e in generated if e.reference]
    assert len(references) == len(set(references)) > 0


def test_seed_demo_refuses_production_without_the_flag(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert User.objects.count() == 0


@pytest.mark.parametrize(("lang", "texts"), [
    ("zh-hans", ["前沿技术", "创新技术", "世界新能源汽车大会（WNEVC）", "北京时间"]),
    ("en", ["Cutting-edge technology", "Innovative technology", "World New Energy Vehicle Congress (WNEVC)",
            "Beijing time"]),
])
def test_home_shows_introduction_categories_timeline_and_icp(client, edition, lang, texts):
    html = client.get(f"/{lang}/").content.decode()
    for text in texts:
        assert text in html
    assert "沪ICP备18045711号-1" in html
    assert 'href="https://beian.miit.gov.cn/"' in html
    date = f"{edition.closes_at.astimezone().year}年" if lang == "zh-hans" else str(edition.closes_at.year)
    assert date in html


def test_home_shows_the_phase_of_the_edition(client, edition, django_capture_on_commit_callbacks):
    assert "Open for entries" in client.get("/en/").content.decode()
    edition.closes_at = timezone.now() + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        save_content(edition)  # as the admin does
    assert "Closing soon" in client.get("/en/").content.decode()
    edition.opens_at, edition.closes_at = timezone.now() - timedelta(days=9), timezone.now() - timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        save_content(edition)
    assert "Closed" in client.get("/en/").content.decode()


def test_icp_number_comes_from_the_setting(client, edition, settings):
    settings.ICP_NUMBER = "京ICP备13022631号"
    assert "京ICP备13022631号" in client.get("/zh-hans/").content.decode()
    settings.ICP_NUMBER = ""  # a site outside mainland China has no filing: no empty link in the footer
    html = client.get("/en/").content.decode()
    assert "beian.miit.gov.cn" not in html and "All rights reserved" in html


def test_unknown_page_gives_our_translated_404(client, db):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "页面不存在" in client.get("/zh-hans/no-such-page/").content.decode()


def test_public_pages_are_cached_for_visitors_and_refreshed_on_change(client, edition,
                                                                       django_capture_on_commit_callbacks):
    client.get("/en/")
    with CaptureQueriesContext(connection) as queries:
        cached = client.get("/en/")
    assert len(queries) == 0 and edition.title_en.replace("&", "&amp;") in cached.content.decode()
    assert "Content-Security-Policy" in cached  # middleware still runs on cached pages
    edition.title_en = "A new title for the edition"
    with django_capture_on_commit_callbacks(execute=True):
        save_content(edition)  # as organisers do in the admin
    assert "A new title for the edition" in client.get("/en/").content.decode()


def test_logged_in_users_never_get_a_cached_page(client, edition, nominator):
    client.get("/en/")
    client.force_login(nominator)
    html = client.get("/en/").content.decode()
    assert "Log out" in html and "My entries" in html


def test_the_language_switcher_needs_no_per_visitor_token(client, edition):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/i18n/setlang/", {"language": "en", "next": "/zh-hans/faq/"})
    assert response.status_code == 302 and response["Location"] == "/en/faq/"
    assert "csrfmiddlewaretoken" not in client.get("/en/").content.decode()


def test_the_suite_runs_on_the_database_named_by_database_url():
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected


def test_pages_and_sign_up_survive_a_dead_cache_server(client, edition, settings):
    # A real Redis client pointed at a port where nothing listens.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 0.2}}}

    assert type(cache._cache if hasattr(cache, "_cache") else cache).__name__.startswith("Redis")
    assert client.get("/en/").status_code == 200
    edition.title_en = "Saved while the cache is down"
    edition.save()
    assert "Saved while the cache is down" in client.get("/en/").content.decode()
    response = client.post("/en/accounts/signup/", {"email": "x@example.com", "full_name": "X", "language": "en",
                                                    "password1": "Solid-State-2023!", "password2": "Solid-State-2023!"})
    assert response.status_code == 302
