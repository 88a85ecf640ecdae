"""The workflow of an entry. Every status change goes through `_move()`, which checks the
transition table, logs who/when/why and queues the e-mails; views and the admin call these
functions by name and never set `Entry.status` themselves."""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from PIL import Image

from . import emails
from .forms import EntryForm
from .models import (
    Attachment,
    AttachmentKind,
    Category,
    Entry,
    EntryStatus,
    Maturity,
    RecommenderType,
    ReferenceCounter,
    StatusChange,
)
from .validators import clean_filename, inspect_upload

S = EntryStatus
ORGANISER_MOVES = {
    S.SUBMITTED: {S.ELIGIBLE, S.RETURNED, S.INELIGIBLE},
    S.ELIGIBLE: {S.SHORTLISTED, S.RETURNED, S.INELIGIBLE},
    S.SHORTLISTED: {S.SELECTED, S.NOT_SELECTED, S.RETURNED},
}
NOMINATOR_MOVES = {
    S.DRAFT: {S.SUBMITTED},
    S.RETURNED: {S.SUBMITTED},
    S.SUBMITTED: {S.WITHDRAWN},
    S.WITHDRAWN: {S.DRAFT},
}


# --- What may be done now ------------------------------------------------------------------------
def can_edit(entry: Entry, now=None) -> bool:
    """Nominators edit drafts and submitted entries while the edition is open, and returned
    entries until their correction deadline."""
    now = now or timezone.now()
    if entry.status == S.RETURNED:
        return entry.correction_deadline is None or now < entry.correction_deadline
    return entry.status in {S.DRAFT, S.SUBMITTED} and entry.edition.is_open(now)


def can_withdraw(entry: Entry, now=None) -> bool:
    return entry.status == S.SUBMITTED and entry.edition.is_open(now)


def can_reopen(entry: Entry, now=None) -> bool:
    return entry.status == S.WITHDRAWN and entry.edition.is_open(now)


def can_submit(entry: Entry, now=None) -> bool:
    return entry.status in {S.DRAFT, S.RETURNED} and can_edit(entry, now)


# --- Completeness --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Missing:
    section: str  # "category", "organisation", "contact", "technology", "recommendation", "attachments", "declarations"
    field: str  # form field name (or attachment kind) the message belongs to
    message: str


def _blank(value) -> bool:
    return value is None or not str(value).strip()  # str() also covers django-countries' Country


BOTH_LANGUAGES = [("category", "title"), ("technology", "summary"), ("technology", "innovations")]
ONE_LANGUAGE = [("organisation", "org_name"), ("organisation", "org_address"),
                ("technology", "indicators_text"), ("technology", "prospects")]
REQUIRED = [
    ("category", "category"), ("category", "technical_field"),
    ("organisation", "org_country"), ("organisation", "org_type"),
    ("contact", "contact_name"), ("contact", "contact_position"), ("contact", "contact_email"),
    ("contact", "contact_mobile"), ("contact", "contact_language"),
    ("technology", "maturity"), ("recommendation", "recommended_by"),
    ("declarations", "signatory_name"), ("declarations", "signatory_position"),
]


def _label(field: str) -> str:
    return str(Entry._meta.get_field(field).verbose_name)


def missing_items(entry: Entry) -> list[Missing]:
    """Everything that must still be given before the entry can be submitted, in form order.
    Messages name the field and, for bilingual fields, the language."""
    items: list[Missing] = []
    for section, field in BOTH_LANGUAGES:
        for lang in ("zh_hans", "en"):
            if _blank(getattr(entry, f"{field}_{lang}")):
                # The form's own label ("Summary (English)"), so the message matches the field.
                label = EntryForm.BILINGUAL_LABELS[field][0 if lang == "zh_hans" else 1]
                items.append(Missing(section, f"{field}_{lang}", str(_("%(field)s is required.") % {"field": label})))
    for section, field in REQUIRED:
        if _blank(getattr(entry, field if not field.endswith(("category", "technical_field")) else f"{field}_id")):
            items.append(Missing(section, field, str(_("%(field)s is required.") % {"field": capfirst(_label(field))})))
    for section, field in ONE_LANGUAGE:
        if _blank(getattr(entry, f"{field}_zh_hans")) and _blank(getattr(entry, f"{field}_en")):
            items.append(Missing(section, f"{field}_zh_hans", str(
                _("%(field)s is required in at least one language.") % {"field": capfirst(_label(field))})))
    if entry.category_id and entry.category.code == Category.INNOVATIVE:
        if _blank(entry.application_zh_hans) and _blank(entry.application_en):
            items.append(Missing("technology", "application_zh_hans", str(
                _("Application and industrialisation status is required for innovative technologies."))))
    if entry.recommended_by and entry.recommended_by != RecommenderType.SELF:
        for field in ("recommender_name", "recommender_email"):
            if _blank(getattr(entry, field)):
                items.append(Missing("recommendation", field, str(
                    _("%(field)s is required unless the entry is self-nominated.") % {
                        "field": capfirst(_label(field))})))
        if _blank(entry.statement_zh_hans) and _blank(entry.statement_en):
            items.append(Missing("recommendation", "statement_zh_hans", str(
                _("The recommendation statement is required unless the entry is self-nominated."))))
    kinds = {a.kind for a in entry.attachments.all()}
    if AttachmentKind.REPORT not in kinds:
        items.append(Missing("attachments", AttachmentKind.REPORT, str(_("The technical report (PDF) is missing."))))
    if AttachmentKind.IMAGE not in kinds:
        items.append(Missing("attachments", AttachmentKind.IMAGE, str(_("At least one image is required."))))
    if entry.recommended_by and entry.recommended_by != RecommenderType.SELF and AttachmentKind.LETTER not in kinds:
        items.append(Missing("attachments", AttachmentKind.LETTER, str(
            _("The signed recommendation letter is missing (required unless self-nominated)."))))
    for field in Entry.DECLARATION_FIELDS:
        if not getattr(entry, field):
            items.append(Missing("declarations", field, str(
                _("Please confirm: %(declaration)s") % {"declaration": _label(field)})))
    return items


