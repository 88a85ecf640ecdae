"""The rows of the entry list in the admin, written with the markup of Django's `result_list` but
faster.

Django's `items_for_result` works out again for every cell which kind of column it is (model
field or admin method), its empty-value text and whether it links to the entry, and builds each
cell with format_html: at 50 rows × 10 columns that was ~40 % of the list's time. Here each column
is worked out once per page; the values are formatted by the same Django functions
(display_for_field, display_for_value) and each row is one string. Popups, list_editable and
columns that are neither a field nor an admin method use Django's own code. Compared cell by cell
with Django's output in tests/test_performance.py."""

import datetime

from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


class _Column:
    """One column of list_display, as items_for_result would see it in every row."""

    def __init__(self, cl, index, name, first):
        admin = cl.model_admin
        self.name, self.admin = name, admin
        self.empty = self.default_empty = admin.get_empty_value_display()
        self.base_classes = ["field-%s" % admin_list._coerce_field_name(name, index)]
        self.classes = list(self.base_classes)
        self.link = (cl.list_display_links is not None
                     and ((first and not cl.list_display_links) or name in cl.list_display_links))
        self.tag = "th" if first else "td"
        self.method = self.field = None
        try:
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(name):
                self.method = name
            elif hasattr(admin, name) and name != "__str__":
                self.method = getattr(admin, name)
        if self.method is not None:
            self.empty = getattr(self.method, "empty_value_display", self.empty)
            if name == "action_checkbox":
                self.classes = ["action-checkbox"]
        elif self.field is not None and not self.field.auto_created:
            if isinstance(self.field, (models.DateField, models.TimeField, models.ForeignKey)):
                self.classes.append("nowrap")
            self.related = isinstance(self.field.remote_field, models.ManyToOneRel)

    def value(self, result):
        """(text, CSS classes) of this column in one row."""
        empty = self.empty
        try:
            if self.method is not None:
                value, attr = self.method(result), self.method
            elif self.field is not None:
                value, attr = getattr(result, self.name), None
            else:  # a model attribute or property: Django's own lookup
                _field, attr, value = lookup_field(self.name, result, self.admin)
                empty = getattr(attr, "empty_value_display", empty)
        except ObjectDoesNotExist:
            return self.default_empty, self.base_classes
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.field is None or self.field.auto_created:
            return self._by_value(value, attr, empty)
        if self.related:
            related = getattr(result, self.field.name)
            return (empty if related is None else related), self.classes
        return display_for_field(value, self.field, empty, avoid_link=self.link), self.classes

    def _by_value(self, value, attr, empty):
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        dated = isinstance(value, (datetime.date, datetime.time))
        return display_for_value(value, empty, boolean), (self.classes + ["nowrap"] if dated else self.classes)


def _columns(cl):
    columns, first = [], True
    for index, name in enumerate(cl.list_display):
        column = _Column(cl, index, name, first)
        if column.link:
            first = False
        columns.append(column)
    return columns


def _row(cl, columns, result, preserved):
    cells = []
    for column in columns:
        text, classes = column.value(result)
        classes, text = " ".join(classes), conditional_escape(text)
        if column.link:
            try:
                url = cl.url_for_result(result)
            except NoReverseMatch:
                pass
            else:
                url = add_preserved_filters(preserved, url)
                text = f'<a href="{conditional_escape(url)}">{text}</a>'
            cells.append(f'<{column.tag} class="{classes}">{text}</{column.tag}>')
        else:
            cells.append(f'<td class="{classes}">{text}</td>')
    return mark_safe("".join(cells))


def results(cl):
    if cl.formset or cl.is_popup:
        yield from admin_list.results(cl)
        return
    columns = _columns(cl)
    preserved = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    for result in cl.result_list:
        yield admin_list.ResultList(None, [_row(cl, columns, result, preserved)])


def result_list(cl):
    """Django's admin_list.result_list with the rows above."""
    headers = list(admin_list.result_headers(cl))
    return {"cl": cl, "result_hidden_fields": list(admin_list.result_hidden_fields(cl)), "result_headers": headers,
            "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
            "results": list(results(cl))}
