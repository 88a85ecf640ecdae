import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from submissions.models import Entry, EntryStatus, OutgoingMail, StatusChange
from submissions.services import demo
from submissions.services.entries import change_status, submit_entry, withdraw_entry
from tests.factories import EntryFactory, pdf_upload, png_upload
from tests.helpers import full_form, issued_form_token, management


def upload_materials(client, lang, entry, letter=True):
    for kind, upload in [("report", pdf_upload("技术报告.pdf")), ("image", png_upload("motor.png"))] + \
            ([("letter", pdf_upload("letter.pdf"))] if letter else []):
        response = client.post(f"/{lang}/nominations/{entry.pk}/attachments/", {"kind": kind, "file": upload})
        assert response.status_code == 302, response.content.decode()[:2000]


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_whole_journey_draft_upload_submit_mail_edit_withdraw(client, edition, nominator, lang,
                                                              django_capture_on_commit_callbacks):
    client.force_login(nominator)
    # A partial draft is accepted.
    response = client.post(f"/{lang}/nominations/new/", {**management(), "title_zh_hans": "草稿技术",
                                                        "action": "draft", "form_token": uuid.uuid4().hex})
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert (entry.status, entry.title_zh_hans, entry.reference) == (EntryStatus.DRAFT, "草稿技术", None)
    # Complete it, upload the files, submit.
    response = client.post(f"/{lang}/nominations/{entry.pk}/edit/", {**full_form(), "action": "draft"})
    assert response.status_code == 302
    upload_materials(client, lang, entry)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/{lang}/nominations/{entry.pk}/edit/", {**full_form(rows=False), "action": "submit"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert re.fullmatch(rf"WNEVC{edition.year}-IN-0001", entry.reference)
    assert entry.indicators.get().this_value == "97"
    to_nominator = [m for m in mail.outbox if m.to == [nominator.email]]
    assert len(to_nominator) == 1
    assert entry.reference in to_nominator[0].subject
    assert "已收到" in to_nominator[0].subject  # the account prefers Chinese, whatever the page language
    assert [m.to for m in mail.outbox if m.to != [nominator.email]] == [["secretariat@example.com"]]
    page = client.get(f"/{lang}/nominations/{entry.pk}/").content.decode()
    assert entry.reference in page and "800 V silicon-carbide e-drive" in page
    # Edit while open: stays submitted.
    response = client.post(f"/{lang}/nominations/{entry.pk}/edit/",
                           {**full_form(rows=False, title_en="800 V SiC e-drive, gen. 2"), "action": "save"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.title_en) == (EntryStatus.SUBMITTED, "800 V SiC e-drive, gen. 2")
    # Withdraw.
    assert client.get(f"/{lang}/nominations/{entry.pk}/withdraw/").status_code == 200
    response = client.post(f"/{lang}/nominations/{entry.pk}/withdraw/", {"note": "Merged with another entry"})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
    assert list(entry.status_changes.values_list("to_status", flat=True)) == ["submitted", "withdrawn"]
    # The list shows it with its reference and status.
    listing = client.get(f"/{lang}/nominations/").content.decode()
    assert entry.reference in listing
    assert ("已撤回" if lang == "zh-hans" else "Withdrawn") in listing


def test_submitting_an_incomplete_entry_keeps_the_draft_and_lists_what_is_missing(client, edition, nominator):
    client.force_login(nominator)
    response = client.post("/en/nominations/new/", {**full_form(title_en="", summary_zh_hans=""), "action": "submit",
                                                    "form_token": uuid.uuid4().hex})
    entry = Entry.objects.get()
    assert entry.status == EntryStatus.DRAFT
    assert response["Location"] == f"/en/nominations/{entry.pk}/edit/?check=1#missing"
    html = client.get(response["Location"]).content.decode()
    assert 'href="#id_title_en"' in html
    assert "Technology name (English): Technology name (English) is required." in html or \
        "Technology name (English) is required." in html
    assert "The technical report (PDF) is missing." in html
    assert 'href="#section-attachments"' in html
    assert "<title>Error:" in html


BOTH = [("title", "Technology name"), ("summary", "Summary"), ("innovations", "Key innovations")]


@pytest.mark.parametrize("field,label", BOTH)
@pytest.mark.parametrize("language,language_label,language_zh", [("zh_hans", "Chinese", "中文"), ("en", "English", "英文")])
def test_each_missing_language_of_a_bilingual_field_has_its_own_translated_message(
        client, edition, nominator, field, label, language, language_label, language_zh):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, **{f"{field}_{language}": ""})
    client.force_login(nominator)
    response = client.post(f"/en/nominations/{entry.pk}/submit/")
    assert response["Location"].endswith("?check=1#missing")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert f"({language_label}) is required." in client.get(response["Location"]).content.decode()
    assert f"（{language_zh}）" in client.get(f"/zh-hans/nominations/{entry.pk}/edit/?check=1").content.decode()


