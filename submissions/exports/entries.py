"""Exports of the entry list (django-import-export): both language versions as columns."""

import csv

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources
from openpyxl import Workbook

from ..models import Attachment, Entry

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell that a spreadsheet would run as a formula is kept as text (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class EntryResource(resources.ModelResource):
    edition = fields.Field(attribute="edition__year", column_name=_("Edition"))
    status = fields.Field(column_name=_("Status"))
    category = fields.Field(column_name=_("Category"))
    technical_field = fields.Field(column_name=_("Technical field"))
    org_country = fields.Field(column_name=_("Country/region"))
    org_type = fields.Field(column_name=_("Organisation type"))
    maturity = fields.Field(column_name=_("Maturity"))
    recommended_by = fields.Field(column_name=_("Recommended by"))
    file_count = fields.Field(attribute="file_count", column_name=_("Files"))

    class Meta:
        model = Entry
        fields = ["reference", "edition", "status", "category", "technical_field", "title_zh_hans", "title_en",
                  "org_name_zh_hans", "org_name_en", "org_country", "org_type", "maturity", "contact_name",
                  "contact_email", "contact_mobile", "recommended_by", "recommender_name", "submitted_at",
                  "updated_at", "file_count", "summary_zh_hans", "summary_en"]
        export_order = fields
        chunk_size = 500

    COLUMN_NAMES = {
        "reference": _("Reference number"), "title_zh_hans": _("Technology name (Chinese)"),
        "title_en": _("Technology name (English)"), "org_name_zh_hans": _("Organisation name (Chinese)"),
        "org_name_en": _("Organisation name (English)"), "contact_name": _("Contact name"),
        "contact_email": _("Contact e-mail"), "contact_mobile": _("Mobile phone"),
        "recommender_name": _("Recommending organisation or person"), "submitted_at": _("Submitted at"),
        "updated_at": _("Last changed"), "summary_zh_hans": _("Summary (Chinese)"), "summary_en": _("Summary (English)"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for name, label in self.COLUMN_NAMES.items():
            self.fields[name].column_name = label

    # What the export reads: the exported columns (the entry has ~100 with both languages), and the
    # names of the category, field and edition.
    EXPORTED_COLUMNS = ["reference", "edition__year", "status", "category__name", "category__name_zh_hans",
                        "category__name_en", "technical_field__name", "technical_field__name_zh_hans",
                        "technical_field__name_en", "title_zh_hans", "title_en", "org_name_zh_hans", "org_name_en",
                        "org_country", "org_type", "maturity", "contact_name", "contact_email", "contact_mobile",
                        "recommended_by", "recommender_name", "submitted_at", "updated_at", "summary_zh_hans",
                        "summary_en"]

    def filter_export(self, queryset, **kwargs):
        # The number of files as a subquery: a JOIN + GROUP BY would group by every column read.
        files = Attachment.objects.filter(entry=OuterRef("pk")).order_by().values("entry").annotate(n=Count("pk"))
        return (queryset.select_related("edition", "category", "technical_field").only(*self.EXPORTED_COLUMNS)
                .annotate(file_count=Coalesce(Subquery(files.values("n")), 0)).order_by("reference", "pk"))

    def get_export_headers(self, selected_fields=None):
        return [str(h) for h in super().get_export_headers(selected_fields)]

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def export_rows(self, queryset):
        """One list of cell values per entry: export_resource() without looking up the fields and
        their dehydrate methods again for each of 10,000 rows, and with the translated choice
        labels and country names looked up once per export instead of once per cell."""
        self._labels = {name: {value: str(label) for value, label in Entry._meta.get_field(name).flatchoices}
                        for name in ("status", "org_type", "maturity", "recommended_by")}
        self._country_names = {}
        plan = []
        for field in self.get_export_fields():
            method = field.get_dehydrate_method(self.get_field_name(field))
            plan.append((field, method if callable(method) else getattr(self, method, None)))
        for entry in self.iter_queryset(self.filter_export(queryset)):
            yield [neutralise(method(entry) if method is not None else field.export(entry)) for field, method in plan]

    def _label(self, name, value):
        # As Model.get_FOO_display(): the value itself when it is not one of the choices.
        labels = getattr(self, "_labels", None)
        if labels is None:
            return str(dict(Entry._meta.get_field(name).flatchoices).get(value, value))
        return labels[name].get(value, str(value))

    def dehydrate_status(self, entry):
        return self._label("status", entry.status)

    def dehydrate_category(self, entry):
        return entry.category.name if entry.category_id else ""

    def dehydrate_technical_field(self, entry):
        return entry.technical_field.name if entry.technical_field_id else ""

    def dehydrate_org_country(self, entry):
        code = entry.org_country.code
        if not code:
            return ""
        names = getattr(self, "_country_names", {})
        if code not in names:
            names[code] = str(entry.org_country.name)
        return names[code]

    def dehydrate_org_type(self, entry):
        return self._label("org_type", entry.org_type)

    def dehydrate_maturity(self, entry):
        return self._label("maturity", entry.maturity)

    def dehydrate_recommended_by(self, entry):
        return self._label("recommended_by", entry.recommended_by)


def iter_rows(queryset):
    """Header row, then one row per entry, fetched in chunks: nothing is held whole in memory."""
    resource = EntryResource()
    yield resource.get_export_headers()
    yield from resource.export_rows(queryset)


def write_xlsx(queryset, target):
    """Write the export to a file object with openpyxl's write-only (streaming) workbook."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="entries")
    for row in iter_rows(queryset):
        sheet.append([_cell(value) for value in row])
    workbook.save(target)


def _cell(value):
    # Spreadsheets have no time zones: write Beijing time without the offset.
    if getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class _Echo:
    def write(self, value):
        return value


def stream_csv(queryset):
    """CSV lines for a StreamingHttpResponse, with a BOM so that spreadsheets read the Chinese right."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in iter_rows(queryset):
        yield writer.writerow(row)
