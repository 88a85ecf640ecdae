"""The organisers' back office. Reference content and entries are edited with both language
versions in tabs (modeltranslation, with jQuery UI served from our own static files); status
changes go through services.change_status() via actions that first show what they will change."""

import tempfile

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import quote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.utils import flatatt
from django.http import FileResponse, StreamingHttpResponse
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import CountryField
from django_countries.widgets import LazySelect
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline

from .. import rules, schema
from ..exports.dossier import build_dossier
from ..exports.entries import stream_csv, write_xlsx
from ..models import (
    Attachment,
    Award,
    CoApplicant,
    Contributor,
    Entry,
    EntrySource,
    EntryStatus,
    Indicator,
    IntellectualProperty,
    StatusChange,
    User,
)
from ..selectors import dashboard
from ..selectors import entries as queries
from ..services import entries as services
from .safety import HistoryAdmin
from .widgets import ActionForm, AdminInlineFormSet, AdminModelForm, CheckboxInput


class CountrySelect(LazySelect):
    """django-countries' <select>, with its 249 <option>s built once per field, language and
    process: through Django's option template they cost ~25 ms a list, and an entry's change page
    has several lists (the organisation's, one per IP item and co-applicant, and the empty rows
    the inlines keep for "Add another"). The markup is that of Django's select.html; as there,
    the first option whose value matches is selected. Only the public render() is overridden."""

    rendered_options = {}  # (cache key, language) -> [(value, <option>, <option selected>)]

    def __init__(self, attrs=None, choices=(), *, cache_key):
        super().__init__(attrs, choices)
        self.cache_key = cache_key

    def options(self):
        key = (self.cache_key, translation.get_language())
        options = self.rendered_options.get(key)
        if options is None:
            choices = list(self.choices)
            if any(isinstance(label, (list, tuple)) for _value, label in choices):
                return None  # option groups: Django's own rendering
            options = self.rendered_options[key] = [
                (str(value), format_html('<option value="{}">{}</option>', value, label),
                 format_html('<option value="{}" selected>{}</option>', value, label)) for value, label in choices]
        return options

    def use_required_attribute(self, initial):
        options = None if self.is_hidden or self.allow_multiple_selected else self.options()
        if options is None:
            return super().use_required_attribute(initial)
        return any(value == "" for value, _option, _selected in options)  # as LazySelectMixin's, from the cache

    def render(self, name, value, attrs=None, renderer=None):
        options = None if self.allow_multiple_selected else self.options()
        if options is None:
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        html = [format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))]
        for option_value, option, selected_option in options:
            if wanted and option_value in wanted:
                wanted = ()
                option = selected_option
            html.append(f"\n  {option}\n")  # as select.html includes select_option.html
        html.append("\n</select>")
        return mark_safe("".join(html))