REQUIRED = ["category", "technical_field", "org_country", "org_type", "contact_name", "contact_position",
            "contact_email", "contact_mobile", "contact_language", "maturity", "recommended_by", "signatory_name",
            "signatory_position", "org_name_zh_hans", "org_address_zh_hans", "indicators_text_zh_hans",
            "decl_authentic", "consent_personal_data"]


@pytest.mark.parametrize("field", REQUIRED)
def test_each_missing_required_field_blocks_submission(client, edition, nominator, field):
    value = False if field.startswith(("decl", "consent")) else (None if field in {"category", "technical_field"} else "")
    overrides = {field: value}
    if field == "org_name_zh_hans":
        overrides["org_name_en"] = ""
    if field == "prospects_en":
        overrides["prospects_zh_hans"] = ""
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, **overrides)
    client.force_login(nominator)
    client.post(f"/zh-hans/nominations/{entry.pk}/submit/")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    html = client.get(f"/zh-hans/nominations/{entry.pk}/edit/?check=1").content.decode()
    assert 'data-error-summary' in html
    assert f'href="#id_{field}' in html


def test_recommendation_letter_is_required_unless_self_nominated(client, edition, nominator):
    client.force_login(nominator)
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, recommended_by="organisation",
                         recommender_name="Example Association", recommender_email="a@example.org",
                         statement_zh_hans="推荐。")
    client.post(f"/en/nominations/{entry.pk}/submit/")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT
    assert "The signed recommendation letter is missing" in client.get(
        f"/en/nominations/{entry.pk}/edit/?check=1").content.decode()
    client.post(f"/en/nominations/{entry.pk}/attachments/", {"kind": "letter", "file": pdf_upload("letter.pdf")})
    client.post(f"/en/nominations/{entry.pk}/submit/")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED


def test_unconfirmed_account_cannot_submit(client, edition, nominator):
    nominator.email_confirmed_at = None
    nominator.save()
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    client.force_login(nominator)
    response = client.post(f"/en/nominations/{entry.pk}/submit/", follow=True)
    assert "Please confirm your e-mail address before submitting." in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DRAFT


@pytest.mark.parametrize(("overrides", "message"), [
    ({"title_zh_hans": "电" * 31}, "At most 30 characters (now 31)."),
    ({"summary_en": "word " * 501}, "At most 500 words (now 501)."),
    ({"contact_email": "not-an-address"}, "Enter a valid email address."),
    ({"contact_mobile": "12"}, "Enter a phone number in international format"),
    ({"org_website": "javascript:alert(1)"}, "Enter a valid URL."),
    ({"summary_zh_hans": "含有\x00空字符"}, "Null characters are not allowed."),
    ({"summary_en": "bell\x07character"}, "invisible control characters"),
    ({"patents_granted": "-3"}, "greater than or equal to 0"),
    ({"rd_start": "2024-05-01", "rd_end": "2023-01-01"}, "The completion date cannot be before the start date."),
    ({"category": "99999"}, "Select a valid choice."),
])
def test_malformed_values_are_refused_with_a_message_and_nothing_is_saved(client, edition, nominator, overrides, message):
    client.force_login(nominator)
    response = client.post("/en/nominations/new/", {**full_form(**overrides), "action": "draft",
                                                    "form_token": uuid.uuid4().hex})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Nothing has been saved yet." in html
    assert Entry.objects.count() == 0


def test_full_width_contact_details_are_normalised(client, edition, nominator):
    client.force_login(nominator)
    client.post("/en/nominations/new/", {**full_form(contact_email="ｌｉ＠ｅｘａｍｐｌｅ．ｃｏｍ",
                                                     contact_mobile="１３８００１３８０００"),
                                         "action": "draft", "form_token": uuid.uuid4().hex})
    entry = Entry.objects.get()
    assert (entry.contact_email, entry.contact_mobile) == ("li@example.com", "+86 138 0013 8000")


