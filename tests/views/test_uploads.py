import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from submissions.models import Attachment
from submissions.services.entries import submit_entry
from tests.factories import EntryFactory, pdf_upload, png_upload


@pytest.fixture
def draft(edition, nominator):
    return EntryFactory(edition=edition, nominator=nominator)


def post_file(client, entry, kind, upload, lang="en", **extra):
    return client.post(f"/{lang}/nominations/{entry.pk}/attachments/", {"kind": kind, "file": upload, **extra})


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_pdf_report_is_stored_under_a_random_name_outside_static(nominator_client, draft, settings):
    response = post_file(nominator_client, draft, "report", pdf_upload("技术报告 final.pdf"))
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == "技术报告 final.pdf"
    assert attachment.content_type == "application/pdf"
    assert "技术报告" not in attachment.file.name and attachment.file.name.endswith(".pdf")
    assert len(attachment.sha256) == 64
    path = Path(attachment.file.path)
    assert path.is_file() and Path(settings.MEDIA_ROOT) in path.parents
    assert Path(settings.STATIC_ROOT) not in path.parents


def test_an_image_gets_a_thumbnail_caption_and_publication_flag(nominator_client, draft):
    post_file(nominator_client, draft, "image", png_upload("photo.PNG"), caption_zh_hans="样品", caption_en="Sample",
              may_publish="on")
    image = Attachment.objects.get()
    assert (image.content_type, image.caption_en, image.may_publish) == ("image/png", "Sample", True)
    with Image.open(image.thumbnail.path) as thumbnail:
        assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 480


def jpeg_named(name):
    out = io.BytesIO()
    Image.new("RGB", (50, 50), (200, 10, 10)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue())


