"""Journeys of the people behind the selection, in a real browser and in both languages: an
organiser in the admin (filter, search, formal check with a note, XLSX export, dashboard) and an
expert in /<lang>/review/ (read both language versions, score, vote). Plus the home page's weight
on the wire, as the live server sends it and as a gzip-compressing server would."""

import json
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect
from whitenoise.compress import Compressor

from submissions.models import Ballot, Category, Criterion, Entry, EntryStatus, Review, Round, Score, StatusChange, Vote
from submissions.services import demo
from submissions.services import demo_review as review_demo
from submissions.services import entries as services
from tests.factories import EntryFactory

from .conftest import HTML_LANG, VIEWPORTS, axe_check, full_page_screenshot, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHORT = {"zh-hans": "zh", "en": "en"}
BROWSER_LOCALE = {"zh-hans": "zh-CN", "en": "en-US"}
ADMIN_LANG = {"zh-hans": "zh-hans", "en": "en"}  # Django's admin writes the language code as is


def _person(size, language):
    """A browser that speaks `language` (the unprefixed admin follows Accept-Language), at `size`."""
    return pytest.param(size, language, id=f"{size}-{language}", marks=pytest.mark.browser_context_args(
        locale=BROWSER_LOCALE[language], viewport=VIEWPORTS[size]))


def _submitted(nominator, edition, **fields):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, **fields)
    return services.submit_entry(entry=entry, by=nominator)


SUFFIX = {"desktop": "", "phone": "-phone"}  # desktop keeps the names the README shows


def _shot(page, folder, name):
    path = folder / name
    full_page_screenshot(page, path)
    assert path.stat().st_size > 10_000, path


# --- 1. Organiser ---------------------------------------------------------------------------------
@pytest.fixture
def admin_entries(seeded):
    """The demo submitted entry (全固态锂金属电池) and the demo draft, plus two other submitted
    entries and an eligible one, so that the status filter and the search have something to narrow."""
    edition, users = seeded["edition"], seeded["users"]
    nominator = users["nominator@example.com"]
    demo.build_sample_entries(nominator, edition)
    target = Entry.objects.get(form_token=demo.DEMO_TOKENS["submitted"])
    _submitted(nominator, edition, title_zh_hans="钠离子电池", title_en="Sodium-ion battery")
    _submitted(nominator, edition, title_zh_hans="碳化硅功率模块", title_en="Silicon-carbide power module",
               category=Category.objects.get(code=Category.INNOVATIVE), application_zh_hans="已在示范车队应用。")
    other = _submitted(nominator, edition, title_zh_hans="热泵空调", title_en="Heat-pump air conditioning")
    services.change_status(entry=other, to=EntryStatus.ELIGIBLE, by=users["organiser@example.com"])
    assert target.status == EntryStatus.SUBMITTED and target.reference
    return {"target": target, "organiser": users["organiser@example.com"]}


