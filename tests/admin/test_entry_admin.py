import io
import zipfile
from pathlib import Path

import pytest
from django.contrib import admin as django_admin
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from submissions.admin.entries import EntryAdmin
from submissions.exports.entries import EntryResource, neutralise
from submissions.models import Entry, EntryStatus, StatusChange
from submissions.roles import EXPERT, setup_roles
from submissions.services import attachments as attachment_services
from submissions.services import demo
from submissions.services import entries as services
from tests.factories import EntryFactory, UserFactory, pdf_upload

CHANGELIST = "/admin/submissions/entry/"


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


@pytest.fixture
def submitted(edition, nominator):
    english = UserFactory(email="english@example.com", language="en")
    entries = []
    for owner, title_zh, title_en, country in [(nominator, "钠离子电池", "Sodium-ion battery", "CN"),
                                               (english, "轮毂电机", "In-wheel motor", "DE")]:
        entry = EntryFactory(edition=edition, nominator=owner, with_materials=True, title_zh_hans=title_zh,
                             title_en=title_en, org_country=country)
        entries.append(services.submit_entry(entry=entry, by=owner))
    return entries


def test_search_finds_chinese_and_english_names_and_references(organiser_client, submitted):
    for term, expected in [("钠离子", "Sodium-ion battery"), ("in-wheel", "In-wheel motor"),
                           (submitted[1].reference, "In-wheel motor")]:
        html = organiser_client.get(CHANGELIST, {"q": term}, headers={"accept-language": "en"}).content.decode()
        assert expected in html
        other = {"Sodium-ion battery", "In-wheel motor"} - {expected}
        assert other.pop() not in html


def test_filters_by_country_and_status(organiser_client, submitted):
    html = organiser_client.get(CHANGELIST, {"org_country": "DE"}, headers={"accept-language": "en"}).content.decode()
    assert "In-wheel motor" in html and "Sodium-ion battery" not in html
    html = organiser_client.get(CHANGELIST, {"status__exact": "draft"}).content.decode()
    assert "In-wheel motor" not in html and "Sodium-ion battery" not in html


def _post_action(client, action, entries, follow=False, **data):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [e.pk for e in entries], **data},
                       follow=follow)


def test_a_bulk_action_first_lists_the_entries_then_applies_with_the_note(organiser_client, submitted,
                                                                          django_capture_on_commit_callbacks):
    response = _post_action(organiser_client, "return_for_correction", submitted)
    page = response.content.decode()
    assert response.status_code == 200
    assert all(e.reference in page for e in submitted)
    assert Entry.objects.filter(status=EntryStatus.RETURNED).count() == 0  # nothing changed yet
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_action(organiser_client, "return_for_correction", submitted, apply="1",
                                note="请补充检测报告 / Please add the test report", correction_deadline="2030-01-31T18:00")
    assert response.status_code == 302
    assert set(Entry.objects.values_list("status", flat=True)) == {EntryStatus.RETURNED}
    change = StatusChange.objects.filter(to_status=EntryStatus.RETURNED).first()
    assert change.note.startswith("请补充") and change.by.email == "organiser@example.org"
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert subjects["english@example.com"].endswith("Returned for correction")
    assert "退回修改" in subjects["nominator.a@example.com"]


@pytest.mark.parametrize(("action", "status"), [("mark_eligible", "eligible"), ("mark_ineligible", "ineligible")])
def test_each_formal_check_action_changes_status_and_logs(organiser_client, submitted, action, status):
    _post_action(organiser_client, action, submitted[:1], apply="1", note="checked")
    submitted[0].refresh_from_db()
    assert submitted[0].status == status
    assert submitted[0].status_changes.last().to_status == status


def test_an_action_leaves_entries_it_cannot_move_untouched(organiser_client, submitted):
    _post_action(organiser_client, "mark_selected", submitted, apply="1")
    assert set(Entry.objects.values_list("status", flat=True)) == {EntryStatus.SUBMITTED}


def test_returning_without_a_note_is_refused(organiser_client, submitted):
    organiser_client.cookies["django_language"] = "en"
    response = _post_action(organiser_client, "return_for_correction", submitted[:1], apply="1", note="", follow=True)
    assert "Please tell the nominator what to correct." in response.content.decode()
    submitted[0].refresh_from_db()
    assert submitted[0].status == EntryStatus.SUBMITTED


