"""The files of an entry: stored under random names, checked by content (services.attachments)."""

import uuid
from pathlib import Path

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import AttachmentKind
from .entry import Entry


def attachment_path(instance, filename):
    # Never store under the client's file name; it is kept in `original_name` for display only.
    return f"entries/{instance.entry_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


def thumbnail_path(instance, filename):
    return f"entries/{instance.entry_id}/thumbs/{uuid.uuid4().hex}.jpg"


class Attachment(models.Model):
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="attachments",
                              verbose_name=_("entry"))
    kind = models.CharField(_("kind"), max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    thumbnail = models.FileField(_("thumbnail"), upload_to=thumbnail_path, max_length=200, blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    may_publish = models.BooleanField(_("may be published if selected"), default=False)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