@pytest.mark.parametrize(("size", "language"), [_person(s, lang) for s in VIEWPORTS for lang in ("zh-hans", "en")])
def test_organiser_checks_an_entry_exports_and_reads_the_dashboard(live_server, page, admin_entries, requests_log,
                                                                    screenshots_dir, tmp_path, size, language):
    base = live_server.url
    entry, organiser = admin_entries["target"], admin_entries["organiser"]
    changelist = f"{base}/admin/submissions/entry/"

    # Log in to the admin with the e-mail address.
    page.goto(f"{base}/admin/login/?next=/admin/")
    expect(page.locator("html")).to_have_attribute("lang", ADMIN_LANG[language])
    page.fill("#id_username", organiser.email)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    expect(page).to_have_url(f"{base}/admin/")

    # The entry list, filtered on "submitted" with the status filter's link, then searched in Chinese.
    page.goto(changelist)
    expect(page.locator("#result_list tbody tr")).to_have_count(5)  # drafts included
    with page.expect_navigation():
        page.click("#changelist-filter a[href*='status__exact=submitted']")
    expect(page).to_have_url(f"{changelist}?status__exact=submitted")
    expect(page.locator("#result_list tbody tr")).to_have_count(3)
    page.fill("#searchbar", "固态")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(entry.reference)
    expect(rows.first).to_contain_text(entry.title_zh_hans if language == "zh-hans" else entry.title_en)
    list_url = page.url
    assert "status__exact=submitted" in list_url and "q=" in list_url, list_url
    _shot(page, screenshots_dir, f"admin-list-{SHORT[language]}{SUFFIX[size]}.png")

    # Open the entry (both language versions are in the tabbed fields), then back to the list.
    with page.expect_navigation():
        page.click(f"#result_list a[href*='/admin/submissions/entry/{entry.pk}/change/']")
    expect(page.locator("#id_title_zh_hans")).to_have_value(entry.title_zh_hans)
    expect(page.locator("#id_title_en")).to_have_value(entry.title_en)
    expect(page.locator(".field-reference")).to_contain_text(entry.reference)
    _shot(page, screenshots_dir, f"admin-entry-{SHORT[language]}{SUFFIX[size]}.png")
    page.go_back()
    expect(page).to_have_url(list_url)

    # Formal check: select it, run "mark_eligible", write the note on the confirmation page, apply.
    page.check(f"#result_list input.action-select[value='{entry.pk}']")
    page.select_option("#changelist-form select[name=action]", "mark_eligible")
    with page.expect_navigation():
        page.click("#changelist-form button[name=index]")
    expect(page.locator("#content")).to_contain_text(entry.reference)  # the confirmation lists it
    assert Entry.objects.get(pk=entry.pk).status == EntryStatus.SUBMITTED  # nothing changed yet
    note = "形式审查通过。Formal check passed."
    page.fill("#id_note", note)
    with page.expect_navigation():
        page.click("#content form [type=submit]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ELIGIBLE
    change = StatusChange.objects.filter(entry=entry).order_by("-pk").first()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        EntryStatus.SUBMITTED, EntryStatus.ELIGIBLE, organiser, note)
    expect(page.locator("#result_list")).to_have_count(0)  # gone from the "submitted" list

    # The "eligible" list (the search is kept), exported as XLSX with the same filters.
    with page.expect_navigation():
        page.click("#changelist-filter a[href*='status__exact=eligible']")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    export = page.locator(".object-tools a[href*='/admin/submissions/entry/export/xlsx/']")
    assert "status__exact=eligible" in export.get_attribute("href")
    with page.expect_download() as download_info:
        export.click()
    download = download_info.value
    assert download.suggested_filename.startswith("wnevc-entries-") and download.suggested_filename.endswith(".xlsx")
    xlsx = tmp_path / download.suggested_filename
    download.save_as(xlsx)
    workbook = openpyxl.load_workbook(xlsx, read_only=True)
    cells = [str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
             for value in row if value is not None]
    workbook.close()
    assert entry.reference in cells
    assert entry.title_zh_hans in cells and entry.title_en in cells
    assert not any(cell.startswith("WNEVC") and cell != entry.reference for cell in cells)  # filtered export

    # The dashboard: figures and a server-drawn SVG chart.
    with page.expect_navigation():
        page.click(".object-tools a[href$='/admin/submissions/entry/dashboard/']")
    chart = page.locator("#content svg.wnevc-bars")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() >= 1
    _shot(page, screenshots_dir, f"admin-dashboard-{SHORT[language]}{SUFFIX[size]}.png")

    requests_log.check()


# --- 2. Expert ------------------------------------------------------------------------------------
VOTE_LIMIT = 2


@pytest.fixture
def review_ready(seeded):
    """The review demo (criteria, an open scoring round, the demo entry assigned to both experts),
    the vote round opened now, and three shortlisted cutting-edge entries for a quota of two."""
    edition, users = seeded["edition"], seeded["users"]
    nominator, organiser = users["nominator@example.com"], users["organiser@example.com"]
    demo.build_sample_entries(nominator, edition)
    review_demo.build_review_demo(edition, users)
    now = timezone.now()
    Round.objects.filter(edition=edition, kind=Round.Kind.VOTE).update(
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=2))
    edition.cutting_edge_quota = VOTE_LIMIT
    edition.save(update_fields=["cutting_edge_quota"])
    shortlisted = []
    for zh, en in [("钠离子电池", "Sodium-ion battery"), ("兆瓦级超充", "Megawatt charging"),
                   ("线控底盘", "Steer-by-wire chassis")]:
        entry = _submitted(nominator, edition, title_zh_hans=zh, title_en=en, summary_zh_hans=f"{zh}的技术摘要。",
                           summary_en=f"Summary of the {en.lower()}.")
        services.change_status(entry=entry, to=EntryStatus.ELIGIBLE, by=organiser)
        shortlisted.append(services.change_status(entry=entry, to=EntryStatus.SHORTLISTED, by=organiser))
    assigned = Entry.objects.get(form_token=demo.DEMO_TOKENS["submitted"])
    return {"edition": edition, "users": users, "assigned": assigned, "shortlisted": shortlisted}


