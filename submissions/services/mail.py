"""Outgoing e-mail. Every message is stored as an OutgoingMail row inside the caller's
transaction and sent after commit; when the mail server fails the row stays unsent and
`manage.py send_pending_mail` retries it. Messages are written in the recipient's language."""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ..models import EntryStatus, OutgoingMail, StatusChange

log = logging.getLogger(__name__)


def _clean_header(text: str) -> str:
    # User text (technology names) ends up in subjects: no line breaks in a header, ever.
    return " ".join(str(text).split())[:250]


def queue_mail(*, to: str, subject: str, body: str) -> OutgoingMail:
    mail = OutgoingMail.objects.create(to=to, subject=_clean_header(subject), body=body)
    transaction.on_commit(lambda: send_mail_now(mail.pk))
    return mail


def send_mail_now(pk: int) -> bool | None:
    """Try to send one stored message and record the outcome; never raises. Returns None when there
    is nothing to do: already sent, or being sent right now by another process (the row is locked
    while it is sent, so two servers running the retry command never send a message twice)."""
    with transaction.atomic():
        mail = OutgoingMail.objects.select_for_update(skip_locked=True).filter(pk=pk, sent_at__isnull=True).first()
        if mail is None:
            return None
        try:
            EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to]).send(fail_silently=False)
        except Exception as exc:  # any SMTP/socket error: keep the message for the retry command
            log.warning("Mail %s to %s not sent: %s", mail.pk, mail.to, exc)
            OutgoingMail.objects.filter(pk=mail.pk).update(attempts=mail.attempts + 1, last_error=str(exc)[:2000])
            return False
        OutgoingMail.objects.filter(pk=mail.pk).update(attempts=mail.attempts + 1, sent_at=timezone.now(),
                                                       last_error="")
        return True


def send_pending() -> tuple[int, int]:
    """Send every unsent message; returns (sent, still pending). Messages another process is
    sending at the same moment are left to it and not counted."""
    sent = failed = 0
    for pk in OutgoingMail.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        outcome = send_mail_now(pk)
        sent += outcome is True
        failed += outcome is False
    return sent, failed


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _render(template: str, language: str, context: dict) -> tuple[str, str]:
    with translation.override(language):
        body = render_to_string(template, context)
        subject = context["subject"]
    return str(subject), body


def send_confirmation_link(user, token: str):
    with translation.override(user.language):
        context = {
            "user": user,
            "link": absolute(reverse("submissions:confirm_email", args=[token])),
            "subject": gettext("Confirm your e-mail address for the WNEVC technology selection"),
        }
        subject, body = _render("emails/confirm_email.txt", user.language, context)
    queue_mail(to=user.email, subject=subject, body=body)


def send_entry_received(entry, *, resubmitted: bool = False):
    user = entry.nominator
    with translation.override(user.language):
        if resubmitted:
            subject = gettext("Corrected entry received: %(reference)s") % {"reference": entry.reference}
        else:
            subject = gettext("Entry received: %(reference)s") % {"reference": entry.reference}
        context = {"entry": entry, "user": user, "resubmitted": resubmitted, "subject": subject,
                   "link": absolute(reverse("submissions:entry_detail", args=[entry.pk]))}
        subject, body = _render("emails/entry_received.txt", user.language, context)
    queue_mail(to=user.email, subject=subject, body=body)


def send_status_changed(entry, change):
    user = entry.nominator
    with translation.override(user.language):
        subject = gettext("Your entry %(reference)s: %(status)s") % {
            "reference": entry.reference or entry.pk, "status": entry.get_status_display()}
        context = {"entry": entry, "user": user, "change": change, "subject": subject,
                   "link": absolute(reverse("submissions:entry_detail", args=[entry.pk]))}
        subject, body = _render("emails/status_changed.txt", user.language, context)
    queue_mail(to=user.email, subject=subject, body=body)


def notify_organisers(entry, change):
    """Per-event notice to the secretariat of submissions and withdrawals, unless the setting
    ORGANISER_NOTIFICATIONS asks for the daily digest (`manage.py send_organiser_digest`)."""
    if settings.ORGANISER_NOTIFICATIONS != "event":
        return
    for address in settings.ORGANISER_EMAILS:
        with translation.override(settings.LANGUAGE_CODE):
            subject = gettext("%(reference)s: %(status)s") % {
                "reference": entry.reference or entry.pk, "status": entry.get_status_display()}
            context = {"entry": entry, "change": change, "subject": subject,
                       "link": absolute(reverse("admin:submissions_entry_change", args=[entry.pk]))}
            subject, body = _render("emails/organiser_notice.txt", settings.LANGUAGE_CODE, context)
        queue_mail(to=address, subject=subject, body=body)


def send_organiser_digest(since) -> int:
    """One message per organiser listing the submissions and withdrawals since `since`."""
    changes = list(StatusChange.objects.filter(at__gte=since, to_status__in=[EntryStatus.SUBMITTED,
                                                                            EntryStatus.WITHDRAWN])
                   .select_related("entry").order_by("at"))
    if not changes:
        return 0
    for address in settings.ORGANISER_EMAILS:
        with translation.override(settings.LANGUAGE_CODE):
            subject = gettext("WNEVC daily digest: %(count)d changes") % {"count": len(changes)}
            context = {"changes": changes, "subject": subject,
                       "link": absolute(reverse("admin:submissions_entry_changelist"))}
            subject, body = _render("emails/organiser_digest.txt", settings.LANGUAGE_CODE, context)
        queue_mail(to=address, subject=subject, body=body)
    return len(changes)