def maturity_warning(entry: Entry) -> str:
    """Category × maturity gives a warning, never a block (FORM.md §A)."""
    if not (entry.category_id and entry.maturity):
        return ""
    early = {Maturity.RESEARCH, Maturity.LAB_PROTOTYPE}
    if entry.category.code == Category.INNOVATIVE and entry.maturity in early:
        return str(_("Innovative technologies are usually already applied in vehicles; please check the "
                     "category or the maturity."))
    if entry.category.code == Category.CUTTING_EDGE and entry.maturity == Maturity.MASS_PRODUCTION:
        return str(_("Cutting-edge technologies are usually still at the research stage; a technology in "
                     "mass production may belong to the innovative category."))
    return ""


def ensure_complete(entry: Entry):
    if missing := missing_items(entry):
        raise ValidationError([ValidationError(m.message, code="incomplete") for m in missing])


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


def _move(entry: Entry, to: str, *, by, note: str = "") -> StatusChange:
    change = StatusChange.objects.create(entry=entry, from_status=entry.status, to_status=to, by=by, note=note)
    entry.status = to
    entry._history_user = by  # django-simple-history: who and why, also outside a request
    entry._change_reason = note or f"{change.from_status} → {to}"
    return change


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
        if not can_submit(entry):
            raise ValidationError(_("This entry can no longer be submitted."), code="locked")
        if not entry.nominator.email_confirmed:
            raise ValidationError(_("Please confirm your e-mail address before submitting."), code="unconfirmed")
        ensure_complete(entry)
        resubmitted = entry.status == S.RETURNED
        if not entry.reference:
            entry.reference = _allocate_reference(entry)
        change = _move(entry, S.SUBMITTED, by=by,
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
        if not can_withdraw(entry):
            raise ValidationError(_("This entry can no longer be withdrawn."), code="locked")
        change = _move(entry, S.WITHDRAWN, by=by, note=note)
        entry.save(update_fields=["status", "updated_at"])
        emails.notify_organisers(entry, change)
    return entry


def reopen_entry(*, entry: Entry, by) -> Entry:
    """WITHDRAWN → DRAFT while the edition is open, keeping the reference number."""
    with transaction.atomic():
        entry = _locked(entry)
        if not can_reopen(entry):
            raise ValidationError(_("This entry can no longer be reopened."), code="locked")
        _move(entry, S.DRAFT, by=by)
        entry.save(update_fields=["status", "updated_at"])
    return entry


def change_status(*, entry: Entry, to: str, by, note: str = "", correction_deadline=None) -> Entry:
    """An organiser's decision (formal check, shortlist, selection). The nominator is told
    by e-mail in their language. Raises ValidationError for a move the workflow forbids."""
    with transaction.atomic():
        entry = _locked(entry)
        if to not in ORGANISER_MOVES.get(entry.status, set()):
            raise ValidationError(
                _("An entry that is “%(current)s” cannot become “%(target)s”."), code="transition",
                params={"current": entry.get_status_display(), "target": S(to).label})
        if to == S.RETURNED:
            if not note.strip():
                raise ValidationError(_("Please tell the nominator what to correct."), code="note_required")
            entry.correction_deadline = correction_deadline
        change = _move(entry, to, by=by, note=note)
        entry.save(update_fields=["status", "correction_deadline", "updated_at"])
        emails.send_status_changed(entry, change)
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
    return entry


ATTACHMENT_RULES = {
    # kind: (PDF allowed, image allowed, how many at most; None = setting)
    AttachmentKind.REPORT: (True, False, 1),
    AttachmentKind.IMAGE: (False, True, None),
    AttachmentKind.LETTER: (True, True, 1),
    AttachmentKind.PLEDGE: (True, True, 1),
    AttachmentKind.IP_CERTIFICATE: (True, False, None),
    AttachmentKind.TEST_REPORT: (True, False, None),
    AttachmentKind.APPLICATION_EVIDENCE: (True, False, None),
    AttachmentKind.OTHER: (True, False, None),
}
SINGLE_KINDS = {kind for kind, rule in ATTACHMENT_RULES.items() if rule[2] == 1}


def _limit(kind) -> int:
    rule = ATTACHMENT_RULES[kind][2]
    if rule is not None:
        return rule
    return settings.ENTRY_MAX_IMAGES if kind == AttachmentKind.IMAGE else settings.ENTRY_MAX_SUPPORTING


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _thumbnail(upload) -> ContentFile:
    upload.seek(0)
    with Image.open(upload) as image:
        image = image.convert("RGB")
        image.thumbnail((480, 480))
        out = io.BytesIO()
        image.save(out, "JPEG", quality=82)
    upload.seek(0)
    return ContentFile(out.getvalue(), name="thumb.jpg")


def add_attachment(*, entry: Entry, kind: str, upload, caption_zh_hans="", caption_en="", may_publish=False) -> Attachment:
    """Check the file by its content and store it under a random name. A single-file kind
    (report, letter, pledge) replaces the previous file. Raises ValidationError; on any failure
    neither a row nor a stored file is left behind."""
    allow_pdf, allow_image, _count = ATTACHMENT_RULES[kind]
    content_type, suffix = inspect_upload(upload, allow_pdf=allow_pdf, allow_image=allow_image)
    stored = []
    try:
        with transaction.atomic():
            entry = Entry.objects.select_for_update().get(pk=entry.pk)
            existing = list(entry.attachments.filter(kind=kind))
            digest = _sha256(upload)
            # The same file sent again (an answer lost on the way, a double click): keep one copy.
            for same in existing:
                if same.sha256 == digest and same.original_name == clean_filename(upload.name):
                    return same
            replaced = existing if kind in SINGLE_KINDS else []
            if kind not in SINGLE_KINDS and len(existing) >= _limit(kind):
                raise ValidationError(_("At most %(count)d files of this kind can be attached."),
                                      code="too_many", params={"count": _limit(kind)})
            used = entry.attachments.exclude(pk__in=[a.pk for a in replaced]).aggregate(total=Sum("size"))["total"] or 0
            if used + upload.size > settings.ENTRY_TOTAL_MAX_BYTES:
                from django.template.defaultfilters import filesizeformat

                raise ValidationError(_("All files of an entry together may not exceed %(limit)s."),
                                      code="total_size", params={"limit": filesizeformat(settings.ENTRY_TOTAL_MAX_BYTES)})
            attachment = Attachment(entry=entry, kind=kind, original_name=clean_filename(upload.name),
                                    content_type=content_type, size=upload.size, sha256=digest,
                                    caption_zh_hans=caption_zh_hans, caption_en=caption_en,
                                    may_publish=may_publish)
            attachment.file.save(f"upload{suffix}", upload, save=False)
            stored.append(attachment.file.name)
            if content_type.startswith("image/"):
                attachment.thumbnail.save("thumb.jpg", _thumbnail(upload), save=False)
                stored.append(attachment.thumbnail.name)
            attachment.save()
            for old in replaced:
                _delete_attachment_files_on_commit(old)
                old.delete()
            Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now())
    except BaseException:
        storage = Attachment._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return attachment


def _delete_attachment_files_on_commit(attachment: Attachment):
    names = [n for n in (attachment.file.name, attachment.thumbnail.name) if n]
    storage = attachment.file.storage
    transaction.on_commit(lambda: [storage.delete(n) for n in names])


def remove_attachment(*, attachment: Attachment):
    """Delete a file; refused when a submitted entry would become incomplete."""
    with transaction.atomic():
        entry = Entry.objects.select_for_update().get(pk=attachment.entry_id)
        _delete_attachment_files_on_commit(attachment)
        attachment.delete()
        Entry.objects.filter(pk=entry.pk).update(updated_at=timezone.now())
        if entry.status == S.SUBMITTED and any(m.section == "attachments" for m in missing_items(entry)):
            raise ValidationError(_("A submitted entry must keep its required files: upload a replacement instead."),
                                  code="required_file")
