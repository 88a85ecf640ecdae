"""The outbox, read-only."""

from django.contrib import admin

from ..models import OutgoingMail
from .safety import ValidIdsMixin


@admin.register(OutgoingMail)
class OutgoingMailAdmin(ValidIdsMixin, admin.ModelAdmin):
    list_display = ["to", "subject", "created_at", "sent_at", "attempts"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["to", "subject", "body", "created_at", "sent_at", "attempts", "last_error"]
