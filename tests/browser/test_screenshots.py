"""Full-page screenshots of the main pages, both languages, phone and desktop, for reviewing the
layout and the translations by eye (`make screenshots` writes them to docs/screenshots)."""

import pytest
from playwright.sync_api import expect

from submissions.models import EntryStatus
from submissions.services import demo

from .conftest import HTML_LANG, VIEWPORTS, full_page_screenshot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHORT = {"zh-hans": "zh", "en": "en"}


def test_screenshots(live_server, page, requests_log, screenshots_dir):
    demo.build_reference_content()
    edition = demo.build_edition()
    users = demo.build_users()
    nominator = users["nominator@example.com"]
    demo.build_sample_entries(nominator, edition)
    submitted = nominator.entries.get(form_token=demo.DEMO_TOKENS["submitted"])
    draft = nominator.entries.get(form_token=demo.DEMO_TOKENS["draft"])
    assert (submitted.status, draft.status) == (EntryStatus.SUBMITTED, EntryStatus.DRAFT)
    base = live_server.url
    written = []

    def shoot(name, language, size, path):
        page.set_viewport_size(VIEWPORTS[size])
        page.goto(f"{base}/{language}/{path}")
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[language])
        target = screenshots_dir / f"{name}-{SHORT[language]}-{size}.png"
        full_page_screenshot(page, target)
        # Checked at once: every pytest session wipes test-results/ (pytest-playwright's --output).
        assert target.stat().st_size > 10_000, target
        written.append(target.name)

    for language in ("zh-hans", "en"):
        for size in VIEWPORTS:
            shoot("home", language, size, "")

    log_in(page, base, nominator.email, demo.DEMO_PASSWORD, "zh-hans")
    for language in ("zh-hans", "en"):
        for size in VIEWPORTS:
            shoot("form-empty", language, size, "nominations/new/")
            shoot("form-errors", language, size, f"nominations/{draft.pk}/edit/?check=1")
            expect(page.locator("[data-error-summary]")).to_be_visible()
            shoot("entry-submitted", language, size, f"nominations/{submitted.pk}/")
            expect(page.locator("main")).to_contain_text(submitted.reference)

    assert len(set(written)) == 16
    requests_log.check()