class AdminFormfields:
    """URLs without a scheme are taken as https; country lists use CountrySelect."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs.setdefault("assume_scheme", "https")
        if isinstance(db_field, CountryField) and not db_field.multiple:
            kwargs.setdefault("widget", CountrySelect(cache_key=f"{db_field.model._meta.label}.{db_field.name}"))
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    form = AdminModelForm
    formset = AdminInlineFormSet
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "by", "note"]
    readonly_fields = fields
    verbose_name_plural = _("status history")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")  # not one query per change


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["kind", "download", "preview", "size_display", "caption_zh_hans", "caption_en", "may_publish",
              "uploaded_at"]
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, attachment):
        url = reverse("submissions:attachment_download", args=[attachment.pk])
        return format_html('<a href="{}">{}</a>', url, attachment.original_name)

    @admin.display(description=_("preview"))
    def preview(self, attachment):
        if not attachment.thumbnail:
            return "–"
        url = reverse("submissions:attachment_thumbnail", args=[attachment.pk])
        return format_html('<img class="wnevc-thumb" src="{}" alt="">', url)

    @admin.display(description=_("size"))
    def size_display(self, attachment):
        return filesizeformat(attachment.size)


def row_fields(model):
    """The fields Django would list for an inline of `model` (its form's fields, the entry's key
    included), declared so that the admin does not build the formset class twice more per page
    view to find them out."""
    return [field.name for field in model._meta.fields if field.editable and not field.primary_key]


class CoApplicantInline(AdminFormfields, TranslationStackedInline):
    form = AdminModelForm
    formset = AdminInlineFormSet
    model = CoApplicant
    # Both languages of the name, in the place of the name (as modeltranslation derives them).
    fields = [name for name in row_fields(CoApplicant) if name != "name"]
    extra = 0


class RowInline(admin.TabularInline):
    """An inline of one of the entry's row tables, written through admin/widgets.py, with the
    fields Django would list for it (row_fields)."""

    form = AdminModelForm
    formset = AdminInlineFormSet
    extra = 0

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.fields = row_fields(cls.model)


class IndicatorInline(RowInline):
    model = Indicator


class IPInline(AdminFormfields, RowInline):
    model = IntellectualProperty


class AwardInline(RowInline):
    model = Award


class ContributorInline(RowInline):
    model = Contributor


class TransitionForm(forms.Form):
    note = forms.CharField(label=_("Note (sent to the nominator)"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    correction_deadline = forms.DateTimeField(
        label=_("Correction deadline (Beijing time)"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


TRANSITION_ACTIONS = [
    # action name, target status, description
    ("mark_eligible", EntryStatus.ELIGIBLE, _("Formal check: mark as eligible")),
    ("return_for_correction", EntryStatus.RETURNED, _("Return for correction or supplementary material")),
    ("mark_ineligible", EntryStatus.INELIGIBLE, _("Formal check: mark as ineligible")),
    ("shortlist", EntryStatus.SHORTLISTED, _("Shortlist for the final evaluation")),
    ("mark_selected", EntryStatus.SELECTED, _("Mark as selected")),
    ("mark_not_selected", EntryStatus.NOT_SELECTED, _("Mark as not selected")),
]


def _transition_action(name, target, description):
    def action(modeladmin, request, queryset):
        return modeladmin.confirm_transition(request, queryset, target, description, name)

    action.__name__ = name
    return admin.action(description=description, permissions=["change"])(action)


class CountryFilter(admin.SimpleListFilter):
    """Only the countries that occur among the entries (not all 249 of ISO 3166)."""

    title = _("country/region")
    parameter_name = "org_country"

    def lookups(self, request, model_admin):
        codes = queries.countries_in_use()
        return sorted(((code, countries.name(code)) for code in codes), key=lambda item: str(item[1]))

    def queryset(self, request, queryset):
        return queryset.filter(org_country=self.value()) if self.value() else queryset


class EntryColumns:
    """List columns computed from texts read once per language and process instead of per cell:
    the status is a function named `status`, so that the cell and the header keep Django's
    `field-status` / `column-status` classes, the field's label and its sorting."""

    status_labels = {}  # language -> {value: label}
    country_names = {}  # language -> {code: name}

    @staticmethod
    @admin.display(description=Entry._meta.get_field("status").verbose_name, ordering="status")
    def status(entry):
        language = translation.get_language()
        labels = EntryColumns.status_labels.get(language)
        if labels is None:
            labels = EntryColumns.status_labels[language] = {value: str(label) for value, label in EntryStatus.choices}
        return labels.get(entry.status, entry.status)

    @staticmethod
    def country_name(code):
        names = EntryColumns.country_names.setdefault(translation.get_language(), {})
        name = names.get(code)
        if name is None:
            name = names[code] = str(countries.name(code))
        return name


class EntryChangeList(ChangeList):
    """The entry list at 10,000 entries: the page's rows are read with the listed columns only (the
    entry has ~100 with both languages, and the export and the actions still get whole rows), and
    the change links are made from one reverse() instead of two per row."""

    LISTED_COLUMNS = ["reference", "title", "title_zh_hans", "title_en", "org_name", "org_name_zh_hans",
                      "org_name_en", "category", "category__name", "category__name_zh_hans", "category__name_en",
                      "technical_field", "technical_field__name", "technical_field__name_zh_hans",
                      "technical_field__name_en", "status", "org_country", "submitted_at"]

    def get_results(self, request):
        self.queryset = self.queryset.only(*self.LISTED_COLUMNS)
        super().get_results(request)

    def url_for_result(self, result):
        if not hasattr(self, "_change_url"):
            marker = "__pk__"
            self._change_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=(marker,),
                                       current_app=self.model_admin.admin_site.name).split(marker)
        return str(quote(getattr(result, self.pk_attname))).join(self._change_url)