def test_xlsx_export_has_both_language_versions(submitted):
    with translation.override("en"):
        data = EntryResource().export(queryset=Entry.objects.all())
    workbook = load_workbook(io.BytesIO(data.xlsx))
    rows = list(workbook.active.values)
    header = list(rows[0])
    assert "Technology name (Chinese)" in header and "Technology name (English)" in header
    assert len(rows) == 3
    by_reference = {row[header.index("Reference number")]: row for row in rows[1:]}
    row = by_reference[submitted[0].reference]
    assert row[header.index("Technology name (Chinese)")] == "钠离子电池"
    assert str(row[header.index("Files")]) == "2"
    assert row[header.index("Status")] == "Submitted" or row[header.index("Status")] == "已提交"


def test_export_neutralises_spreadsheet_formulas(edition, nominator):
    EntryFactory(edition=edition, nominator=nominator, title_en='=HYPERLINK("http://evil","x")')
    csv = EntryResource().export(queryset=Entry.objects.all()).csv
    assert "'=HYPERLINK" in csv
    assert neutralise("+1") == "'+1" and neutralise("钠") == "钠"


def test_admin_exports_the_filtered_list_as_xlsx_and_csv(organiser_client, submitted):
    assert "/admin/submissions/entry/export/xlsx/?org_country=DE" in organiser_client.get(
        CHANGELIST, {"org_country": "DE"}).content.decode()
    response = organiser_client.get("/admin/submissions/entry/export/xlsx/", {"org_country": "DE"},
                                    headers={"accept-language": "en"})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.values)
    assert len(rows) == 2 and "In-wheel motor" in rows[1]
    response = organiser_client.get("/admin/submissions/entry/export/csv/", {"q": "钠离子"})
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert len(text.strip().splitlines()) == 2 and "钠离子电池" in text


def test_zip_dossier_contains_every_file_and_both_summaries(organiser_client, submitted):
    response = _post_action(organiser_client, "download_dossier", submitted)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    for entry in submitted:
        folder = [n for n in names if n.startswith(entry.reference + "/")]
        assert sorted(n.split("/", 1)[1] for n in folder) == [
            "01-image-image.png", "02-report-report.pdf", "summary-en.html", "summary-zh.html"]
        assert entry.title_zh_hans in archive.read(f"{entry.reference}/summary-zh.html").decode()
        assert archive.read(f"{entry.reference}/02-report-report.pdf").startswith(b"%PDF-")


