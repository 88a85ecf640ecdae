"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Every test here is skipped, not failed, when /usr/bin/chromium is missing. Never run `playwright
install`: the browser comes from `apt-get install chromium fonts-wqy-microhei`.
"""

import json
import os
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.utils import translation

from submissions.services import demo

# Playwright's sync API runs an asyncio event loop in the test thread; without this every test
# errors at setup (database flush) with SynchronousOnlyOperation.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
HERE = Path(__file__).resolve().parent
AXE_JS = HERE.parent / "vendor" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
HTML_LANG = {"zh-hans": "zh-Hans", "en": "en"}
DEFAULT_SCREENSHOTS_DIR = "test-results/screenshots"


def pytest_addoption(parser):
    parser.addoption("--screenshots-dir", default=None,
                     help=f"where tests/browser/test_screenshots.py writes its PNGs (default {DEFAULT_SCREENSHOTS_DIR})")


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: apt-get install chromium fonts-wqy-microhei "
                                   "(never `playwright install`)")
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "viewport": PHONE}


@pytest.fixture(autouse=True)
def _browser_media_root(settings, tmp_path):
    """Uploads made through the live server land in this test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def seeded():
    """The reference content every page needs: categories, fields, pages, the open edition and
    the demo accounts (password demo.DEMO_PASSWORD)."""

    demo.build_reference_content()
    edition = demo.build_edition()
    users = demo.build_users()
    return {"edition": edition, "users": users}


class RequestLog:
    """Every URL the browser asked for, checked against the live server's origin."""

    def __init__(self, origin: str):
        self.origin = origin
        self.urls: list[str] = []
        self.csp_violations: list[str] = []

    def watch(self, context_or_page):
        context_or_page.on("request", lambda request: self.urls.append(request.url))
        return context_or_page

    def watch_console(self, page):
        def on_console(message):
            if message.type == "error" and "Content Security Policy" in message.text:
                self.csp_violations.append(message.text)
        page.on("console", on_console)

    def foreign(self) -> list[str]:
        return [url for url in self.urls
                if not url.startswith(("data:", "blob:")) and _origin(url) != self.origin]

    def check(self):
        assert self.urls, "no request was recorded"
        assert self.foreign() == [], f"requests to other origins than {self.origin}: {self.foreign()}"
        assert self.csp_violations == [], f"Content Security Policy violations: {self.csp_violations}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def requests_log(live_server, context, page):
    """Records every request of the test's browser context (the `page` fixture's and any other
    page opened in it); the test fails if one went anywhere but the live server."""
    log = RequestLog(_origin(live_server.url))
    log.watch(context)
    log.watch_console(page)
    yield log
    log.check()


@cache
def _axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


def axe_check(page, *, context: str = ""):
    """Run axe-core on the current page; fail on any serious or critical WCAG 2.2 A/AA violation.

    The script is evaluated through the DevTools protocol, so the site's strict CSP (script-src
    'self', no inline scripts) does not block it and needs no bypass."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        AXE_TAGS)
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    report = [{"id": v["id"], "impact": v["impact"], "help": v["help"],
               "nodes": [{"target": n["target"], "summary": (n.get("failureSummary") or "")[:300]}
                         for n in v["nodes"][:10]]} for v in bad]
    assert not bad, f"axe: {len(bad)} serious/critical violation(s) on {context or page.url}:\n" + \
        json.dumps(report, ensure_ascii=False, indent=2)


@pytest.fixture(scope="session")
def screenshots_dir(pytestconfig) -> Path:
    """--screenshots-dir (relative to the current directory), else test-results/screenshots under the
    project root. getoption's default also covers a run where this conftest was not loaded at start-up."""
    option = pytestconfig.getoption("--screenshots-dir", default=None)
    path = Path(option) if option else pytestconfig.rootpath / DEFAULT_SCREENSHOTS_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def journey_screenshots_dir(pytestconfig) -> Path:
    path = pytestconfig.rootpath / DEFAULT_SCREENSHOTS_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- Helpers shared by the test modules ------------------------------------------------------------
def tr(language: str, message: str) -> str:
    """A UI string as the live server shows it in `language` (same process, same catalogue),
    so the tests pass whether or not a Chinese translation has been compiled yet."""
    with translation.override(language):
        return translation.gettext(message)


def open_menu_if_collapsed(page):
    """Below the lg breakpoint the navigation (with the language switcher) is behind the toggler."""
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        page.locator("#nav-main.show").wait_for()


def switch_language(page, code: str, timeout: float | None = None):
    """Press the switcher's button for `code` and wait for the page in that language."""
    open_menu_if_collapsed(page)
    button = page.locator(f"form.language-switcher button[name=language][value='{code}']")
    with page.expect_navigation():
        button.click()
    page.locator(f"html[lang='{HTML_LANG[code]}']").wait_for(state="attached", timeout=timeout)


def full_page_screenshot(page, path):
    """A full-page PNG. The sticky action bar of the entry form is put back in its place at the end
    of the form first: in a full-page capture it would otherwise float over the middle of the page.
    (Set through the CSSOM, which the site's CSP allows, unlike an injected <style>.)"""
    page.evaluate("() => document.querySelectorAll('.form-actions').forEach(e => { e.style.position = 'static'; })")
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    page.evaluate("() => document.querySelectorAll('.form-actions').forEach(e => { e.style.position = ''; })")


def log_in(page, base_url: str, email: str, password: str, language: str = "zh-hans"):
    page.goto(f"{base_url}/{language}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/accounts/login/" not in page.url, f"login failed for {email}: still on {page.url}"
