"""Exports of the entry list (django-import-export): both language versions as columns."""

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from .models import Entry

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

    def filter_export(self, queryset, **kwargs):
        return (queryset.select_related("edition", "category", "technical_field")
                .annotate(file_count=Count("attachments")).order_by("reference", "pk"))

    def get_export_headers(self, selected_fields=None):
        return [str(h) for h in super().get_export_headers(selected_fields)]

    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def dehydrate_status(self, entry):
        return str(entry.get_status_display())

    def dehydrate_category(self, entry):
        return entry.category.name if entry.category_id else ""

    def dehydrate_technical_field(self, entry):
        return entry.technical_field.name if entry.technical_field_id else ""

    def dehydrate_org_country(self, entry):
        return str(entry.org_country.name) if entry.org_country else ""

    def dehydrate_org_type(self, entry):
        return str(entry.get_org_type_display())

    def dehydrate_maturity(self, entry):
        return str(entry.get_maturity_display())

    def dehydrate_recommended_by(self, entry):
        return str(entry.get_recommended_by_display())


def iter_rows(queryset):
    """Header row, then one row per entry, fetched in chunks: nothing is held whole in memory."""
    resource = EntryResource()
    yield resource.get_export_headers()
    for entry in resource.iter_queryset(resource.filter_export(queryset)):
        yield resource.export_resource(entry)


def write_xlsx(queryset, target):
    """Write the export to a file object with openpyxl's write-only (streaming) workbook."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="entries")
    for row in iter_rows(queryset):
        sheet.append([_cell(value) for value in row])
    workbook.save(target)


def _cell(value):
    # Spreadsheets have no time zones: write Beijing time without the offset.
    if getattr(value, "tzinfo", None) is not None:
        from django.utils import timezone

        return timezone.localtime(value).replace(tzinfo=None)
    return value


class _Echo:
    def write(self, value):
        return value


def stream_csv(queryset):
    """CSV lines for a StreamingHttpResponse, with a BOM so that spreadsheets read the Chinese right."""
    import csv

    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in iter_rows(queryset):
        yield writer.writerow(row)
