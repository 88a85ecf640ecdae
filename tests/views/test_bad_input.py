"""A battery of hostile or broken input across every form and upload: each case gets a clear
answer (an error message, a refusal, or the value ignored), never a 500, and stores nothing
unsafe. Runs on SQLite and PostgreSQL (which rejects NUL bytes SQLite would store)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from submissions.models import Attachment, Edition, Entry, EntryStatus, Review, User
from tests.factories import EntryFactory, UserFactory, pdf_upload
from tests.helpers import full_form

LONG = "长" * 5000
NUL = "a\x00b"
SCRIPT = '<script>alert("x")</script>'
BAD_UTF8 = b"\xff\xfe\xfa"

FORM_CASES = [
    ("title_zh_hans", LONG), ("title_en", "x" * 201), ("summary_en", "w " * 600), ("summary_zh_hans", NUL),
    ("org_name_en", NUL), ("contact_email", "a@b@c"), ("contact_email", "x" * 300 + "@example.com"),
    ("contact_mobile", "+86 abc"), ("contact_mobile", "1" * 40), ("org_website", "ftp://example.com"),
    ("org_website", "http://" + "a" * 400 + ".com"), ("org_registration_number", "统一代码"),
    ("patents_granted", "1e9"), ("patents_granted", "99999999999999999999"), ("rd_start", "2023-13-45"),
    ("category", "'; DROP TABLE submissions_entry; --"), ("technical_field", "-1"), ("org_country", "XX"),
    ("maturity", "flying"), ("recommended_by", "everyone"), ("contact_language", "fr"),
    ("keywords_en", "\x1b[31mred"), ("indicators-0-name", NUL), ("indicators-0-this_value", "x" * 101),
    ("awards-TOTAL_FORMS", "1000000"), ("awards-TOTAL_FORMS", "abc"),
]


@pytest.fixture
def logged_in(client, edition, nominator):
    client.force_login(nominator)
    return client


@pytest.mark.parametrize(("field", "value"), FORM_CASES)
def test_the_entry_form_refuses_malformed_values_without_saving(logged_in, field, value):
    data = {**full_form(), field: value, "action": "draft", "form_token": uuid.uuid4().hex}
    if field.startswith("awards-"):
        data.update({"awards-INITIAL_FORMS": "0"})
    response = logged_in.post("/en/nominations/new/", data)
    assert response.status_code == 400
    assert "Please correct the errors below. Nothing has been saved yet." in response.content.decode()
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("field", ["title_en", "summary_en", "org_name_zh_hans", "statement_en", "contact_name"])
def test_html_in_text_fields_is_stored_as_text_and_shown_escaped(logged_in, field):
    logged_in.post("/en/nominations/new/", {**full_form(), field: SCRIPT, "action": "draft",
                                            "form_token": uuid.uuid4().hex})
    entry = Entry.objects.get()
    assert getattr(entry, field) == SCRIPT
    for url in (f"/en/nominations/{entry.pk}/", f"/zh-hans/nominations/{entry.pk}/edit/"):
        html = logged_in.get(url).content.decode()
        assert SCRIPT not in html and "&lt;script&gt;" in html


def test_html_is_escaped_in_the_admin_too(client, edition, nominator, admin_user):
    entry = EntryFactory(edition=edition, nominator=nominator, title_en=SCRIPT, org_name_zh_hans=SCRIPT)
    client.force_login(admin_user)
    for url in ("/admin/submissions/entry/", f"/admin/submissions/entry/{entry.pk}/change/"):
        html = client.get(url, headers={"accept-language": "en"}).content.decode()
        assert SCRIPT not in html, url


@pytest.mark.parametrize("extra", [
    {"status": "selected"}, {"reference": "WNEVC2000-CE-9999"}, {"nominator": "1"}, {"edition": "999"},
    {"submitted_at": "2020-01-01T00:00"}, {"source": "secretariat"}, {"internal_notes": "hacked"},
])
def test_extra_post_fields_cannot_set_protected_values(logged_in, nominator, extra):
    logged_in.post("/en/nominations/new/", {**full_form(), **extra, "action": "draft", "form_token": uuid.uuid4().hex})
    entry = Entry.objects.get()
    assert (entry.status, entry.reference, entry.nominator, entry.source, entry.internal_notes, entry.submitted_at) == (
        EntryStatus.DRAFT, None, nominator, "open", "", None)
    assert entry.edition == Edition.objects.get()


@pytest.mark.parametrize("token", ["not-a-uuid", "", "' OR 1=1 --", "0b7e6c4e-9a1f-4c3e-8d2b-5f6a7e8d9c0bx"])
def test_tampered_form_tokens_still_save_one_draft(logged_in, token):
    response = logged_in.post("/en/nominations/new/", {**full_form(), "action": "draft", "form_token": token})
    assert response.status_code == 302
    assert Entry.objects.count() == 1


@pytest.mark.parametrize("url", ["/en/nominations/999999/", "/en/nominations/999999/edit/", "/en/nominations/files/999999/",
                                 "/en/results/1900/", "/en/nominations/-1/", "/en/pages/no-such/"])
def test_tampered_ids_give_404(logged_in, url):
    assert logged_in.get(url).status_code == 404


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("big.pdf", b"%PDF-" + b"0" * 2048, "image"),
    ("x.pdf", b"%PDF", "report"),
    ("evil.exe.pdf", b"MZ\x90\x00" * 100, "report"),
    ("a" * 300 + ".pdf", None, "report"),
    ("\x00name.pdf", None, "report"),
    ("name.pdf", None, "not-a-kind"),
    ("photo.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 50, "image"),
    ("bomb.gif", b"GIF89a" + b"\x00" * 100, "image"),
])
def test_odd_uploads_are_answered_without_a_server_error(logged_in, nominator, name, content, kind, settings):
    entry = EntryFactory(edition=Edition.objects.get(), nominator=nominator)
    upload = SimpleUploadedFile(name, content) if content is not None else pdf_upload(name)
    response = logged_in.post(f"/en/nominations/{entry.pk}/attachments/", {"kind": kind, "file": upload})
    assert response.status_code in {302, 400}
    for attachment in Attachment.objects.all():  # anything accepted is a real PDF or image
        head = attachment.file.open("rb").read(8)
        assert head.startswith(b"%PDF-") or attachment.content_type.startswith("image/")
        assert "\x00" not in attachment.original_name and len(attachment.original_name) <= 150


def test_invalid_utf8_in_a_form_post_is_not_a_server_error(logged_in):
    response = logged_in.generic("POST", "/en/nominations/new/", b"title_en=" + BAD_UTF8 + b"&action=draft",
                                 content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


@pytest.mark.parametrize(("url", "data"), [
    ("/en/accounts/signup/", {"email": NUL, "full_name": NUL, "password1": "x", "password2": "y", "language": "xx"}),
    ("/en/accounts/signup/", {"email": "x@example.com", "full_name": LONG, "password1": "Aa1!" * 4,
                              "password2": "Aa1!" * 4, "language": "en"}),
    ("/en/accounts/login/", {"username": NUL, "password": NUL}),
    ("/en/accounts/login/", {"username": "x" * 10000, "password": "y"}),
    ("/en/accounts/password/reset/", {"email": NUL}),
    ("/en/accounts/profile/", {"full_name": NUL, "language": "xx"}),
])
def test_account_forms_refuse_broken_values(client, nominator, url, data):
    if "profile" in url:
        client.force_login(nominator)
    response = client.post(url, data)
    assert response.status_code in {200, 400}
    assert User.objects.count() == 1


def test_posts_without_csrf_token_are_refused_with_our_page(db, nominator):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(nominator)
    response = strict.post("/en/accounts/profile/", {"full_name": "x", "language": "en"})
    assert response.status_code == 403
    nominator.refresh_from_db()
    assert nominator.full_name != "x"


@pytest.mark.parametrize("values", [{"comment": NUL}, {"comment": ""}, {"comment": "ok", "criterion_1": "11"},
                                    {"comment": "ok", "criterion_1": "-5"}, {"comment": "ok", "criterion_1": "1.5"}])
def test_score_form_refuses_broken_values(client, db, values):
    call_command("seed_demo")
    expert = User.objects.get(email="expert1@example.com")
    entry = Entry.objects.filter(nominator__email="nominator@example.com", status="submitted").get()
    client.force_login(expert)
    response = client.post(f"/en/review/{entry.pk}/score/", values)
    assert response.status_code < 500

    assert Review.objects.count() == 0


def test_a_request_for_another_host_is_refused(client, db):
    response = client.get("/en/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.parametrize("next_url", ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com"])
def test_redirects_after_login_stay_on_our_host(client, nominator, next_url):
    response = client.post(f"/en/accounts/login/?next={next_url}", {"username": nominator.email,
                                                                    "password": "secret-Passw0rd!", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/en/nominations/"


def test_other_users_cannot_be_created_or_changed_through_signup_fields(client, db):
    victim = UserFactory(email="victim@example.com")
    client.post("/en/accounts/signup/", {"email": "new@example.com", "full_name": "N", "organisation": "",
                                         "language": "en", "password1": "Solid-State-2023!",
                                         "password2": "Solid-State-2023!", "is_staff": "on", "is_superuser": "on",
                                         "id": victim.pk})
    new = User.objects.get(email="new@example.com")
    assert not new.is_staff and not new.is_superuser and new.pk != victim.pk
