"""The workflow of an entry. Every status change goes through `_move()`, which checks the
transition table of rules.py, logs who/when/why and leaves the e-mails to the callers; views and
the admin call these functions by name and never set `Entry.status` themselves."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import page_cache, rules
from ..enums import EntryStatus
from ..models import Edition, Entry, ReferenceCounter, StatusChange
from ..selectors.completeness import ensure_complete
from . import mail as emails

S = EntryStatus
HISTORY_REASON_LENGTH = 100  # history_change_reason's max_length


# --- Status changes ------------------------------------------------------------------------------
def _allocate_reference(entry: Entry) -> str:
    # The counter row is created once (ignore_conflicts is safe under races) and then locked;
    # on SQLite the IMMEDIATE transaction already serialises writers.
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(edition_id=entry.edition_id, category_id=entry.category_id)], ignore_conflicts=True)
    counter = ReferenceCounter.objects.select_for_update().get(edition_id=entry.edition_id,
                                                               category_id=entry.category_id)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return f"WNEVC{entry.edition.year}-{entry.category.reference_code}-{counter.last_number:04d}"


def _forbidden(entry: Entry, to: str) -> ValidationError:
    return ValidationError(_("An entry that is “%(current)s” cannot become “%(target)s”."), code="transition",
                           params={"current": S(entry.status).label,  # lazy: both in the reader's language
                                   "target": S(to).label})


def history_reason(text: str) -> str:
    """django-simple-history keeps the reason in a varchar(100): the full note stays in
    StatusChange.note, the history gets it shortened with an ellipsis (PostgreSQL refuses longer),
    the same in every language."""
    return text if len(text) <= HISTORY_REASON_LENGTH else text[:HISTORY_REASON_LENGTH - 1] + "…"


def _move(entry: Entry, to: str, *, by, table, note: str = "") -> StatusChange:
    """The one place an entry's status changes: `table` is rules.NOMINATOR_MOVES or
    rules.ORGANISER_MOVES; a move it does not list raises ValidationError before anything is
    written (the callers' own checks give the friendlier messages first)."""
    if to not in table.get(entry.status, ()):
        raise _forbidden(entry, to)
    change = StatusChange.objects.create(entry=entry, from_status=entry.status, to_status=to, by=by, note=note)
    entry.status = to
    entry._history_user = by  # django-simple-history: who and why, also outside a request
    entry._change_reason = history_reason(note or f"{change.from_status} → {to}")
    return change


def refresh_public_pages(entry: Entry):
    """Entries show to visitors only on the results page of a published edition."""
    if entry.edition.results_published:
        page_cache.invalidate_on_commit()


def _locked(entry: Entry) -> Entry:
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer join to category.
    return Entry.objects.select_for_update(of=("self",)).select_related("edition", "category", "nominator").get(pk=entry.pk)


def submit_entry(*, entry: Entry, by) -> Entry:
    """Move a draft or returned entry to SUBMITTED, allocate its reference number on first
    submission, e-mail the nominator and the secretariat after commit.
    Raises ValidationError, saving nothing, if the entry is locked, closed or incomplete."""
    with transaction.atomic():
        entry = _locked(entry)
        if entry.status == S.SUBMITTED:
            raise ValidationError(_("This entry has already been submitted."), code="already_submitted")
        if not rules.can_submit(entry):
            raise ValidationError(_("This entry can no longer be submitted."), code="locked")
        if not entry.nominator.email_confirmed:
            raise ValidationError(_("Please confirm your e-mail address before submitting."), code="unconfirmed")
        ensure_complete(entry)
        resubmitted = entry.status == S.RETURNED
        if not entry.reference:
            entry.reference = _allocate_reference(entry)
        change = _move(entry, S.SUBMITTED, by=by, table=rules.NOMINATOR_MOVES,
                       note=str(_("Resubmitted after correction")) if resubmitted else "")
        entry.submitted_at = entry.submitted_at or timezone.now()
        entry.correction_deadline = None
        entry.save(update_fields=["status", "reference", "submitted_at", "correction_deadline", "updated_at"])
        emails.send_entry_received(entry, resubmitted=resubmitted)
        emails.notify_organisers(entry, change)
    return entry


def withdraw_entry(*, entry: Entry, by, note: str = "") -> Entry:
    """SUBMITTED → WITHDRAWN while the edition is open; the secretariat is told."""
    with transaction.atomic():
        entry = _locked(entry)
        if not rules.can_withdraw(entry):
            raise ValidationError(_("This entry can no longer be withdrawn."), code="locked")
        change = _move(entry, S.WITHDRAWN, by=by, table=rules.NOMINATOR_MOVES, note=note)
        entry.save(update_fields=["status", "updated_at"])
        emails.notify_organisers(entry, change)
    return entry


def reopen_entry(*, entry: Entry, by) -> Entry:
    """WITHDRAWN → DRAFT while the edition is open, keeping the reference number."""
    with transaction.atomic():
        entry = _locked(entry)
        if not rules.can_reopen(entry):
            raise ValidationError(_("This entry can no longer be reopened."), code="locked")
        _move(entry, S.DRAFT, by=by, table=rules.NOMINATOR_MOVES)
        entry.save(update_fields=["status", "updated_at"])
    return entry


def change_status(*, entry: Entry, to: str, by, note: str = "", correction_deadline=None) -> Entry:
    """An organiser's decision (formal check, shortlist, selection). The nominator is told
    by e-mail in their language. Raises ValidationError for a move the workflow forbids."""
    with transaction.atomic():
        entry = _locked(entry)
        if not rules.organiser_may_move(entry.status, to):
            raise _forbidden(entry, to)
        if to == S.RETURNED:
            if not note.strip():
                raise ValidationError(_("Please tell the nominator what to correct."), code="note_required")
            entry.correction_deadline = correction_deadline
        change = _move(entry, to, by=by, table=rules.ORGANISER_MOVES, note=note)
        entry.save(update_fields=["status", "correction_deadline", "updated_at"])
        emails.send_status_changed(entry, change)
        refresh_public_pages(entry)
    return entry


# --- Content and files ---------------------------------------------------------------------------
def save_entry(*, form, formsets, user, edition) -> Entry:
    """Save the form and its row formsets in one transaction. A submitted entry must stay
    complete: if the change would leave something required missing, nothing is saved."""
    with transaction.atomic():
        entry = form.save(commit=False)
        if entry.pk is None:
            entry.nominator = user
            entry.edition = edition
        entry.save()
        for formset in formsets:
            formset.instance = entry
            formset.save()
        if entry.status == S.SUBMITTED:
            ensure_complete(entry)
        refresh_public_pages(entry)
    return entry


def save_entry_by_organiser(*, entry: Entry, by, created: bool) -> Entry:
    """An organiser's edit in the admin (the form's values already on `entry`). A new entry is
    the secretariat's: its nominator is the organiser and its edition the current one (its
    source is the one chosen in the form). The status is never set here (see change_status)."""
    with transaction.atomic():
        if created:
            entry.nominator = by
            entry.edition = Edition.objects.current()
        entry._history_user = by
        entry.save()
        refresh_public_pages(entry)
    return entry


def save_entry_rows_by_organiser(*, entry: Entry, formsets, by) -> Entry:
    """The admin's row formsets of an entry (co-applicants, indicators, IP, awards, contributors)."""
    with transaction.atomic():
        for formset in formsets:
            formset.save()
        refresh_public_pages(entry)
    return entry


def delete_entries(entries, *, by=None):
    """Delete entries one by one (the history records each; files go with their rows' cascade)."""
    with transaction.atomic():
        for entry in list(entries):
            entry._history_user = by
            refresh_public_pages(entry)
            entry.delete()