def test_the_same_form_posted_twice_creates_one_entry(client, edition, nominator):
    client.force_login(nominator)
    data = {**full_form(), "action": "draft", "form_token": issued_form_token(client)}
    first = client.post("/en/nominations/new/", data)
    second = client.post("/en/nominations/new/", {**data, "title_en": "Second click"})
    assert (first.status_code, second.status_code) == (302, 302)
    entry = Entry.objects.get()
    assert entry.title_en == "Second click"


def test_a_form_posted_with_errors_keeps_its_token_so_the_corrected_form_saves_once(client, edition, nominator):
    client.force_login(nominator)
    data = {**full_form(), "action": "draft", "form_token": issued_form_token(client)}
    client.post("/en/nominations/new/", data)
    refused = client.post("/en/nominations/new/", {**data, "contact_email": "not-an-address"})
    assert refused.status_code == 400
    assert f'name="form_token" value="{data["form_token"]}"' in refused.content.decode()
    assert client.post("/en/nominations/new/", data).status_code == 302
    assert Entry.objects.count() == 1


@pytest.mark.parametrize("whose", ["raw", "signed for A", "demo"])
def test_another_nominators_form_token_starts_a_new_entry(client, edition, nominator, other_nominator, whose):
    """B posts the token of A's entry (as stored, as issued to A, or a demo's public one): B gets a
    new entry of their own and A's entry is untouched (it was an IntegrityError, a 500)."""
    client.force_login(nominator)
    token_for_a = issued_form_token(client)
    client.post("/en/nominations/new/", {**full_form(title_en="A's entry"), "action": "draft", "form_token": token_for_a})
    entry_of_a = Entry.objects.get(nominator=nominator)
    if whose == "demo":
        entry_of_a.form_token = demo.DEMO_TOKENS["draft"]
        entry_of_a.save(update_fields=["form_token"])
    foreign = {"raw": entry_of_a.form_token.hex, "signed for A": token_for_a,
               "demo": str(demo.DEMO_TOKENS["draft"])}[whose]
    client.force_login(other_nominator)
    response = client.post("/en/nominations/new/", {**full_form(title_en="B's entry"), "action": "draft",
                                                    "form_token": foreign})
    assert response.status_code == 302
    entry_of_b = Entry.objects.get(nominator=other_nominator)
    assert entry_of_b.title_en == "B's entry" and entry_of_b.form_token != entry_of_a.form_token
    assert f"/{entry_of_b.pk}/" in response.url
    entry_of_a.refresh_from_db()
    assert (entry_of_a.nominator, entry_of_a.title_en) == (nominator, "A's entry")


