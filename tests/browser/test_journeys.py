"""End-to-end journeys in a real browser: a visitor in both languages at phone and desktop width,
a nominator from sign-up to withdrawal, and the error summary of an incomplete entry."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from submissions.models import Category, Entry, EntryStatus, TechnicalField
from submissions.services import demo

from .conftest import (
    HTML_LANG,
    VIEWPORTS,
    axe_check,
    full_page_screenshot,
    log_in,
    open_menu_if_collapsed,
    switch_language,
    tr,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OTHER = {"zh-hans": "en", "en": "zh-hans"}
REFERENCE = re.compile(r"WNEVC\d{4}-(CE|IN)-\d{4}")


BROWSER_LOCALE = {"zh-hans": "zh-CN", "en": "en-US"}


def _visitor(size, language):
    """A visitor whose browser speaks `language`, at phone or desktop width."""
    return pytest.param(size, language, id=f"{size}-{language}", marks=pytest.mark.browser_context_args(
        locale=BROWSER_LOCALE[language], viewport=VIEWPORTS[size]))


@pytest.mark.parametrize(("size", "language"), [_visitor(s, lang) for s in VIEWPORTS for lang in ("zh-hans", "en")])
def test_visitor_reads_home_and_switches_language(live_server, page, seeded, requests_log, size, language):
    base = live_server.url
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/{language}/")  # the browser's language picks the prefix
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[language])
    submit_link = page.locator("main a[href$='/nominations/new/']").first
    expect(submit_link).to_be_visible()
    expect(submit_link).to_have_attribute("href", f"/{language}/nominations/new/")
    expect(submit_link).to_have_text(tr(language, "Submit Recommendation Materials"))
    edition = seeded["edition"]
    expect(page.locator("h1")).to_have_text(edition.title_en if language == "en" else edition.title_zh_hans)
    axe_check(page, context=f"home {language} {size}")

    # Back and forth, as a visitor does: each switch starts from a page in the current language.
    current = language
    for path in ("", "faq/", "accounts/login/"):
        page.goto(f"{base}/{current}/{path}")
        if path:
            axe_check(page, context=f"/{current}/{path} {size}")
        other = OTHER[current]
        switch_language(page, other)
        expect(page).to_have_url(f"{base}/{other}/{path}")
        expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[other])
        open_menu_if_collapsed(page)
        expect(page.locator(f"form.language-switcher button[value='{other}']")).to_have_attribute("aria-current", "true")
        current = other

    requests_log.check()


@pytest.mark.browser_context_args(locale="en-US")
def test_english_browser_on_a_chinese_link_can_switch_to_english(live_server, page, seeded):
    """The organisers share /zh-hans/ links; a visitor whose browser prefers English clicks "English"."""
    page.goto(f"{live_server.url}/zh-hans/faq/")
    switch_language(page, "en", timeout=5000)
    expect(page).to_have_url(f"{live_server.url}/en/faq/", timeout=2000)


def _shot(page, folder, number, name):
    full_page_screenshot(page, folder / f"journey-{number:02d}-{name}.png")


def _upload(page, kind, path):
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("main form[enctype='multipart/form-data'] button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text(path.name)


@pytest.mark.parametrize(("first", "second", "size"), [(first, second, size) for size in ("phone", "desktop")
                                                        for first, second in (("zh-hans", "en"), ("en", "zh-hans"))])
def test_nominator_signs_up_submits_edits_and_withdraws(live_server, page, seeded, requests_log, tmp_path,
                                                       journey_screenshots_dir, first, second, size):
    base = live_server.url
    shots = journey_screenshots_dir / f"nominator-{first}-{size}"
    shots.mkdir(parents=True, exist_ok=True)
    email = "wang.fang@example.cn"
    page.set_viewport_size(VIEWPORTS[size])

    # 1. Sign up in Chinese.
    page.goto(f"{base}/{first}/accounts/signup/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if first == "zh-hans" else "en")
    page.fill("input[name=email]", email)
    page.fill("input[name=full_name]", "王芳")
    page.fill("input[name=organisation]", "示例新能源科技有限公司")
    page.select_option("select[name=language]", first)
    page.fill("input[name=password1]", "Gu-tai-dianchi-2031!")
    page.fill("input[name=password2]", "Gu-tai-dianchi-2031!")
    _shot(page, shots, 1, "signup")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{base}/{first}/nominations/")

    # 2. Confirm the e-mail address with the link from the (locmem) confirmation e-mail.
    confirmations = [m for m in mail.outbox if m.to == [email]]
    assert len(confirmations) == 1
    link = re.search(r"http://testserver/\S+", confirmations[0].body).group(0)
    page.goto(link.replace("http://testserver", base))
    expect(page.locator(".alert-success")).to_be_visible()
    _shot(page, shots, 2, "email-confirmed")

    # 3. The entry form, every required field, one indicator row; save a draft.
    page.goto(f"{base}/{first}/nominations/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if first == "zh-hans" else "en")
    cutting_edge = Category.objects.get(code=Category.CUTTING_EDGE)
    battery = TechnicalField.objects.get(name_en=demo.FIELDS[0][1])
    page.check(f"input[name=category][value='{cutting_edge.pk}']")
    page.select_option("select[name=technical_field]", str(battery.pk))
    texts = {
        "title_zh_hans": "全固态锂金属电池", "title_en": "All-solid-state lithium-metal battery",
        "summary_zh_hans": "采用硫化物固态电解质与超薄锂金属负极，电芯能量密度达到450 Wh/kg。",
        "summary_en": "A sulfide solid electrolyte with an ultra-thin lithium-metal anode reaches 450 Wh/kg.",
        "innovations_zh_hans": "1. 高离子电导率硫化物电解质；2. 界面稳定涂层；3. 干法电极工艺。",
        "innovations_en": "1. High-conductivity sulfide electrolyte; 2. stable interface; 3. dry electrodes.",
        "org_name_zh_hans": "示例新能源科技有限公司", "org_address_zh_hans": "北京市海淀区示例路1号",
        "contact_position": "研发总监", "contact_mobile": "+86 138 0013 8000",
        "indicators_text_zh_hans": "能量密度、循环寿命和低温性能均优于现有液态锂离子电池。",
        "prospects_zh_hans": "预计5至8年内实现装车应用，可将整车续航提升40%以上。",
        "recommender_name": "张教授", "recommender_email": "zhang.prof@example.edu.cn",
        "statement_zh_hans": "该技术在固态电池领域具有领先水平，特此推荐。",
        "signatory_position": "研发总监",
        "indicators-0-name": "能量密度", "indicators-0-this_value": "450",
    }
    for name, value in texts.items():
        page.fill(f"[name='{name}']", value)
    page.fill("input[name=org_country]", "中国")  # typed, or picked from the <datalist> of names
    page.select_option("select[name=org_type]", "enterprise")
    page.select_option("select[name=contact_language]", "zh-hans")
    page.select_option("select[name=maturity]", "engineering_prototype")
    page.check("input[name=recommended_by][value=organisation]")
    for name in Entry.DECLARATION_FIELDS:
        page.check(f"input[name={name}]")
    # Prefilled from the account.
    expect(page.locator("[name=contact_name]")).to_have_value("王芳")
    expect(page.locator("[name=contact_email]")).to_have_value(email)
    expect(page.locator("[name=signatory_name]")).to_have_value("王芳")
    axe_check(page, context="new entry form (zh, phone)")
    _shot(page, shots, 3, "form-filled")
    with page.expect_navigation():
        page.click("button[name=action][value=draft]")
    expect(page.locator(".alert-success")).to_be_visible()
    entry = Entry.objects.get(nominator__email=email)
    assert entry.status == EntryStatus.DRAFT
    assert entry.title_en == texts["title_en"]
    assert entry.contact_mobile == "+86 138 0013 8000"
    assert [(i.name, i.this_value) for i in entry.indicators.all()] == [("能量密度", "450")]
    expect(page).to_have_url(f"{base}/{first}/nominations/{entry.pk}/edit/")
    _shot(page, shots, 4, "draft-saved")

    # 4. Files: real PDF and PNG files from disk.
    report = tmp_path / "技术报告.pdf"
    report.write_bytes(demo.demo_pdf("Technical report"))
    image = tmp_path / "电芯样品.png"
    image.write_bytes(demo.demo_png())
    letter = tmp_path / "推荐函.pdf"
    letter.write_bytes(demo.demo_pdf("Recommendation letter"))
    with page.expect_navigation():
        page.click("button[name=action][value=attachments]")
    expect(page).to_have_url(f"{base}/{first}/nominations/{entry.pk}/attachments/")
    axe_check(page, context="attachments page before uploads")
    _upload(page, "report", report)
    _upload(page, "image", image)
    _upload(page, "letter", letter)
    assert sorted(entry.attachments.values_list("kind", "original_name")) == [
        ("image", "电芯样品.png"), ("letter", "推荐函.pdf"), ("report", "技术报告.pdf")]
    expect(page.locator(".alert-warning")).to_have_count(0)  # nothing is missing any more
    axe_check(page, context="attachments page with three files")
    _shot(page, shots, 5, "attachments")

    # 5. Back to the form, submit.
    with page.expect_navigation():
        page.click(f"main a[href='/{first}/nominations/{entry.pk}/edit/']")
    mail.outbox.clear()
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")
    expect(page).to_have_url(f"{base}/{first}/nominations/{entry.pk}/")
    confirmation = page.locator(".alert-success")
    expect(confirmation).to_have_text(REFERENCE)
    reference = REFERENCE.search(confirmation.inner_text()).group(0)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.reference == reference
    assert reference.startswith(f"WNEVC{seeded['edition'].year}-CE-")
    to_nominator = [m for m in mail.outbox if m.to == [email]]
    assert len(to_nominator) == 1
    assert reference in to_nominator[0].subject + to_nominator[0].body
    axe_check(page, context="entry detail after submission (zh)")
    _shot(page, shots, 6, "submitted")

    # 6. Read it back in English.
    switch_language(page, second)
    expect(page).to_have_url(f"{base}/{second}/nominations/{entry.pk}/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans" if second == "zh-hans" else "en")
    expect(page.locator("h1")).to_have_text(texts["title_en" if second == "en" else "title_zh_hans"])
    expect(page.locator("main")).to_contain_text(reference)
    axe_check(page, context="entry detail (en)")
    _shot(page, shots, 7, "detail-en")

    # 7. Edit the submitted entry: a new English title.
    with page.expect_navigation():
        page.click(f"main a[href='/{second}/nominations/{entry.pk}/edit/']")
    page.fill("[name=title_en]", "All-solid-state lithium-metal battery, generation 2")
    with page.expect_navigation():
        page.click("button[name=action][value=save]")
    expect(page.locator(".alert-success")).to_have_text(tr(second, "Your changes have been saved."))
    entry.refresh_from_db()
    assert (entry.title_en, entry.status) == ("All-solid-state lithium-metal battery, generation 2",
                                              EntryStatus.SUBMITTED)
    _shot(page, shots, 8, "edited")

    # 8. Withdraw.
    page.goto(f"{base}/{second}/nominations/{entry.pk}/")
    expect(page.locator("main")).to_contain_text("All-solid-state lithium-metal battery, generation 2")
    with page.expect_navigation():
        page.click(f"main a[href='/{second}/nominations/{entry.pk}/withdraw/']")
    axe_check(page, context="withdraw page (en)")
    _shot(page, shots, 9, "withdraw-confirm")
    with page.expect_navigation():
        page.click("main form button.btn-danger[type=submit]")
    expect(page).to_have_url(f"{base}/{second}/nominations/{entry.pk}/")
    expect(page.locator(".alert-success")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
    assert entry.reference == reference  # kept for a later resubmission
    _shot(page, shots, 10, "withdrawn")

    requests_log.check()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_incomplete_entry_shows_accessible_error_summary(live_server, page, seeded, requests_log, language):
    base = live_server.url
    log_in(page, base, "nominator@example.com", demo.DEMO_PASSWORD, language)
    page.goto(f"{base}/{language}/nominations/new/")
    with page.expect_navigation():
        page.click("button[name=action][value=submit]")

    entry = Entry.objects.get(nominator__email="nominator@example.com")
    assert entry.status == EntryStatus.DRAFT  # saved, not submitted
    expect(page).to_have_url(f"{base}/{language}/nominations/{entry.pk}/edit/?check=1#missing")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    links = summary.locator("a")
    assert links.count() >= 10
    # Every link leads to an element of the page.
    targets = [href for href in links.evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    missing_targets = [t for t in targets if not t.startswith("#") or page.locator(t).count() != 1]
    assert missing_targets == [], f"error summary links without a target: {missing_targets}"
    assert "#id_title_zh_hans" in targets and "#id_category_0" in targets
    # The title tells screen-reader users at once that something is wrong.
    assert page.title().startswith(tr(language, "Error:")), page.title()
    # The fields themselves are marked invalid and described by their message.
    title_field = page.locator("#id_title_en")
    expect(title_field).to_have_attribute("aria-invalid", "true")
    axe_check(page, context=f"form with errors ({language})")
    # Following a link moves to the field.
    page.click("[data-error-summary] a[href='#id_title_zh_hans']")
    expect(page).to_have_url(re.compile(r"#id_title_zh_hans$"))
    requests_log.check()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_sticky_form_buttons_never_hide_the_focused_field(live_server, page, seeded, requests_log, size):
    """WCAG 2.4.11 (Focus Not Obscured, Minimum): tabbing down the long form must not put the focused
    field under the sticky "Save draft / Submit" bar (tall textareas may be cut off at the bottom)."""
    page.set_viewport_size(VIEWPORTS[size])
    page.emulate_media(reduced_motion="reduce")  # no smooth scrolling: measure where focus ends up
    log_in(page, live_server.url, "nominator@example.com", demo.DEMO_PASSWORD, "en")
    page.goto(f"{live_server.url}/en/nominations/new/")
    page.focus("#id_title_zh_hans")
    hidden = []
    for _ in range(110):
        page.keyboard.press("Tab")
        where = page.evaluate("""() => {
            const field = document.activeElement, bar = document.querySelector('.form-actions');
            if (!bar || bar.contains(field) || !field.closest('form')) return null;
            const f = field.getBoundingClientRect(), b = bar.getBoundingClientRect();
            return f.top > b.top - 8 ? [field.id || field.name || field.tagName, Math.round(f.top), Math.round(b.top)] : null;
        }""")
        if where:
            hidden.append(where)
    assert hidden == [], f"focused fields (id, top, bar top) hidden behind the sticky bar: {hidden}"
    requests_log.check()
