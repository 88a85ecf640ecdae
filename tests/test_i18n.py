import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from submissions.models import Category, Page

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize(("prefix", "lang", "expected"), [
    ("/zh-hans/", "zh-Hans", "提交推荐材料"),
    ("/en/", "en", "Submit Recommendation Materials"),
])
def test_home_renders_in_the_language_of_its_prefix(client, edition, prefix, lang, expected):
    response = client.get(prefix)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    assert expected in html
    title = edition.title_zh_hans if lang == "zh-Hans" else edition.title_en
    assert escape(title) in html


@pytest.mark.parametrize(("headers", "cookies", "target"), [
    ({}, {}, "/zh-hans/"),
    ({"accept-language": "en-US,en;q=0.9"}, {}, "/en/"),
    ({"accept-language": "zh-CN,zh;q=0.9,en;q=0.8"}, {}, "/zh-hans/"),
    ({"accept-language": "fr-FR"}, {}, "/zh-hans/"),
    ({"accept-language": "zh-CN"}, {"django_language": "en"}, "/en/"),
    ({"accept-language": "en-GB"}, {"django_language": "zh-hans"}, "/zh-hans/"),
])
def test_root_redirects_by_cookie_then_accept_language_then_chinese(client, db, headers, cookies, target):
    for name, value in cookies.items():
        client.cookies[name] = value
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response["Location"] == target


def test_switcher_keeps_the_page_and_the_query_string(client, edition):
    page = client.get("/zh-hans/faq/?from=home").content.decode()
    assert 'name="next" value="/zh-hans/faq/?from=home"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/zh-hans/faq/?from=home"})
    assert response.status_code == 302
    assert response["Location"] == "/en/faq/?from=home"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == settings.LANGUAGE_COOKIE_AGE


def test_switcher_labels_each_language_in_its_own_name(client, edition):
    html = client.get("/en/").content.decode()
    assert re.search(r'value="zh-hans" lang="zh-Hans"[^>]*>中文</button>', html)
    assert re.search(r'value="en" lang="en"[^>]*>English</button>', html)


def _po_entries(text):
    """(msgid, [msgstr...], flags) for each entry of a .po file, header included."""
    entries, current, field = [], None, None
    for line in text.splitlines() + [""]:
        if not line.strip():
            if current:
                entries.append(current)
            current, field = None, None
            continue
        current = current or {"msgid": "", "msgstr": [], "flags": "", "plural": False}
        if line.startswith("#,"):
            current["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural"):
            current["plural"], field = True, "plural"
        elif line.startswith("msgid "):
            current["msgid"], field = line[7:-1], "msgid"
        elif line.startswith("msgstr"):
            current["msgstr"].append(line.split(" ", 1)[1][1:-1])
            field = "msgstr"
        elif line.startswith('"'):
            if field == "msgid":
                current["msgid"] += line[1:-1]
            elif field == "msgstr":
                current["msgstr"][-1] += line[1:-1]
    return entries


def test_chinese_catalogue_is_complete_and_has_no_fuzzy_entry():
    entries = _po_entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if e["msgid"] and not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert untranslated == []
    assert fuzzy == []
    result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr


def test_makemessages_would_add_no_new_string(tmp_path):
    """Every {% translate %} and gettext string is already in the catalogue."""
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(".venv", "media", "staticfiles", "*.sqlite3*", "__pycache__", "test-results")
    copy.mkdir()
    for name in ("manage.py", "wnevc_portal", "submissions", "templates", "locale"):
        source = ROOT / name
        (shutil.copytree(source, copy / name, ignore=ignore) if source.is_dir() else shutil.copy(source, copy / name))
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"], cwd=copy,
                   check=True, capture_output=True, env={"DEBUG": "1", "PATH": "/usr/bin:/bin"})
    before = {e["msgid"] for e in _po_entries(PO.read_text(encoding="utf-8"))}
    after = {e["msgid"] for e in _po_entries((copy / PO.relative_to(ROOT)).read_text(encoding="utf-8"))}
    assert sorted(after - before) == []


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"script", "img", "iframe", "source", "video", "audio"} and attrs.get("src"):
            self.urls.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])


PUBLIC_PAGES = ["/{lang}/", "/{lang}/faq/", "/{lang}/pages/privacy/", "/{lang}/accounts/login/",
                "/{lang}/accounts/signup/", "/{lang}/accounts/password/reset/"]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_public_pages_load_nothing_from_another_host(client, edition, lang, page):
    response = client.get(page.format(lang=lang))
    assert response.status_code == 200
    parser = _Assets()
    parser.feed(response.content.decode())
    assert parser.urls, "the page should load at least our stylesheet"
    assert [u for u in parser.urls if not u.startswith("/") or u.startswith("//")] == []
    css = (ROOT / "static" / "css" / "portal.css").read_text()
    assert re.findall(r"url\(\s*['\"]?(?:https?:)?//", css) == []


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_admin_reference_pages_open_for_a_superuser_in_both_languages(client, edition, admin_user, lang):
    client.force_login(admin_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang

    urls = ["/admin/", "/admin/submissions/edition/", "/admin/submissions/edition/add/",
            f"/admin/submissions/edition/{edition.pk}/change/", "/admin/submissions/category/",
            f"/admin/submissions/category/{Category.objects.first().pk}/change/", "/admin/submissions/technicalfield/",
            "/admin/submissions/page/", f"/admin/submissions/page/{Page.objects.first().pk}/change/"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'lang="{lang}"' in html
        assert "googleapis" not in html and "//ajax." not in html
    change = client.get(f"/admin/submissions/edition/{edition.pk}/change/").content.decode()
    assert "vendor/jquery-ui-1.14.2/jquery-ui.min.js" in change
    assert edition.title_zh_hans in change and edition.title_en.replace("&", "&amp;") in change
    with translation.override(lang):
        expected = gettext("WNEVC selection administration")
    assert expected in client.get("/admin/").content.decode()
    assert (expected == "WNEVC selection administration") == (lang == "en")


@pytest.mark.parametrize(("cookie", "page", "language", "target"), [
    ("en", "/zh-hans/faq/", "en", "/en/faq/"),
    ("zh-hans", "/en/faq/", "zh-hans", "/zh-hans/faq/"),
])
def test_switching_works_when_the_cookie_disagrees_with_the_page(client, edition, cookie, page, language, target):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = cookie
    response = client.post("/i18n/setlang/", {"language": language, "next": page})
    assert response["Location"] == target
