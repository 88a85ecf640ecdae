"""The recommendation form (FORM.md §C) and its row formsets, built from schema.SECTIONS. Drafts
accept any partial content, but what is given must be well-formed (lengths, e-mails, phones,
URLs); completeness is checked at submission by selectors.completeness.missing_items()."""

import functools
import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from .. import schema
from ..models import Category, Entry, TechnicalField
from ..text import clean_phone, measure, normalise_machine_text
from .fields import CountryNameField, NormalisedEmailField, NormalisedURLField, PlainTextMixin, limit_hint
from .widgets import PythonField, python_rendered

PHONE_FIELDS = ("contact_mobile", "contact_phone", "recommender_phone")


def formfield_for(model_field, **kwargs):
    """Model fields as form fields, countries as a text input with the page's <datalist> of names
    (one list per page instead of 250 <option>s in every row and in every row's template), and
    every widget written in Python (forms.widgets)."""
    if model_field.name in ("country", "org_country"):
        field = CountryNameField(label=capfirst(model_field.verbose_name), required=not model_field.blank)
    else:
        field = model_field.formfield(**kwargs)
    if field is not None:
        field.widget = python_rendered(field.widget)
    return field


def _include(template: str) -> HTML:
    return HTML(f'{{% include "{template}" %}}')


def _field(name: str):
    """A field of the layout: written in Python (widgets.PythonField), or by crispy's templates for
    the radio buttons, which are a fieldset."""
    return name if EntryForm.base_fields[name].widget.use_fieldset else PythonField(name)


def _layout_items(section: schema.Section) -> list:
    """The crispy layout of one section: bilingual fields side by side (stacked on phones),
    consecutive narrow fields in one row, row tables and includes where the schema puts them."""
    items, row = [], []

    def close_row():
        if row:
            items.append(Row(*row))
            row.clear()

    for item in section.items:
        if isinstance(item, schema.Field) and schema.is_bilingual(item.name):
            close_row()
            items.append(Row(*[Column(_field(name), css_class="col-12 col-lg-6") for name in schema.names(item)]))
        elif isinstance(item, schema.Field) and item.after:
            close_row()
            items.append(Div(_field(item.name), _include(item.after)))
        elif isinstance(item, schema.Field) and item.cols != "col-12":
            row.append(Column(_field(item.name), css_class=item.cols))
        elif isinstance(item, schema.Field):
            close_row()
            items.append(_field(item.name))
        elif isinstance(item, schema.Rows):
            close_row()
            items.append(HTML(f'{{% include "submissions/_formset.html" with formset=formsets.{item.prefix} %}}'))
        else:
            close_row()
            items.append(_include(item.template))
    close_row()
    return items


@functools.cache
def _layout() -> Layout:
    """Built once per process from the schema (the titles are lazy: translated when rendered)."""
    parts = []
    for section in schema.SECTIONS:
        if not section.in_form:  # the attachments: a summary and a button, no fields
            parts.extend(_layout_items(section))
            continue
        parts.append(Fieldset(section.title,
                              HTML(f'{{% include "submissions/_section_status.html" with key="{section.key}" %}}'),
                              *_layout_items(section), css_id=f"section-{section.key}", css_class="form-section"))
    return Layout(*parts)