BAD_FILES = [
    ("report", SimpleUploadedFile("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 2000), "This file is not a PDF document."),
    ("report", SimpleUploadedFile("report.pdf", b""), "The submitted file is empty."),
    ("report", jpeg_named("report.pdf"), "This file is not a PDF document."),
    ("image", SimpleUploadedFile("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
     "This file is not a JPEG, PNG or WebP image."),
    ("image", SimpleUploadedFile("page.png", b"<html><script>alert(1)</script></html>"),
     "This file is not a JPEG, PNG or WebP image."),
    ("image", SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n" + b"garbage" * 100), "This image is damaged"),
    ("image", pdf_upload("scan.png"), "Please upload an image (JPEG, PNG or WebP) here."),
    ("other", SimpleUploadedFile("archive.pdf", b"PK\x03\x04" + b"\x00" * 100), "This file is not a PDF document."),
    ("letter", SimpleUploadedFile("letter.docx", b"PK\x03\x04" + b"\x00" * 100),
     "This file is neither a PDF nor a JPEG, PNG or WebP image."),
]


@pytest.mark.parametrize(("kind", "upload", "message"), BAD_FILES)
def test_files_are_checked_by_content_and_refused_with_a_message(nominator_client, draft, settings, kind, upload, message):
    response = post_file(nominator_client, draft, kind, upload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Attachment.objects.count() == 0
    assert stored_files(settings) == []


def test_refusal_messages_are_translated(nominator_client, draft):
    response = post_file(nominator_client, draft, "report", SimpleUploadedFile("x.pdf", b"MZ" * 100), lang="zh-hans")
    assert "PDF" in response.content.decode()
    assert "This file is not a PDF document." not in response.content.decode()


def test_a_file_over_the_size_limit_is_refused(nominator_client, draft, settings):
    settings.ENTRY_UPLOAD_MAX_BYTES = 100
    response = post_file(nominator_client, draft, "report", pdf_upload())
    assert "This file is larger than 100\xa0bytes." in response.content.decode()
    assert Attachment.objects.count() == 0


def test_all_files_together_may_not_exceed_the_entry_limit(nominator_client, draft, settings):
    settings.ENTRY_TOTAL_MAX_BYTES = len(pdf_upload().read()) + 10
    assert post_file(nominator_client, draft, "report", pdf_upload()).status_code == 302
    response = post_file(nominator_client, draft, "other", pdf_upload("second.pdf"))
    assert "All files of an entry together may not exceed" in response.content.decode()
    assert Attachment.objects.count() == 1


def test_a_decompression_bomb_is_refused_before_any_thumbnail(nominator_client, draft, settings):
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 megapixels in a few kilobytes
    response = post_file(nominator_client, draft, "image", SimpleUploadedFile("bomb.png", out.getvalue()))
    assert response.status_code == 400
    assert "This image has too many pixels (at most 40 megapixels)" in response.content.decode()
    assert stored_files(settings) == []


def test_path_traversal_file_names_are_neutralised(nominator_client, draft, settings):
    post_file(nominator_client, draft, "report", pdf_upload("../../../etc/passwd.pdf"))
    post_file(nominator_client, draft, "other", pdf_upload("..\\..\\windows\\evil\x07name.pdf"))
    names = sorted(Attachment.objects.values_list("original_name", flat=True))
    assert names == ["evilname.pdf", "passwd.pdf"]
    for attachment in Attachment.objects.all():
        assert Path(settings.MEDIA_ROOT) in Path(attachment.file.path).resolve().parents


def test_at_most_five_images(nominator_client, draft, settings):
    for number in range(5):
        assert post_file(nominator_client, draft, "image", png_upload(f"{number}.png")).status_code == 302
    response = post_file(nominator_client, draft, "image", png_upload("6.png"))
    assert "At most 5 files of this kind can be attached." in response.content.decode()
    assert draft.attachments.count() == 5
    assert len(stored_files(settings)) == 10  # five images and their thumbnails, nothing more


def test_a_new_report_replaces_the_old_one_and_its_file(nominator_client, draft, settings,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_file(nominator_client, draft, "report", pdf_upload("v1.pdf"))
        old_path = Path(Attachment.objects.get().file.path)
        post_file(nominator_client, draft, "report", pdf_upload("v2.pdf"))
    assert list(Attachment.objects.values_list("original_name", flat=True)) == ["v2.pdf"]
    assert not old_path.exists()


def test_removing_a_file_deletes_it(nominator_client, draft, settings, django_capture_on_commit_callbacks):
    post_file(nominator_client, draft, "image", png_upload())
    attachment = Attachment.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        nominator_client.post(f"/en/nominations/{draft.pk}/attachments/{attachment.pk}/delete/")
    assert Attachment.objects.count() == 0
    assert stored_files(settings) == []


def test_a_submitted_entry_keeps_its_required_files(nominator_client, complete_entry, nominator):
    submit_entry(entry=complete_entry, by=nominator)
    report = complete_entry.attachments.get(kind="report")
    response = nominator_client.post(f"/en/nominations/{complete_entry.pk}/attachments/{report.pk}/delete/", follow=True)
    assert "A submitted entry must keep its required files" in response.content.decode()
    assert complete_entry.attachments.filter(kind="report").exists()
    assert Path(report.file.path).exists()


def test_downloads_are_attachments_with_nosniff_for_the_owner(nominator_client, complete_entry):
    report = complete_entry.attachments.get(kind="report")
    response = nominator_client.get(f"/en/nominations/files/{report.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "report.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_nobody_else_sees_an_entry_or_its_files(client, complete_entry, other_nominator):
    report = complete_entry.attachments.get(kind="report")
    image = complete_entry.attachments.get(kind="image")
    urls = [f"/en/nominations/{complete_entry.pk}/", f"/en/nominations/{complete_entry.pk}/edit/",
            f"/en/nominations/{complete_entry.pk}/print/", f"/en/nominations/{complete_entry.pk}/attachments/",
            f"/en/nominations/files/{report.pk}/", f"/en/nominations/files/{image.pk}/thumbnail/"]
    for url in urls:  # anonymous: sent to the login page
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
    client.force_login(other_nominator)
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in (f"/en/nominations/{complete_entry.pk}/submit/", f"/en/nominations/{complete_entry.pk}/withdraw/",
                f"/en/nominations/{complete_entry.pk}/attachments/{report.pk}/delete/"):
        assert client.post(url).status_code == 404, url
    assert complete_entry.attachments.count() == 2


def test_organisers_can_download_any_file(client, complete_entry, organiser):
    client.force_login(organiser)
    report = complete_entry.attachments.get(kind="report")
    assert client.get(f"/en/nominations/files/{report.pk}/").status_code == 200


def test_the_same_image_sent_twice_is_stored_once(nominator_client, draft, settings):
    """An upload whose answer was lost (dropped connection, server restart) is sent again."""
    first = png_upload()
    assert post_file(nominator_client, draft, "image", first).status_code == 302
    first.seek(0)
    assert post_file(nominator_client, draft, "image", first).status_code == 302
    assert Attachment.objects.filter(entry=draft, kind="image").count() == 1
    assert len([p for p in stored_files(settings) if "thumbs" not in p.parts]) == 1
    other = png_upload("other.png", color=(200, 30, 30))  # a different image
    assert post_file(nominator_client, draft, "image", other).status_code == 302
    assert Attachment.objects.filter(entry=draft, kind="image").count() == 2
