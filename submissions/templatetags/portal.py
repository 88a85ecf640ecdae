from django import template
from django.utils.html import format_html, format_html_join
from django_countries import countries

from .. import schema
from ..forms.fields import CountryInput

register = template.Library()

STATUS_STYLES = {
    "draft": "text-bg-light border", "submitted": "text-bg-primary", "withdrawn": "text-bg-secondary",
    "eligible": "text-bg-info", "returned": "text-bg-warning", "ineligible": "text-bg-dark",
    "shortlisted": "text-bg-info", "selected": "text-bg-success", "not_selected": "text-bg-secondary",
}


@register.filter
def get_item(mapping, key):
    return mapping.get(key, [])


@register.filter
def status_style(status):
    return STATUS_STYLES.get(status, "text-bg-light")


@register.filter
def whole_minutes(duration):
    """A timedelta in minutes, rounded up (the lockout's cool-off of django-axes)."""
    return -(-int(duration.total_seconds()) // 60)


@register.filter
def html_lang(code):
    """BCP 47 tag for a Django language code (zh-hans -> zh-Hans)."""
    return "zh-Hans" if code in ("zh-hans", "zh_hans") else code


@register.simple_tag
def country_datalist():
    """The <datalist> of every country and region's name in the active language (its id is the
    `list` of forms.fields.CountryInput), written in Python: 250 options."""
    options = format_html_join("", '<option value="{}"></option>', ((name,) for _code, name in countries))
    return format_html('<datalist id="{}">{}</datalist>', CountryInput.LIST_ID, options)


@register.inclusion_tag("submissions/_rows.html")
def row_table(rows, kind, heading):
    """A read-only table of an entry's structured rows, columns as in the form."""
    table_schema = schema.rows(kind)
    model = schema.row_model(table_schema)
    fields = table_schema.fields
    headers = [schema.ROW_LABELS.get(f) or model._meta.get_field(f).verbose_name for f in fields]
    table = []
    for row in rows:
        cells = []
        for name in fields:
            display = getattr(row, f"get_{name}_display", None)
            value = display() if display else getattr(row, name)
            if name == "country":
                value = row.country.name
            cells.append(value if value not in (None, "") else "–")
        table.append(cells)
    return {"headers": headers, "table": table, "heading": heading}