class EntryAdmin(AdminFormfields, HistoryAdmin, TabbedTranslationAdmin):
    change_list_template = "admin/submissions/entry/change_list.html"
    form = AdminModelForm  # widgets, labels and empty error lists without templates (admin/widgets.py)
    action_form = ActionForm
    list_display = ["reference", "title", "org_name", "category", "technical_field", EntryColumns.status, "country",
                    "submitted_at", "file_count"]
    list_display_links = ["reference", "title"]
    # No date_hierarchy: its links are a SELECT DISTINCT over the submission dates of every listed
    # entry on each page view; this filter offers today / past 7 days / this month / this year
    # without reading the table.
    list_filter = ["edition", "category", "technical_field", "status", CountryFilter, "org_type", "maturity",
                   "recommended_by", "source", ("submitted_at", admin.DateFieldListFilter)]
    search_fields = ["reference", "title_zh_hans", "title_en", "org_name_zh_hans", "org_name_en", "contact_email",
                     "nominator__email"]
    list_select_related = ["category", "technical_field"]
    view_on_site = False  # the public entry page belongs to its nominator
    ordering = ["-submitted_at", "-id"]
    list_per_page = 50
    show_full_result_count = False  # one COUNT less on every page of a large list
    readonly_fields = ["reference", "status", "submitted_at", "nominator", "edition", "correction_deadline",
                       "created_at", "updated_at"]
    inlines = [CoApplicantInline, IndicatorInline, IPInline, AwardInline, ContributorInline, AttachmentInline,
               StatusChangeInline]
    actions = [_transition_action(*spec) for spec in TRANSITION_ACTIONS] + ["submit_on_behalf", "download_dossier"]
    # The form's sections and fields as schema.py declares them (base names: modeltranslation
    # shows the two languages), with the workflow first and the admin-only signing date.
    fieldsets = [
        (_("Workflow"), {"fields": ["reference", "status", "source", "edition", "nominator", "submitted_at",
                                    "correction_deadline", "internal_notes"]}),
        *[(section.title, {"fields": [field.name for field in schema.fields(section.key)]
                           + (["signed_on"] if section.key == "declarations" else [])})
          for section in schema.SECTIONS if section.in_form],
        (_("Dates"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_changelist(self, request, **kwargs):
        return EntryChangeList

    # The nominator's e-mail is matched in the users' table first (its trigram index), so that
    # the entry's own columns are not searched through a JOIN: every branch of the OR can then use
    # its index (migration 0006). More matching users than this, and a subquery is used instead.
    NOMINATOR_IDS_MAX = 1000

    def get_search_results(self, request, queryset, search_term):
        """Django's search, with the same matches: each term must be contained (case-insensitively)
        in one of search_fields. Terms without upper or lower case (Chinese, digits) shorter than
        three characters have no trigram to look up, so they are matched with `contains`, which
        finds the same rows without upper-casing every column of every entry."""
        search_fields = self.get_search_fields(request)
        own = [field for field in search_fields if "__" not in field]
        if not search_term or set(search_fields) - set(own) != {"nominator__email"}:
            return super().get_search_results(request, queryset, search_term)
        for term in smart_split(search_term):
            if term.startswith(('"', "'")) and term[0] == term[-1]:
                term = unescape_string_literal(term)
            lookup = "contains" if term.upper() == term.lower() and len(term) < 3 else "icontains"
            matches = Q.create([(f"{field}__{lookup}", term) for field in own], connector=Q.OR)
            nominators = User.objects.filter(email__icontains=term).values_list("pk", flat=True)
            ids = list(nominators[:self.NOMINATOR_IDS_MAX + 1])
            if len(ids) > self.NOMINATOR_IDS_MAX:
                matches |= Q(nominator__in=nominators)
            elif ids:
                matches |= Q(nominator__in=ids)
            queryset = queryset.filter(matches)
        return queryset, False

    def get_object(self, request, object_id, from_field=None):
        # The change page shows the edition and the nominator (read-only): read them with the entry.
        queryset = self.get_queryset(request).select_related("edition", "nominator")
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def get_queryset(self, request):
        # A correlated subquery, not a JOIN + GROUP BY: the paginator's COUNT(*) then stays a plain
        # count (Django drops unused annotations there), which matters at 10,000 entries.
        files = Attachment.objects.filter(entry=OuterRef("pk")).order_by().values("entry").annotate(n=Count("pk"))
        return super().get_queryset(request).annotate(file_count=Coalesce(Subquery(files.values("n")), 0))

    # One widget for the rows' action checkboxes; each row adds its aria-label when rendering.
    action_checkbox_widget = CheckboxInput({"class": "action-select"}, lambda value: False)

    def action_checkbox(self, obj):
        """Django's checkbox of each row (ModelAdmin.action_checkbox, the same markup), rendered by
        the Python twin of CheckboxInput instead of two templates per row."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return self.action_checkbox_widget.render(admin.helpers.ACTION_CHECKBOX_NAME, str(obj.pk),
                                                  {"aria-label": label})

    def get_empty_value_display(self):
        # Django's (the ModelAdmin's own or the site's), without the AttributeError Django raises
        # and catches for every cell of the list when the ModelAdmin sets none.
        return mark_safe(getattr(self, "empty_value_display", self.admin_site.empty_value_display))

    @admin.display(description=_("country/region"), ordering="org_country")
    def country(self, entry):
        # Not the field itself: the admin would flatten all 249 country choices for every row.
        return EntryColumns.country_name(entry.org_country.code) if entry.org_country else "–"

    @admin.display(description=_("files"), ordering="file_count")
    def file_count(self, entry):
        return str(entry.file_count)  # what formats.number_format() gives without thousand separators

    def get_readonly_fields(self, request, obj=None):
        # The source can be chosen when the secretariat creates an entry, not changed later.
        return self.readonly_fields + (["source"] if obj else [])

    def save_model(self, request, obj, form, change):
        # A new entry is the secretariat's, on behalf of a nominee (nominator, edition: see the service).
        services.save_entry_by_organiser(entry=obj, by=request.user, created=not change)

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        services.save_entry_rows_by_organiser(entry=form.instance, formsets=formsets, by=request.user)

    def delete_model(self, request, obj):
        services.delete_entries([obj], by=request.user)

    def delete_queryset(self, request, queryset):
        services.delete_entries(queryset.select_related("edition"), by=request.user)

    def get_changeform_initial_data(self, request):
        # Entries created in the admin come from the secretariat unless the organiser says otherwise.
        return {"source": EntrySource.SECRETARIAT, **super().get_changeform_initial_data(request)}

    def confirm_transition(self, request, queryset, target, description, action_name):
        """First show exactly which entries will change and ask for the note; then apply."""
        entries = list(queryset.select_related("category", "nominator"))
        movable = [e for e in entries if target in rules.ORGANISER_MOVES.get(e.status, set())]
        blocked = [e for e in entries if e not in movable]
        form = TransitionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, errors = 0, []
            for entry in movable:
                try:
                    services.change_status(entry=entry, to=target, by=request.user, note=form.cleaned_data["note"],
                                           correction_deadline=form.cleaned_data["correction_deadline"])
                    done += 1
                except ValidationError as error:
                    errors.append(f"{entry}: {' '.join(error.messages)}")
            if done:
                self.message_user(request, ngettext("%(count)d entry changed.", "%(count)d entries changed.", done)
                                  % {"count": done}, messages.SUCCESS)
            for error in errors:
                self.message_user(request, error, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request), "title": description, "opts": self.model._meta,
            "entries": movable, "blocked": blocked, "form": form, "action_name": action_name,
            "target": EntryStatus(target).label, "needs_deadline": target == EntryStatus.RETURNED,
            "queryset": queryset, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/submissions/confirm_transition.html", context)

    @admin.action(description=_("Submit on behalf of the secretariat"), permissions=["change"])
    def submit_on_behalf(self, request, queryset):
        done = 0
        for entry in queryset.filter(status__in=[EntryStatus.DRAFT, EntryStatus.RETURNED]):
            try:
                services.submit_entry(entry=entry, by=request.user)
                done += 1
            except ValidationError as error:
                self.message_user(request, f"{entry}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(count)d entry submitted.", "%(count)d entries submitted.", done)
                              % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Download the dossier (ZIP) of the selected entries"), permissions=["view"])
    def download_dossier(self, request, queryset):
        entries = (queryset.select_related("edition", "category", "technical_field")
                   .prefetch_related("attachments", "co_applicants", "indicators", "ip_items", "awards", "contributors"))
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return FileResponse(build_dossier(entries), as_attachment=True, filename=f"wnevc-dossier-{stamp}.zip",
                            content_type="application/zip")

    def get_urls(self):
        return [path("dashboard/", self.admin_site.admin_view(self.dashboard_view), name="submissions_dashboard"),
                path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name="submissions_entry_export"),
                ] + super().get_urls()

    def export_view(self, request, fmt):
        """The changelist as it is filtered and searched now, as XLSX or CSV (streamed)."""
        if not self.has_view_permission(request) or fmt not in {"xlsx", "csv"}:
            raise PermissionDenied
        queryset = self.get_changelist_instance(request).get_queryset(request)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        if fmt == "csv":
            response = StreamingHttpResponse(stream_csv(queryset), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="wnevc-entries-{stamp}.csv"'
            return response
        target = tempfile.TemporaryFile()
        write_xlsx(queryset, target)
        target.seek(0)
        return FileResponse(target, as_attachment=True, filename=f"wnevc-entries-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def dashboard_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "title": gettext("Dashboard"), "opts": self.model._meta,
                   **dashboard.figures(queries.current_edition())}
        return TemplateResponse(request, "admin/submissions/dashboard.html", context)


admin.site.register(Entry, EntryAdmin)


