"""Faults in the middle of a request: the database connection drops, the storage refuses a
write. Each time nothing is half-saved, no file is orphaned, the user reads a translated
"send it again" message (never a 500), and sending it again works.

On PostgreSQL the connection is really terminated (pg_terminate_backend from a second
connection) just before the chosen statement runs; SQLite has no server to lose, so there the
same statement fails with the OperationalError a failing disk gives."""

import re
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import OperationalError, connection

from submissions.models import (
    Attachment,
    Entry,
    EntryStatus,
    OutgoingMail,
    ReferenceCounter,
    StatusChange,
)
from submissions.services import demo
from tests.factories import EntryFactory, UserFactory, pdf_upload, png_upload
from tests.helpers import full_form

pytestmark = pytest.mark.django_db(transaction=True)


def _terminate_this_connection():
    params = connection.get_connection_params()
    killer = psycopg2.connect(**{k: v for k, v in params.items() if k in {"host", "port", "user", "password", "dbname"}})
    killer.autocommit = True
    with killer.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [connection.connection.info.backend_pid])
    killer.close()


class DropConnection:
    """Execute wrapper: once a statement matching `pattern` comes (after `after`, if given),
    lose the database connection instead of running it."""

    def __init__(self, pattern, after=None):
        self.pattern, self.after, self.armed, self.fired = re.compile(pattern), after and re.compile(after), not after, False

    def __call__(self, execute, sql, params, many, context):
        if not self.fired and self.armed and self.pattern.search(sql):
            self.fired = True
            if connection.vendor == "postgresql":
                _terminate_this_connection()  # the statement below then fails for real
            else:
                raise OperationalError("disk I/O error")
        if self.after and self.after.search(sql):
            self.armed = True
        return execute(sql, params, many, context)


@pytest.fixture
def open_edition():
    demo.build_reference_content()
    return demo.build_edition()


@pytest.fixture
def author(open_edition, client):
    user = UserFactory(email="fault@example.com", language="en")
    client.force_login(user)
    return user


def test_a_connection_lost_during_submission_saves_nothing_and_a_retry_submits(client, open_edition, author):
    entry = EntryFactory(edition=open_edition, nominator=author, with_materials=True)
    # The counter row is already allocated and StatusChange written when the entry's UPDATE runs.
    drop = DropConnection(r'^UPDATE "submissions_entry"')
    with connection.execute_wrapper(drop):
        response = client.post(f"/en/nominations/{entry.pk}/submit/", follow=True)
    assert drop.fired
    assert response.status_code == 200
    assert "could not be submitted because of a temporary problem. Nothing has changed" in response.content.decode()
    entry.refresh_from_db()
    assert (entry.status, entry.reference or "", entry.submitted_at) == (EntryStatus.DRAFT, "", None)
    assert not StatusChange.objects.filter(entry=entry).exists()
    assert not ReferenceCounter.objects.exists()
    assert not OutgoingMail.objects.exists()

    retry = client.post(f"/en/nominations/{entry.pk}/submit/", follow=True)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.reference == f"WNEVC{open_edition.year}-{entry.category.reference_code}-0001"
    assert entry.reference in retry.content.decode()
    assert StatusChange.objects.filter(entry=entry).count() == 1
    assert OutgoingMail.objects.filter(to=author.email).count() == 1


def test_a_connection_lost_while_saving_the_form_keeps_what_was_typed_and_saves_nothing(client, author):
    data = {**full_form(), "action": "draft", "form_token": uuid.uuid4().hex}
    # Lose the connection after the entry row is written, while its rows and history are saved.
    drop = DropConnection(r"^INSERT INTO ", after=r'^INSERT INTO "submissions_entry"')
    with connection.execute_wrapper(drop):
        response = client.post("/en/nominations/new/", data)
    assert drop.fired
    assert response.status_code == 503
    html = response.content.decode()
    assert "Your changes could not be saved because of a temporary problem. Please send the form again." in html
    assert data["title_en"] in html  # the form comes back filled in
    assert Entry.objects.count() == 0
    assert Entry.history.count() == 0

    again = client.post("/en/nominations/new/", data)
    assert again.status_code == 302
    entry = Entry.objects.get()
    assert entry.title_en == data["title_en"]


@pytest.mark.parametrize("lang, text", [
    ("en", "nothing from this request was saved"),
    ("zh-hans", "本次操作没有保存任何内容"),
])
def test_a_connection_lost_on_any_other_page_gives_the_bilingual_retry_page(client, open_edition, author, lang, text):
    entry = EntryFactory(edition=open_edition, nominator=author)
    drop = DropConnection(r'FROM "submissions_entry"')
    with connection.execute_wrapper(drop):
        response = client.get(f"/{lang}/nominations/{entry.pk}/")
    assert drop.fired
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert text in response.content.decode()
    connection.close()  # the test client keeps the connection across requests; a server would not
    assert client.get(f"/{lang}/nominations/{entry.pk}/").status_code == 200


def _files_under(root: Path):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("lang, message", [
    ("en", "The file could not be stored because of a temporary problem. Nothing has been saved"),
    ("zh-hans", "文件因临时故障未能保存"),
])
def test_a_storage_write_failure_leaves_no_attachment_and_no_file(client, open_edition, author, settings, lang, message):
    entry = EntryFactory(edition=open_edition, nominator=author)
    root = Path(settings.MEDIA_ROOT)
    blocker = root / "entries" / str(entry.pk)  # a plain file where the entry's folder must go
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"")
    response = client.post(f"/{lang}/nominations/{entry.pk}/attachments/", {"kind": "report", "file": pdf_upload()})
    assert response.status_code == 503
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert _files_under(root) == [f"entries/{entry.pk}"]

    blocker.unlink()
    assert client.post(f"/{lang}/nominations/{entry.pk}/attachments/",
                       {"kind": "report", "file": pdf_upload()}).status_code == 302
    assert Attachment.objects.count() == 1


def test_a_failure_after_the_file_was_written_removes_it(client, open_edition, author, settings):
    """The image is stored, then its thumbnail cannot be: the stored image must not stay behind."""
    entry = EntryFactory(edition=open_edition, nominator=author)
    root = Path(settings.MEDIA_ROOT)
    (root / "entries" / str(entry.pk)).mkdir(parents=True)
    (root / "entries" / str(entry.pk) / "thumbs").write_bytes(b"")  # thumbnails cannot be written
    response = client.post(f"/en/nominations/{entry.pk}/attachments/", {"kind": "image", "file": png_upload()})
    assert response.status_code == 503
    assert not Attachment.objects.exists()
    assert _files_under(root) == [f"entries/{entry.pk}/thumbs"]  # only our blocker: the image was removed