class EntryForm(PlainTextMixin, forms.ModelForm):
    """The recommendation form, sections 1–5 and 7; files are handled by AttachmentForm so that
    a rejected file never costs the text a nominator typed."""

    class Meta:
        model = Entry
        fields = schema.form_field_names()
        formfield_callback = formfield_for
        field_classes = {"contact_email": NormalisedEmailField, "recommender_email": NormalisedEmailField,
                         "org_website": NormalisedURLField}
        widgets = {
            "category": forms.RadioSelect,
            "recommended_by": forms.RadioSelect,
            "rd_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "rd_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        type(self).configure_fields()
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.all()
        self.fields["technical_field"].queryset = TechnicalField.objects.filter(active=True)
        for name in ("category", "technical_field"):
            # Read once: rendering iterates the choices up to three times (options, `required`, len()).
            self.fields[name].choices = list(self.fields[name].choices)
        self.helper = FormHelper()
        self.helper.field_template = "bootstrap5/entry_field.html"
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = _layout()

    @classmethod
    @functools.cache
    def configure_fields(cls):
        """Labels, help texts, limits and input hints from the schema, set once per process on the
        class's fields (each form gets a copy of them)."""
        fields = cls.base_fields
        fields["category"].empty_label = None
        fields["recommended_by"].choices = [c for c in fields["recommended_by"].choices if c[0]]
        limits = schema.limits()
        for field in schema.fields():
            for index, name in enumerate(schema.names(field)):
                if name not in fields:
                    continue
                widget = fields[name].widget
                if schema.is_bilingual(field.name):
                    fields[name].label = schema.label(name)
                    widget.attrs["lang"] = "zh-Hans" if index == 0 else "en"
                if field.autocomplete:
                    widget.attrs["autocomplete"] = field.autocomplete
                help_texts = [field.help] if field.help and index == 0 else []
                if name in limits:
                    unit, limit = limits[name]
                    widget.attrs.update({"data-limit": limit, "data-limit-unit": unit})
                    if isinstance(widget, forms.Textarea):
                        widget.attrs["rows"] = 5
                    help_texts.append(limit_hint(unit, limit))
                if help_texts:
                    fields[name].help_text = format_lazy("{}" + " {}" * (len(help_texts) - 1), *help_texts)
        for name in PHONE_FIELDS:
            fields[name].widget.input_type = "tel"
            fields[name].widget.attrs.update({"inputmode": "tel", "placeholder": "+86 138 0013 8000"})
        for name in fields:
            fields[name].required = False  # drafts: completeness is checked at submission

    @functools.cached_property
    def limits(self) -> dict:
        return schema.limits()

    def clean(self):
        data = super().clean()
        for name, (unit, limit) in self.limits.items():
            value = data.get(name) or ""
            if value and measure(value, unit) > limit:
                message = (_("At most %(limit)d words (now %(count)d).") if unit == schema.WORDS
                           else _("At most %(limit)d characters (now %(count)d)."))
                self.add_error(name, ValidationError(message, code="too_long",
                                                     params={"limit": limit, "count": measure(value, unit)}))
        start, end = data.get("rd_start"), data.get("rd_end")
        if start and end and end < start:
            self.add_error("rd_end", _("The completion date cannot be before the start date."))
        return data

    def clean_contact_mobile(self):
        return clean_phone(self.cleaned_data.get("contact_mobile"))

    def clean_contact_phone(self):
        return clean_phone(self.cleaned_data.get("contact_phone"))

    def clean_recommender_phone(self):
        return clean_phone(self.cleaned_data.get("recommender_phone"))

    def clean_org_registration_number(self):
        value = normalise_machine_text(self.cleaned_data.get("org_registration_number")).upper()
        if value and not re.fullmatch(r"[0-9A-Z\-]{4,50}", value):
            raise ValidationError(_("Use letters and digits only (a Chinese USCC has 18 characters)."), code="regno")
        return value


class RowForm(PlainTextMixin, forms.ModelForm):
    pass


class RowFormSet(forms.BaseInlineFormSet):
    """The fields a formset adds itself (the row's id, DELETE, the entry) and its management form
    are written in Python too."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            field.widget = python_rendered(field.widget)

    @functools.cached_property
    def management_form(self):
        form = super().management_form
        for field in form.fields.values():
            field.widget = python_rendered(field.widget)
        return form


@functools.cache
def formset_class(prefix: str):
    """The inline formset class of one row table, built once per process (labels are lazy)."""
    table = schema.rows(prefix)
    # A new list: BaseInlineFormSet appends the foreign key to the form's field list.
    return forms.inlineformset_factory(
        Entry, schema.row_model(table), form=RowForm, formset=RowFormSet, fields=[*table.fields, "entry"], extra=1,
        max_num=table.max_rows, validate_max=True, can_delete=True, formfield_callback=formfield_for,
        labels={f: schema.ROW_LABELS[f] for f in table.fields if f in schema.ROW_LABELS})


def build_formsets(data=None, instance=None) -> dict:
    formsets = {}
    for table in schema.row_tables():
        formset = formset_class(table.prefix)(data, instance=instance, prefix=table.prefix)
        formset.heading = table.heading
        formsets[table.prefix] = formset
    return formsets


class WithdrawForm(PlainTextMixin, forms.Form):
    note = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))
