"""The organisers' back office, one module per part; importing them registers the ModelAdmins."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import accounts, content, entries, mail, review

admin.site.site_header = _("WNEVC selection administration")
admin.site.site_title = _("WNEVC selection administration")
admin.site.index_title = _("Technology selection")
admin.site.index_template = "admin/wnevc_index.html"

__all__ = ["accounts", "content", "entries", "mail", "review"]