def test_dashboard_counts_the_current_edition(organiser_client, submitted):
    response = organiser_client.get("/admin/submissions/entry/dashboard/", headers={"accept-language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Submissions per day" in html and "<svg" in html
    assert "Germany" in html and "China" in html


def test_organiser_cannot_manage_users_but_can_open_entries(organiser_client, submitted):
    assert organiser_client.get("/admin/submissions/user/").status_code == 403
    assert organiser_client.get(f"/admin/submissions/entry/{submitted[0].pk}/change/").status_code == 200


@pytest.mark.parametrize("role", ["expert", "nominator"])
def test_experts_and_nominators_cannot_open_the_admin(client, db, role):
    _organiser, expert_group = setup_roles()
    user = UserFactory()
    if role == "expert":
        user.groups.add(expert_group)
        assert expert_group.name == EXPERT
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_setup_roles_is_idempotent(db):
    first = [g.permissions.count() for g in setup_roles()]
    assert first == [g.permissions.count() for g in setup_roles()]
    assert first[0] > 20 and first[1] == 0


def test_history_records_an_admin_edit(organiser_client, submitted):
    entry = submitted[0]
    page = organiser_client.get(f"/admin/submissions/entry/{entry.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update({"title_en": "Sodium-ion battery, revised", "internal_notes": "Checked by phone"})
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
        for index, form_ in enumerate(inline.formset.initial_forms):
            data[f"{inline.formset.prefix}-{index}-id"] = form_.instance.pk
            data[f"{inline.formset.prefix}-{index}-entry"] = entry.pk
    response = organiser_client.post(f"/admin/submissions/entry/{entry.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    history = entry.history.order_by("-history_date").first()
    assert history.title_en == "Sodium-ion battery, revised"
    assert history.history_user.email == "organiser@example.org"
    assert organiser_client.get(f"/admin/submissions/entry/{entry.pk}/history/").status_code == 200


@pytest.mark.parametrize("url", [CHANGELIST, CHANGELIST + "?status__exact=submitted", CHANGELIST + "?q=电池"])
def test_the_entry_list_runs_a_constant_number_of_queries(organiser_client, edition, url):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert organiser_client.get(url).status_code == 200
        return len(queries)

    demo.build_generated_entries(10, edition)
    small = count()
    demo.build_generated_entries(190, edition)
    assert count() == small


def test_the_entry_page_runs_a_constant_number_of_queries(organiser_client, edition, nominator):
    def count(entry):
        with CaptureQueriesContext(connection) as queries:
            assert organiser_client.get(f"/admin/submissions/entry/{entry.pk}/change/").status_code == 200
        return len(queries)

    small = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    large = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    for number in range(3):
        large.indicators.create(name=f"Indicator {number}", this_value="1")
        attachment_services.add_attachment(entry=large, kind="other", upload=pdf_upload())
    assert count(large) == count(small)


def test_organisers_create_and_submit_an_entry_on_behalf_of_the_secretariat(organiser_client, organiser, edition,
                                                                           django_capture_on_commit_callbacks):
    page = organiser_client.get("/admin/submissions/entry/add/")
    assert page.status_code == 200
    entry = EntryFactory(edition=edition, nominator=organiser, with_materials=True, source="secretariat")
    with django_capture_on_commit_callbacks(execute=True):
        _post_action(organiser_client, "submit_on_behalf", [entry])
    entry.refresh_from_db()
    assert (entry.status, entry.source, entry.nominator) == (EntryStatus.SUBMITTED, "secretariat", organiser)
    assert entry.reference.startswith(f"WNEVC{edition.year}-CE-")


def test_the_admin_add_form_records_the_secretariat_as_source(organiser_client, organiser, edition):
    html = organiser_client.get("/admin/submissions/entry/add/").content.decode()
    assert '<option value="secretariat" selected>' in html
    request = RequestFactory().post("/admin/submissions/entry/add/")
    request.user = organiser
    entry = Entry(title_zh_hans="秘书处推荐技术", title_en="Secretariat pick", source="secretariat")
    EntryAdmin(Entry, django_admin.site).save_model(request, entry, form=None, change=False)
    entry.refresh_from_db()
    assert (entry.source, entry.nominator, entry.edition, entry.status) == ("secretariat", organiser, edition, "draft")


def test_the_country_filter_lists_each_country_once(organiser_client, edition):
    demo.build_generated_entries(40, edition)
    html = organiser_client.get(CHANGELIST, headers={"accept-language": "en"}).content.decode()
    assert html.count("?org_country=CN") == 1


def test_a_dossier_with_a_lost_file_still_downloads_and_lists_it(organiser_client, submitted):
    report = submitted[0].attachments.get(kind="report")
    Path(report.file.path).unlink()
    response = _post_action(organiser_client, "download_dossier", submitted[:1])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    reference = submitted[0].reference
    assert archive.read(f"{reference}/MISSING-FILES.txt").decode() == "02-report-report.pdf\n"
    assert f"{reference}/01-image-image.png" in archive.namelist()


def test_a_500_character_note_on_a_return_for_correction_is_kept_whole(organiser_client, submitted):
    """The history's change reason is a varchar(100): PostgreSQL refused the long note with a 500."""
    note = "Please add the test report. " * 17 + "x" * 24
    assert len(note) == 500
    response = _post_action(organiser_client, "return_for_correction", submitted[:1], apply="1", note=note,
                            correction_deadline="2030-01-31T18:00")
    assert response.status_code == 302
    entry = Entry.objects.get(pk=submitted[0].pk)
    assert entry.status == EntryStatus.RETURNED
    assert StatusChange.objects.get(entry=entry, to_status=EntryStatus.RETURNED).note == note
    assert entry.history.latest().history_change_reason == note[:99] + "…"