def test_double_click_on_submit_submits_once(client, edition, nominator, django_capture_on_commit_callbacks):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    client.force_login(nominator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/nominations/{entry.pk}/submit/")
        second = client.post(f"/en/nominations/{entry.pk}/submit/", follow=True)
    assert "This entry has already been submitted." in second.content.decode()
    assert StatusChange.objects.filter(entry=entry, to_status="submitted").count() == 1
    assert OutgoingMail.objects.filter(to=nominator.email).count() == 1


def test_a_submitted_entry_must_stay_complete_when_edited(client, edition, nominator):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    submit_entry(entry=entry, by=nominator)
    client.force_login(nominator)
    form = full_form(title_en="")
    response = client.post(f"/en/nominations/{entry.pk}/edit/", {**form, "action": "save"})
    assert response.status_code == 400
    assert "Technology name (English) is required." in response.content.decode()
    entry.refresh_from_db()
    assert entry.title_en == "All-solid-state lithium-metal battery"
    assert entry.title_zh_hans == "全固态锂金属电池"  # nothing of the refused change was saved


def _close(edition):
    edition.opens_at = timezone.now() - timedelta(days=60)
    edition.closes_at = timezone.now() - timedelta(minutes=1)
    edition.save()


def test_after_the_closing_time_entries_are_read_only(client, edition, nominator):
    draft = EntryFactory(edition=edition, nominator=nominator)
    submitted = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    submit_entry(entry=submitted, by=nominator)
    _close(edition)
    client.force_login(nominator)
    for entry in (draft, submitted):
        response = client.post(f"/en/nominations/{entry.pk}/edit/", {**full_form(title_en="Changed"), "action": "save"})
        assert response.status_code == 302
        entry.refresh_from_db()
        assert entry.title_en != "Changed"
    client.post(f"/en/nominations/{submitted.pk}/withdraw/", {"note": ""})
    client.post(f"/en/nominations/{draft.pk}/submit/")
    assert set(Entry.objects.values_list("status", flat=True)) == {"draft", "submitted"}
    response = client.get("/en/nominations/new/")
    assert response.status_code == 403
    assert "The collection is closed" in response.content.decode()
    assert "Beijing time" in response.content.decode()
    upload = client.post(f"/en/nominations/{draft.pk}/attachments/", {"kind": "report", "file": pdf_upload()})
    assert upload.status_code == 302
    assert draft.attachments.count() == 0


def test_before_the_opening_the_form_says_when_it_opens(client, edition, nominator):
    edition.opens_at = timezone.now() + timedelta(days=3)
    edition.closes_at = timezone.now() + timedelta(days=30)
    edition.save()
    client.force_login(nominator)
    response = client.get("/zh-hans/nominations/new/")
    assert response.status_code == 403
    assert "北京时间" in response.content.decode()


def test_a_returned_entry_can_be_corrected_after_the_closing_time(client, edition, nominator, organiser,
                                                                   django_capture_on_commit_callbacks):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    submit_entry(entry=entry, by=nominator)
    _close(edition)
    change_status(entry=entry, to="returned", by=organiser, note="Please add the test report.",
                  correction_deadline=timezone.now() + timedelta(days=7))
    client.force_login(nominator)
    detail = client.get(f"/en/nominations/{entry.pk}/").content.decode()
    assert "Please add the test report." in detail
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/nominations/{entry.pk}/edit/",
                               {**full_form(rows=False, recommended_by="self"), "action": "submit"})
    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.reference.endswith("-0001")  # the reference number is kept
    assert any("Corrected entry received" in m.subject or "修改后" in m.subject for m in mail.outbox)


def test_user_text_is_shown_escaped(client, edition, nominator, django_capture_on_commit_callbacks):
    script = '<script>alert("x")</script>'
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, title_en=script,
                         summary_en=script, org_name_zh_hans=script)
    client.force_login(nominator)
    for url in (f"/en/nominations/{entry.pk}/", f"/en/nominations/{entry.pk}/print/", "/en/nominations/",
                f"/en/nominations/{entry.pk}/edit/"):
        html = client.get(url).content.decode()
        assert script not in html, url
        assert "&lt;script&gt;" in html, url
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/en/nominations/{entry.pk}/submit/")
    assert script in mail.outbox[0].body  # plain-text mail: shown as text, never interpreted
    assert "\n" not in mail.outbox[0].subject


def test_printable_view_has_every_section_both_languages_and_file_names(client, complete_entry, nominator):
    client.force_login(nominator)
    html = client.get(f"/en/nominations/{complete_entry.pk}/print/").content.decode()
    for text in ("1. Category and technical field", "7. Declarations", "全固态锂金属电池",
                 "All-solid-state lithium-metal battery", "report.pdf", "image.png", "data-print"):
        assert text in html


def test_withdrawn_entry_can_be_reopened_while_open(client, complete_entry, nominator):
    submit_entry(entry=complete_entry, by=nominator)
    withdraw_entry(entry=complete_entry, by=nominator)
    client.force_login(nominator)
    client.post(f"/en/nominations/{complete_entry.pk}/reopen/")
    complete_entry.refresh_from_db()
    assert complete_entry.status == EntryStatus.DRAFT


def test_a_1000_character_withdrawal_reason_is_kept_whole(client, complete_entry, nominator):
    """The history's change reason is a varchar(100): PostgreSQL refused the long note with a 500."""
    submit_entry(entry=complete_entry, by=nominator)
    client.force_login(nominator)
    reason = "撤" * 500 + "w" * 500
    response = client.post(f"/en/nominations/{complete_entry.pk}/withdraw/", {"note": reason})
    assert response.status_code == 302
    complete_entry.refresh_from_db()
    assert complete_entry.status == EntryStatus.WITHDRAWN
    assert StatusChange.objects.get(entry=complete_entry, to_status="withdrawn").note == reason
    history_reason = complete_entry.history.latest().history_change_reason
    assert len(history_reason) == 100 and history_reason == "撤" * 99 + "…"
