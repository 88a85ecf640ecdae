import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connections, transaction
from django.utils import timezone

from submissions.models import Category, Entry, EntryStatus, OutgoingMail, StatusChange
from submissions.services import demo
from submissions.services import entries as services
from submissions.services import mail as emails
from tests.factories import EntryFactory, UserFactory


def test_change_status_follows_the_workflow_and_logs_who_when_why(complete_entry, nominator, organiser,
                                                                     django_capture_on_commit_callbacks):
    services.submit_entry(entry=complete_entry, by=nominator)
    with pytest.raises(ValidationError):
        services.change_status(entry=complete_entry, to=EntryStatus.SELECTED, by=organiser)
    with pytest.raises(ValidationError):
        services.change_status(entry=complete_entry, to=EntryStatus.RETURNED, by=organiser, note="  ")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(entry=complete_entry, to=EntryStatus.ELIGIBLE, by=organiser, note="Formal check passed")
    complete_entry.refresh_from_db()
    assert complete_entry.status == EntryStatus.ELIGIBLE
    last = StatusChange.objects.filter(entry=complete_entry).last()
    assert (last.from_status, last.to_status, last.by, last.note) == ("submitted", "eligible", organiser,
                                                                       "Formal check passed")
    assert [m.to for m in mail.outbox] == [[nominator.email]]
    assert "通过形式审查" in mail.outbox[0].subject  # the nominator's language, not the organiser's


def test_status_mail_goes_out_in_english_for_an_english_account(edition, organiser, django_capture_on_commit_callbacks):
    english = UserFactory(language="en")
    entry = EntryFactory(edition=edition, nominator=english, with_materials=True)
    entry = services.submit_entry(entry=entry, by=english)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(entry=entry, to=EntryStatus.RETURNED, by=organiser, note="Add the test report")
    assert mail.outbox[0].subject == f"Your entry {entry.reference}: Returned for correction"
    assert "Add the test report" in mail.outbox[0].body


def test_references_count_per_edition_and_category(edition, nominator):
    innovative = Category.objects.get(code=Category.INNOVATIVE)
    refs = []
    for category in (None, innovative, None):
        entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True,
                             **({"category": category, "application_en": "In 10,000 buses."} if category else {}))
        refs.append(services.submit_entry(entry=entry, by=nominator).reference)
    year = edition.year
    assert refs == [f"WNEVC{year}-CE-0001", f"WNEVC{year}-IN-0001", f"WNEVC{year}-CE-0002"]


@pytest.mark.django_db(transaction=True)
def test_mail_server_failure_keeps_the_entry_and_the_queued_mail(client, settings):
    demo.build_reference_content()
    edition = demo.build_edition()
    nominator = UserFactory(language="en")
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    # A real SMTP connection to a port where nothing listens: connection refused.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    client.force_login(nominator)
    response = client.post(f"/en/nominations/{entry.pk}/submit/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED
    pending = OutgoingMail.objects.filter(sent_at__isnull=True)
    assert sorted(pending.values_list("to", flat=True)) == sorted([nominator.email, "secretariat@example.com"])
    assert all(m.attempts == 1 and m.last_error for m in pending)
    # The mail server is back: the retry command sends what was kept.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("send_pending_mail")
    assert OutgoingMail.objects.filter(sent_at__isnull=True).count() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted([nominator.email, "secretariat@example.com"])
    assert any(entry.reference in m.subject for m in mail.outbox)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_being_sent_by_another_server_is_left_to_it_and_sent_once():

    message = OutgoingMail.objects.create(to="nominee@example.com", subject="Entry received", body="…")
    other = OutgoingMail.objects.create(to="second@example.com", subject="Entry received", body="…")
    locked, release = threading.Event(), threading.Event()

    def other_server():  # another server's retry command, in the middle of sending `message`
        try:
            with transaction.atomic():
                OutgoingMail.objects.select_for_update().get(pk=message.pk)
                locked.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_server)
    thread.start()
    assert locked.wait(10)
    mail.outbox.clear()
    try:
        assert emails.send_pending() == (1, 0)  # `other` sent, `message` skipped, not counted as failed
        assert [m.to for m in mail.outbox] == [[other.to]]
        assert OutgoingMail.objects.get(pk=message.pk).sent_at is None
    finally:
        release.set()
        thread.join()
    assert emails.send_pending() == (1, 0)
    assert emails.send_pending() == (0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([message.to, other.to])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_reference_numbers_are_unique_under_20_concurrent_submissions():

    demo.build_reference_content()
    edition = demo.build_edition()
    entries = [EntryFactory(edition=edition, nominator=UserFactory(), with_materials=True) for _ in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def submit(entry):
        try:
            barrier.wait()
            services.submit_entry(entry=entry, by=entry.nominator)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=submit, args=(e,)) for e in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    references = list(Entry.objects.values_list("reference", flat=True))
    assert len(set(references)) == 20
    numbers = sorted(int(re.search(r"-(\d{4})$", r).group(1)) for r in references)
    assert numbers == list(range(1, 21))


def test_organisers_can_get_a_daily_digest_instead(complete_entry, nominator, settings,
                                                   django_capture_on_commit_callbacks):
    settings.ORGANISER_NOTIFICATIONS = "digest"
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.submit_entry(entry=complete_entry, by=nominator)
    assert [m.to for m in mail.outbox] == [[nominator.email]]  # no per-event notice
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_organiser_digest")
    digest = mail.outbox[-1]
    assert digest.to == ["secretariat@example.com"]
    assert entry.reference in digest.body
    assert emails.send_organiser_digest(timezone.now() + timedelta(hours=1)) == 0


def test_the_confirmation_mail_uses_the_punctuation_of_its_language(edition, django_capture_on_commit_callbacks):
    bodies = {}
    for language in ("zh-hans", "en"):
        user = UserFactory(language=language)
        entry = EntryFactory(edition=edition, nominator=user, with_materials=True)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            entry = services.submit_entry(entry=entry, by=user)
        bodies[language] = next(m.body for m in mail.outbox if m.to == [user.email])
        bodies[language + "-ref"] = entry.reference
    assert f"推荐编号：{bodies['zh-hans-ref']}" in bodies["zh-hans"]
    assert f"Reference number: {bodies['en-ref']}" in bodies["en"]
