"""Ids in the back office's requests that are not ids are a 404 or a 400, never a 500:
SimpleHistoryAdmin looks `/admin/…/abc/history/` up as is, and an action posted with
`_selected_action=abc` filters the integer primary key with it (a ValueError when it runs).
Every ModelAdmin of ours has ValidIdsMixin (tests/admin/test_hostile_urls.py checks)."""

from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


def _valid_id(field, value) -> bool:
    try:
        field.to_python(value)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


class ValidIdsMixin:
    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(_valid_id(self.opts.pk, value) for value in selected):
            raise BadRequest("An action was posted for ids that are not ids.")
        return super().response_action(request, queryset)


class HistoryAdmin(ValidIdsMixin, SimpleHistoryAdmin):
    def history_view(self, request, object_id, extra_context=None):
        if not _valid_id(self.opts.pk, unquote(object_id)):
            raise Http404
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        history_pk = getattr(self.model, self.opts.simple_history_manager_attribute).model._meta.pk
        if not (_valid_id(self.opts.pk, unquote(object_id)) and _valid_id(history_pk, version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)