EXPERT = {"zh-hans": "expert2@example.com", "en": "expert1@example.com"}
@pytest.mark.parametrize(("size", "language"), [_person(s, lang) for s in VIEWPORTS for lang in ("zh-hans", "en")])
def test_expert_reads_scores_and_votes(live_server, page, review_ready, requests_log, screenshots_dir, size, language):
    base = live_server.url
    expert = review_ready["users"][EXPERT[language]]
    entry = review_ready["assigned"]
    suffix = f"{SHORT[language]}-{size}"
    log_in(page, base, expert.email, demo.DEMO_PASSWORD, language)

    # The review list: the assigned entry, still to do.
    page.goto(f"{base}/{language}/review/")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[language])
    row = page.locator("main tbody tr", has=page.locator(f"a[href='/{language}/review/{entry.pk}/']"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(entry.reference)
    expect(row.locator(".badge")).to_have_class("badge text-bg-warning")  # "to do"
    axe_check(page, context=f"review list {suffix}")
    _shot(page, screenshots_dir, f"review-list-{suffix}.png")

    # The entry, both language versions side by side.
    with page.expect_navigation():
        row.locator(f"a[href='/{language}/review/{entry.pk}/']").click()
    expect(page).to_have_url(f"{base}/{language}/review/{entry.pk}/")
    versions = page.locator("table.side-by-side")
    expect(versions.locator("td[lang='zh-Hans']").first).to_have_text(entry.title_zh_hans)
    expect(versions.locator("td[lang='en']").first).to_have_text(entry.title_en)
    expect(versions).to_contain_text(entry.summary_zh_hans)
    expect(versions).to_contain_text(entry.summary_en)
    axe_check(page, context=f"review entry {suffix}")

    # The score form: every criterion 8, a comment, save.
    with page.expect_navigation():
        page.click(f"main a.btn-primary[href='/{language}/review/{entry.pk}/score/']")
    criteria = list(Criterion.objects.filter(edition=entry.edition, category=entry.category))
    assert len(criteria) == 4
    inputs = page.locator("main form input.score-input")
    expect(inputs).to_have_count(len(criteria))
    for criterion in criteria:
        field = page.locator(f"input[name=criterion_{criterion.pk}]")
        expect(page.locator(f"label[for='{field.get_attribute('id')}']")).to_contain_text(
            criterion.name_en if language == "en" else criterion.name_zh_hans)
        field.fill("8")
    comment = "技术路线清晰，测试数据充分。Clear route, convincing test data."
    page.fill("main form textarea[name=comment]", comment)
    expect(page.locator("main form input[name=abstained]")).not_to_be_checked()
    axe_check(page, context=f"score form {suffix}")
    _shot(page, screenshots_dir, f"review-score-{suffix}.png")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{base}/{language}/review/")
    expect(page.locator(".alert-success")).to_be_visible()
    expect(row.locator(".badge")).to_have_class("badge text-bg-success")  # "scored"
    review = Review.objects.get(assignment__expert=expert, assignment__entry=entry)
    assert (review.comment, review.abstained) == (comment, False)
    assert sorted(Score.objects.filter(review=review).values_list("criterion_id", "value")) == sorted(
        (c.pk, 8) for c in criteria)

    # The ballot of the cutting-edge category: approve as many as allowed.
    ballot_path = f"/{language}/review/vote/{Category.CUTTING_EDGE}/"
    with page.expect_navigation():
        page.click(f"main a[href='{ballot_path}']")
    expect(page).to_have_url(f"{base}{ballot_path}")
    boxes = page.locator("main form input[type=checkbox][name=entries]")
    expect(boxes).to_have_count(len(review_ready["shortlisted"]))
    axe_check(page, context=f"ballot {suffix}")
    chosen = [int(boxes.nth(i).get_attribute("value")) for i in range(VOTE_LIMIT)]
    for pk in chosen:
        page.check(f"#ballot-{pk}")
    _shot(page, screenshots_dir, f"review-ballot-{suffix}.png")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    expect(page).to_have_url(f"{base}{ballot_path}")
    expect(page.locator("main .alert-success").first).to_be_visible()
    expect(page.locator("main .alert-danger")).to_have_count(0)
    assert sorted(Vote.objects.filter(expert=expert).values_list("entry_id", flat=True)) == sorted(chosen)
    assert Ballot.objects.filter(expert=expert, category__code=Category.CUTTING_EDGE).count() == 1
    for pk in chosen:  # the ballot shows what was recorded
        expect(page.locator(f"#ballot-{pk}")).to_be_checked()

    requests_log.check()


# --- 3. Home page weight --------------------------------------------------------------------------
HOME_BUDGET = 200 * 1024
RESULTS_FILE = "home-bytes.json"


def _gzip_size(url: str, body: bytes) -> int:
    """What WhiteNoise (CompressedManifestStaticFilesStorage) or an nginx with gzip on would send:
    the gzip level-9 body when compressing pays (≤ 95 % of the size), otherwise the body as is."""
    path = url.split("?", 1)[0]
    if not body or not Compressor(quiet=True).should_compress(path):
        return len(body)
    compressed = len(Compressor.compress_gzip(body))
    return compressed if compressed <= 0.95 * len(body) else len(body)


@pytest.mark.parametrize(("size", "language"), [_person("phone", "zh-hans"), _person("phone", "en")])
def test_home_page_weight(live_server, page, seeded, requests_log, pytestconfig, size, language):
    base = live_server.url
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls, transferred, failed = {}, {}, []
    cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: transferred.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.on("Network.loadingFailed", lambda e: failed.append(e))
    responses = []
    page.on("response", lambda response: responses.append(response))

    page.goto(f"{base}/{language}/", wait_until="networkidle")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")  # let lazy images load too
    page.wait_for_load_state("networkidle")
    expect(page.locator("html")).to_have_attribute("lang", HTML_LANG[language])

    assert failed == [], failed
    fetched = {request_id: url for request_id, url in urls.items() if not url.startswith(("data:", "blob:"))}
    assert fetched and set(fetched) <= set(transferred), (fetched, transferred)
    foreign = [url for url in fetched.values() if not url.startswith(base + "/")]
    assert foreign == [], f"requests to other origins: {foreign}"

    bodies = {r.url: r.body() for r in responses if not r.url.startswith(("data:", "blob:"))}
    assert set(bodies) == set(fetched.values()), (bodies.keys(), fetched.values())
    rows = []
    for request_id, url in sorted(fetched.items(), key=lambda item: item[1]):
        body = bodies[url]
        wire = int(transferred[request_id])
        rows.append({"url": url[len(base):], "transferred": wire, "body": len(body),
                     "headers_approx": max(0, wire - len(body)), "gzip_body": _gzip_size(url, body)})
    figures = {
        "page": f"/{language}/", "viewport": VIEWPORTS[size], "requests": len(rows),
        "transferred_by_live_server": sum(r["transferred"] for r in rows),
        "body_bytes_uncompressed": sum(r["body"] for r in rows),
        "gzip_body_bytes": sum(r["gzip_body"] for r in rows),
        "gzip_total_with_headers": sum(r["gzip_body"] + r["headers_approx"] for r in rows),
        "note": "The live server (Django's static files handler) sends nothing compressed; gzip_* are the same "
                "responses compressed at level 9 as WhiteNoise does for static files (HTML only if a proxy gzips it).",
        "responses": rows,
    }
    print(f"\nhome page /{language}/ ({size}): {len(rows)} requests, all same-origin; "
          f"live server transferred {figures['transferred_by_live_server']:,} B "
          f"(bodies {figures['body_bytes_uncompressed']:,} B); gzip-compressed bodies {figures['gzip_body_bytes']:,} B, "
          f"with headers {figures['gzip_total_with_headers']:,} B")
    for r in rows:
        print(f"  {r['url']:<60} wire {r['transferred']:>8,}  body {r['body']:>8,}  gzip {r['gzip_body']:>7,}")

    out = pytestconfig.rootpath / "test-results" / RESULTS_FILE
    out.parent.mkdir(parents=True, exist_ok=True)
    stored = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}
    stored[language] = figures
    out.write_text(json.dumps(stored, ensure_ascii=False, indent=2), encoding="utf-8")

    assert figures["gzip_total_with_headers"] < HOME_BUDGET, figures
    requests_log.check()
