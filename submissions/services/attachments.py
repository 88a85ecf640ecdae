"""The files of an entry: checked by their content (never by their name or the browser's type),
stored under random names, removed again if the database write fails."""

import hashlib
import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .. import page_cache
from ..enums import AttachmentKind, EntryStatus
from ..models import Attachment, Entry
from ..selectors.completeness import missing_items
from ..text import clean_filename

S = EntryStatus

IMAGE_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
PDF = ("application/pdf", ".pdf")
TOO_MANY_PIXELS = _("This image has too many pixels (at most %(limit)s megapixels); please upload a smaller version.")


def inspect_upload(upload, *, allow_pdf: bool, allow_image: bool) -> tuple[str, str]:
    """Return (content type, file suffix) detected from the bytes, or raise ValidationError."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if upload.size > settings.ENTRY_UPLOAD_MAX_BYTES:
        raise ValidationError(_("This file is larger than %(limit)s."), code="file_size",
                              params={"limit": filesizeformat(settings.ENTRY_UPLOAD_MAX_BYTES)})
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        if allow_pdf:
            return PDF
        raise ValidationError(_("Please upload an image (JPEG, PNG or WebP) here."), code="file_type")
    if allow_image:
        detected = _inspect_image(upload)
        if detected:
            return detected
    if allow_pdf and allow_image:
        message = _("This file is neither a PDF nor a JPEG, PNG or WebP image.")
    elif allow_pdf:
        message = _("This file is not a PDF document.")
    else:
        message = _("This file is not a JPEG, PNG or WebP image.")
    raise ValidationError(message, code="file_type")


def _inspect_image(upload):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own cap is lower
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                if image_format not in IMAGE_FORMATS:
                    return None
                # Checked from the header alone, before any pixel is decoded.
                if width * height > settings.IMAGE_MAX_PIXELS:
                    raise ValidationError(TOO_MANY_PIXELS, code="image_pixels",
                                          params={"limit": settings.IMAGE_MAX_PIXELS // 10**6})
                image.verify()
        # verify() leaves the image unusable; decode it once fully to catch truncated data.
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        raise ValidationError(TOO_MANY_PIXELS, code="image_pixels", params={"limit": settings.IMAGE_MAX_PIXELS // 10**6})
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        upload.seek(0)
        # A broken file that claims to be an image by its first bytes gets a precise message.
        if upload.read(4) in {b"\x89PNG", b"\xff\xd8\xff\xe0", b"\xff\xd8\xff\xe1", b"RIFF"}:
            upload.seek(0)
            raise ValidationError(_("This image is damaged and cannot be opened."), code="image_corrupt")
        upload.seek(0)
        return None
    finally:
        upload.seek(0)
    return IMAGE_FORMATS[image_format]


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
            _refresh_public_pages(entry)
    except BaseException:
        storage = Attachment._meta.get_field("file").storage
        for name in stored:
            storage.delete(name)
        raise
    return attachment


def _refresh_public_pages(entry: Entry):
    # The images of a published result show on the results page.
    if entry.edition.results_published:
        page_cache.invalidate_on_commit()


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
        _refresh_public_pages(entry)
        if entry.status == S.SUBMITTED and any(m.section == "attachments" for m in missing_items(entry)):
            raise ValidationError(_("A submitted entry must keep its required files: upload a replacement instead."),
                                  code="required_file")
