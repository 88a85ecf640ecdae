"""Production configuration: the documented variables give a clean `check --deploy`."""

import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

PRODUCTION = {"DEBUG": "0", "SECRET_KEY": "p" * 20 + "-production-key-with-enough-variety-0123456789",
              "ALLOWED_HOSTS": "selection.example.org", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}


def manage(*args, **env):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, capture_output=True,
                          text=True, timeout=120, env={**PRODUCTION, **env})


def test_check_deploy_reports_nothing_with_the_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", SECRET_KEY="")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_collectstatic_builds_hashed_files_for_whitenoise(tmp_path):
    result = manage("collectstatic", "--noinput", "-v0", STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "staticfiles.json").is_file()
    hashed = list((tmp_path / "css").glob("portal.*.css"))
    assert hashed and list((tmp_path / "css").glob("portal.*.css.gz"))


def test_pages_carry_a_strict_content_security_policy(client, db):
    response = client.get("/en/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_our_templates_have_no_inline_script_or_style():
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=\"", text) or "<style" in text:
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []


def test_with_redis_url_app_servers_share_cache_and_sessions():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")

    key, env = f"shared-{uuid.uuid4().hex}", {"REDIS_URL": "redis://127.0.0.1:6379/15"}
    code = ("from django.core.cache import cache; from django.conf import settings; "
            "import sys; print(settings.SESSION_ENGINE); "
            f"cache.set('{key}', 'from-one', 60) if sys.argv[-1] == 'set' else print(cache.get('{key}'))")
    first = manage("shell", "-v", "0", "-c", code.replace("sys.argv[-1] == 'set'", "True"), **env)
    second = manage("shell", "-v", "0", "-c", code.replace("sys.argv[-1] == 'set'", "False"), **env)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert second.stdout.split() == ["django.contrib.sessions.backends.cached_db", "from-one"]
