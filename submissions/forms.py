"""Forms: parsing and validating input. Drafts accept any partial content, but what is given
must be well-formed (lengths, e-mails, phones, URLs); completeness is checked at submission by
services.missing_items()."""

import functools
import hashlib
import re
import unicodedata
from pathlib import Path

import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.choices import BlankChoiceIterator, CallableChoiceIterator
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_countries.widgets import LazySelectMixin

from .models import (
    AttachmentKind,
    Award,
    Category,
    CoApplicant,
    Contributor,
    Entry,
    Indicator,
    IntellectualProperty,
    TechnicalField,
    User,
)

CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def reject_control_characters(value):
    if isinstance(value, str) and CONTROL_CHARS.search(value):
        raise ValidationError(_("This text contains invisible control characters; please retype it."),
                              code="control_characters")


def normalise_machine_text(value: str) -> str:
    # Full-width input from Chinese IMEs ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ"): only for machine fields.
    return unicodedata.normalize("NFKC", value or "").strip()


class NormalisedEmailField(forms.EmailField):
    def to_python(self, value):
        return super().to_python(normalise_machine_text(value))


class NormalisedURLField(forms.URLField):
    default_validators = [URLValidator(schemes=["http", "https"])]  # a website, not ftp: or file:

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(normalise_machine_text(value))


def clean_phone(value: str) -> str:
    value = normalise_machine_text(value)
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise ValidationError(_("Enter a phone number in international format, e.g. +86 138 0013 8000."),
                              code="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def measure(text: str, unit: str) -> int:
    return len(text.split()) if unit == "words" else len(text.strip())


def limit_hint(name: str) -> str:
    unit, limit = settings.ENTRY_LIMITS[name]
    if unit == "words":
        return str(_("At most %(limit)d words.") % {"limit": limit})
    return str(_("At most %(limit)d characters.") % {"limit": limit})


class FastSelectMixin:
    """A <select> whose options are written in Python. Django renders each <option> through a
    template (~0.1 ms each); the form has several lists of 249 countries (rows and their empty
    templates included), which made the page take 0.6 s to render. The markup is that of
    Django's select.html; the first option whose value matches is selected, as in optgroups().
    The options of a country list depend only on the language, so they are built once per
    language and process (iterating Django's lazy choices costs ~1 ms a list)."""

    def _static_options(self):
        """[(value, <option> markup, selected <option> markup)], built once per language and
        process for django-countries' lists; None for any other list."""
        choices, blank = self.choices, ()
        if isinstance(choices, BlankChoiceIterator):
            choices, blank = choices.choices, choices.blank_choice
        if not (isinstance(self, LazySelectMixin) and isinstance(choices, CallableChoiceIterator)):
            return None
        key = (id(choices.func), tuple((value, str(label)) for value, label in blank), translation.get_language())
        cached = _STATIC_OPTIONS.get(key)
        if cached is None or cached[0] is not choices.func:  # the id of a collected function may be reused
            options = list(iter(self.choices))
            if any(isinstance(label, (list, tuple)) for _value, label in options):
                return None
            cached = _STATIC_OPTIONS[key] = (choices.func, [_option(value, label) for value, label in options])
        return cached[1]

    def use_required_attribute(self, initial):
        options = None if self.is_hidden or self.allow_multiple_selected else self._static_options()
        if options is None:
            return super().use_required_attribute(initial)
        return any(value == "" for value, _html, _selected in options)  # as LazySelectMixin's, faster

    def render(self, name, value, attrs=None, renderer=None):
        options = None if self.allow_multiple_selected else self._static_options()
        if options is None:
            choices = list(iter(self.choices))  # not list(self.choices): len() of model choices is a COUNT query
            if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _value, label in choices):
                return self._render_via_optgroups(name, value, attrs)
            options = [_option(option_value, label) for option_value, label in choices]
        selected_values = set(self.format_value(value))
        html = [format_html("<select name=\"{}\"{}>", name, flatatt(self.build_attrs(self.attrs, attrs)))]
        for option_value, option, selected_option in options:
            if selected_values and option_value in selected_values:
                selected_values = ()  # a single select marks the first match only
                html.append(selected_option)
            else:
                html.append(option)
        html.append("</select>")
        return mark_safe("".join(html))

    def _render_via_optgroups(self, name, value, attrs):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html("<select name=\"{}\"{}>", widget["name"], flatatt(widget["attrs"]))]
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                html.append(format_html('<option value="{}"{}>{}</option>', option["value"],
                                        mark_safe(" selected") if option["selected"] else "", option["label"]))
        html.append("</select>")
        return mark_safe("".join(html))


_STATIC_OPTIONS = {}


def _option(value, label):
    value = "" if value is None else value
    return (str(value), format_html('<option value="{}">{}</option>', value, label),
            format_html('<option value="{}" selected>{}</option>', value, label))


_FAST_CLASSES = {}


def _fast_class(widget_class, mixin, name):
    # crispy adds the lower-cased class name to the widget's CSS classes ("textinput"), so the
    # name is part of the markup.
    key = (widget_class, mixin)
    if key not in _FAST_CLASSES:
        _FAST_CLASSES[key] = type(name, (mixin, widget_class), {})
    return _FAST_CLASSES[key]


def use_fast_select(widget):
    """Give a single-choice <select> widget (django-countries' included) FastSelectMixin."""
    widget = getattr(widget, "widget", widget)  # the admin wraps related-object selects
    widget_class = type(widget)
    if issubclass(widget_class, forms.Select) and not issubclass(widget_class, forms.SelectMultiple):
        if not issubclass(widget_class, FastSelectMixin):
            widget.__class__ = _fast_class(widget_class, FastSelectMixin, f"Fast{widget_class.__name__}")


def use_fast_selects(form):
    for field in form.fields.values():
        use_fast_select(field.widget)


def _attrs_html(attrs) -> str:
    # Django's django/forms/widgets/attrs.html: True gives a bare name, False leaves it out.
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False)


class FastInputMixin:
    """<input> and <textarea> written in Python, with exactly the markup of Django's input.html
    and textarea.html (~60 µs a field through the template engine; the entry form has ~130)."""

    INPUT_TEMPLATES = {f"django/forms/widgets/{kind}.html" for kind in
                       ("text", "number", "email", "url", "date", "datetime", "time", "checkbox", "password", "hidden")}

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name == "django/forms/widgets/textarea.html":
            return format_html("<textarea name=\"{}\"{}>\n{}</textarea>", widget["name"],
                               mark_safe(_attrs_html(widget["attrs"])), widget["value"] or "")
        if template_name in self.INPUT_TEMPLATES:
            value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
            return format_html("<input type=\"{}\" name=\"{}\"{}{}>", widget["type"], widget["name"], value,
                               mark_safe(_attrs_html(widget["attrs"])))
        return super()._render(template_name, context, renderer)


FastCheckboxInput = _fast_class(forms.CheckboxInput, FastInputMixin, "CheckboxInput")


def use_fast_widgets(form):
    """Selects, inputs and textareas of `form` rendered in Python (same markup as Django's)."""
    for field in form.fields.values():
        widget = field.widget
        widget_class = type(widget)
        if isinstance(widget, (forms.widgets.Input, forms.Textarea)) and not isinstance(widget, (forms.FileInput,
                                                                                         FastInputMixin)):
            widget.__class__ = _fast_class(widget_class, FastInputMixin, widget_class.__name__)
        else:
            use_fast_select(widget)


class OnceModelChoiceIterator(forms.models.ModelChoiceIterator):
    """Queries the choices once per form: rendering iterates them up to three times (the
    options, the `required` attribute check, len())."""

    def _load(self):
        if not hasattr(self, "_choices"):
            self._choices = list(super().__iter__())
        return self._choices

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __bool__(self):
        return bool(self._load())


class PlainTextMixin:
    """Every text field of our forms refuses NUL and other control characters (PostgreSQL
    rejects NUL bytes; SQLite would store them silently)."""

    def _post_clean(self):
        for name, value in list(getattr(self, "cleaned_data", {}).items()):
            if isinstance(value, str) and CONTROL_CHARS.search(value):
                self.add_error(name, ValidationError(
                    _("This text contains invisible control characters; please retype it."), code="control_characters"))
        super()._post_clean()


def pair(field: str) -> Row:
    """The two language versions of a field side by side (stacked on phones)."""
    return Row(Column(f"{field}_zh_hans", css_class="col-12 col-lg-6"),
               Column(f"{field}_en", css_class="col-12 col-lg-6"))


def half(*fields) -> Row:
    return Row(*[Column(f, css_class="col-12 col-md-6") for f in fields])


def section(key: str, title, *fields) -> Fieldset:
    return Fieldset(title, HTML(f'{{% include "submissions/_section_status.html" with key="{key}" %}}'),
                    *fields, css_id=f"section-{key}", css_class="form-section")


class EntryForm(PlainTextMixin, forms.ModelForm):
    """The recommendation form (FORM.md §C), sections 1–5 and 7; files are handled by
    AttachmentForm so that a rejected file never costs the text a nominator typed."""

    BILINGUAL_LABELS = {
        "title": (_("Technology name (Chinese)"), _("Technology name (English)")),
        "keywords": (_("Keywords (Chinese)"), _("Keywords (English)")),
        "org_name": (_("Organisation name (Chinese)"), _("Organisation name (English)")),
        "org_address": (_("Postal address (Chinese)"), _("Postal address (English)")),
        "summary": (_("Summary (Chinese)"), _("Summary (English)")),
        "innovations": (_("Key innovations (Chinese)"), _("Key innovations (English)")),
        "indicators_text": (_("Key technical indicators vs. the state of the art (Chinese)"),
                            _("Key technical indicators vs. the state of the art (English)")),
        "application": (_("Application and industrialisation status (Chinese)"),
                        _("Application and industrialisation status (English)")),
        "prospects": (_("Prospects and impact on the NEV industry (Chinese)"),
                      _("Prospects and impact on the NEV industry (English)")),
        "evaluation": (_("Third-party evaluation / testing (Chinese)"), _("Third-party evaluation / testing (English)")),
        "statement": (_("Recommendation statement (Chinese)"), _("Recommendation statement (English)")),
    }
    AUTOCOMPLETE = {
        "org_name_zh_hans": "organization", "org_name_en": "organization", "org_address_zh_hans": "street-address",
        "org_address_en": "street-address", "org_postal_code": "postal-code", "org_website": "url",
        "contact_name": "name", "contact_position": "organization-title", "contact_email": "email",
        "contact_mobile": "tel", "contact_phone": "tel", "signatory_name": "name",
        "signatory_position": "organization-title",
    }
    HELP = {
        "category": _("Cutting-edge: forward-looking technologies mainly at the basic-research stage, expected to "
                      "reach products in 5–10 years. Innovative: technologies already applied in new energy vehicles."),
        "keywords_zh_hans": _("3 to 5 keywords, separated by commas."),
        "org_registration_number": _("For organisations in mainland China: the 18-character unified social credit code."),
        "contact_mobile": _("International format, e.g. +86 138 0013 8000."),
        "contact_language": _("E-mails about this entry are sent in this language."),
        "innovations_zh_hans": _("3 to 5 numbered points."),
        "application_zh_hans": _("Required for innovative technologies: vehicles or customers, volumes, since when."),
        "prospects_zh_hans": _("Economic, social and environmental benefits; for cutting-edge technologies the "
                               "expected time to product."),
        "statement_zh_hans": _("Not needed for self-nominations."),
        "signatory_name": _("Typing your name here serves as your electronic signature."),
    }

    class Meta:
        model = Entry
        fields = [
            "category", "technical_field", "title_zh_hans", "title_en", "keywords_zh_hans", "keywords_en",
            "org_name_zh_hans", "org_name_en", "org_country", "org_type", "org_registration_number",
            "org_address_zh_hans", "org_address_en", "org_postal_code", "org_website",
            "contact_name", "contact_position", "contact_email", "contact_mobile", "contact_phone",
            "contact_language",
            "summary_zh_hans", "summary_en", "innovations_zh_hans", "innovations_en",
            "indicators_text_zh_hans", "indicators_text_en", "maturity", "rd_start", "rd_end",
            "application_zh_hans", "application_en", "prospects_zh_hans", "prospects_en",
            "evaluation_zh_hans", "evaluation_en", "patents_granted", "patents_pending", "ip_other",
            "contributors_publish_consent",
            "recommended_by", "recommender_name", "recommender_organisation", "recommender_title",
            "recommender_email", "recommender_phone", "statement_zh_hans", "statement_en",
            "decl_authentic", "decl_no_ip_dispute", "decl_no_classified", "consent_publication",
            "consent_personal_data", "signatory_name", "signatory_position",
        ]
        field_classes = {"contact_email": NormalisedEmailField, "recommender_email": NormalisedEmailField,
                         "org_website": NormalisedURLField}
        widgets = {
            "category": forms.RadioSelect,
            "recommended_by": forms.RadioSelect,
            "rd_start": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "rd_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = None
        for name, queryset in (("category", Category.objects.all()),
                               ("technical_field", TechnicalField.objects.filter(active=True))):
            self.fields[name].iterator = OnceModelChoiceIterator
            self.fields[name].queryset = queryset  # also gives the widget an iterator of the new class
        self.fields["recommended_by"].choices = [c for c in self.fields["recommended_by"].choices if c[0]]
        for base, (label_zh, label_en) in self.BILINGUAL_LABELS.items():
            self.fields[f"{base}_zh_hans"].label = label_zh
            self.fields[f"{base}_en"].label = label_en
            self.fields[f"{base}_zh_hans"].widget.attrs["lang"] = "zh-Hans"
            self.fields[f"{base}_en"].widget.attrs["lang"] = "en"
        for name, (unit, limit) in settings.ENTRY_LIMITS.items():
            widget = self.fields[name].widget
            widget.attrs.update({"data-limit": limit, "data-limit-unit": unit})
            if isinstance(widget, forms.Textarea):
                widget.attrs["rows"] = 5
            self.fields[name].help_text = limit_hint(name)
        for name, help_text in self.HELP.items():
            current = self.fields[name].help_text
            self.fields[name].help_text = f"{help_text} {current}".strip()
        for name, token in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = token
        for name in ("contact_mobile", "contact_phone", "recommender_phone"):
            self.fields[name].widget.attrs.update({"type": "tel", "inputmode": "tel", "placeholder": "+86 138 0013 8000"})
        for name in self.fields:
            self.fields[name].required = False  # drafts: completeness is checked at submission
        use_fast_widgets(self)
        self.helper = FormHelper()
        self.helper.field_template = "bootstrap5/entry_field.html"
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            section("category", _("1. Category and technical field"),
                    "category", "technical_field", pair("title"), pair("keywords")),
            section("organisation", _("2. Applicant organisation"),
                    pair("org_name"), half("org_country", "org_type"), pair("org_address"),
                    Row(Column("org_registration_number", css_class="col-12 col-md-4"),
                        Column("org_postal_code", css_class="col-12 col-md-3"),
                        Column("org_website", css_class="col-12 col-md-5")),
                    HTML('{% include "submissions/_formset.html" with formset=formsets.co_applicants %}')),
            section("contact", _("3. Contact person"),
                    half("contact_name", "contact_position"), half("contact_email", "contact_language"),
                    half("contact_mobile", "contact_phone")),
            section("technology", _("4. Technology"),
                    pair("summary"), pair("innovations"), pair("indicators_text"),
                    HTML('{% include "submissions/_formset.html" with formset=formsets.indicators %}'),
                    Row(Column("maturity", css_class="col-12 col-md-6"), Column("rd_start", css_class="col-6 col-md-3"),
                        Column("rd_end", css_class="col-6 col-md-3")),
                    HTML('{% include "submissions/_maturity_warning.html" %}'),
                    pair("application"), pair("prospects"), pair("evaluation"),
                    Row(Column("patents_granted", css_class="col-12 col-md-4"),
                        Column("patents_pending", css_class="col-12 col-md-4"),
                        Column("ip_other", css_class="col-12 col-md-4")),
                    HTML('{% include "submissions/_formset.html" with formset=formsets.ip_items %}'),
                    HTML('{% include "submissions/_formset.html" with formset=formsets.awards %}'),
                    HTML('{% include "submissions/_formset.html" with formset=formsets.contributors %}'),
                    "contributors_publish_consent"),
            section("recommendation", _("5. Recommendation"),
                    "recommended_by", half("recommender_name", "recommender_organisation"),
                    Row(Column("recommender_title", css_class="col-12 col-md-4"),
                        Column("recommender_email", css_class="col-12 col-md-4"),
                        Column("recommender_phone", css_class="col-12 col-md-4")),
                    pair("statement")),
            HTML('{% include "submissions/_attachments_section.html" %}'),
            section("declarations", _("7. Declarations"),
                    "decl_authentic", "decl_no_ip_dispute", "decl_no_classified", "consent_publication",
                    Div("consent_personal_data", HTML('{% include "submissions/_privacy_link.html" %}')),
                    half("signatory_name", "signatory_position")),
        )

    def clean(self):
        data = super().clean()
        for name, (unit, limit) in settings.ENTRY_LIMITS.items():
            value = data.get(name) or ""
            if value and measure(value, unit) > limit:
                message = (_("At most %(limit)d words (now %(count)d).") if unit == "words"
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
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_fast_widgets(self)


ROW_FORMSETS = {
    # prefix: (model, fields, max rows, heading)
    "co_applicants": (CoApplicant, ["name_zh_hans", "name_en", "country", "role"], 10,
                      _("Co-applicant organisations (in order of contribution)")),
    "indicators": (Indicator, ["name", "unit", "this_value", "best_value", "source"], 15,
                   _("Key technical indicators")),
    "ip_items": (IntellectualProperty, ["title", "kind", "country", "number", "status", "holder"], 30,
                 _("Intellectual property list")),
    "awards": (Award, ["name", "year", "level", "body"], 15, _("Awards")),
    "contributors": (Contributor, ["full_name", "organisation", "title", "contribution"], 10,
                     _("Key contributors (at most 10)")),
}
ROW_LABELS = {"name_zh_hans": _("Name (Chinese)"), "name_en": _("Name (English)")}


class RowFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        use_fast_widgets(form)  # the row id, the entry and DELETE are added after RowForm.__init__

    @cached_property
    def management_form(self):
        form = super().management_form
        use_fast_widgets(form)
        return form


@functools.cache
def _formset_class(prefix):
    # Built once per process, like a module-level class: the labels are lazy, so they are
    # translated when rendered.
    model, fields, max_num, _heading = ROW_FORMSETS[prefix]
    # A new list: BaseInlineFormSet appends the foreign key to the form's field list, which used
    # to grow ROW_FORMSETS itself (and gave the read-only row tables an "entry" column).
    return forms.inlineformset_factory(
        Entry, model, form=RowForm, formset=RowFormSet, fields=[*fields, "entry"], extra=1, max_num=max_num,
        validate_max=True, can_delete=True, labels={f: ROW_LABELS[f] for f in fields if f in ROW_LABELS})


def build_formsets(data=None, instance=None) -> dict:
    formsets = {}
    for prefix, (_model, _fields, _max_num, heading) in ROW_FORMSETS.items():
        formset = _formset_class(prefix)(data, instance=instance, prefix=prefix)
        formset.heading = heading
        formsets[prefix] = formset
    return formsets


# --- Cached rendering of the unbound entry form ---------------------------------------------------
# Rendering the ~130 fields costs ~70 ms; an unchanged form is served from the cache instead. The
# key is a digest of everything the rendered fields show, so a changed entry, file, row, category,
# technical field, translation or template gives a new key and is never served stale; bound forms
# and forms with errors are never cached (see views.nominator._render_form).
ENTRY_FORM_CACHE_SECONDS = 3600
_FORM_SOURCES = [  # what the cached HTML is made from, besides the database
    Path(__file__), Path(__file__).with_name("models.py"),
    Path(settings.BASE_DIR) / "templates" / "bootstrap5" / "entry_field.html",
    *[Path(settings.BASE_DIR) / "templates" / "submissions" / f"{name}.html" for name in
      ("_formset", "_section_status", "_maturity_warning", "_attachments_section", "_privacy_link")],
]


@functools.cache
def _code_fingerprint() -> str:
    """The templates, this module, the compiled translations and the package versions: after a
    deployment a shared cache (Redis) must not hand out HTML of the previous version."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for path in _FORM_SOURCES:
        digest.update(path.read_bytes() if path.exists() else b"-")
    for locale_path in settings.LOCALE_PATHS:
        for mo in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.mo")):
            digest.update(f"{mo}:{mo.stat().st_mtime_ns}:{mo.stat().st_size}".encode())
    for package in ("django", "django-crispy-forms", "crispy-bootstrap5", "django-countries"):
        digest.update(version(package).encode())
    return digest.hexdigest()


def entry_form_cache_key(*, user, entry, initial, missing, maturity_warning) -> str:
    """Cache key of the rendered EntryForm (unbound, no errors) with its row formsets.

    `entry` is the saved entry with its attachments prefetched (None for a new one), `initial`
    the new form's initial data. The row tables are not read for the key: their changes go
    through a save of the entry (services.save_entry, the admin's change form), which moves
    `updated_at`, one of the entry's values below. A row written any other way (a shell, a
    restore) shows after ENTRY_FORM_CACHE_SECONDS at the latest. The user's id keeps one
    nominator's copy away from everyone else even if a caller forgot the ownership check."""
    parts = [_code_fingerprint(), connection.settings_dict["NAME"], translation.get_language(), user.pk,
             sorted((name, str(value)) for name, value in (initial or {}).items()),
             [(m.section, m.field, m.message) for m in missing], maturity_warning,
             # The choices of the category and technical field (labels in both languages).
             list(Category.objects.values_list("pk", "code", "name_zh_hans", "name_en")),
             list(TechnicalField.objects.filter(active=True).values_list("pk", "name_zh_hans", "name_en"))]
    if entry is not None:
        parts.append([(field.attname, getattr(entry, field.attname)) for field in Entry._meta.concrete_fields])
        parts.append([(a.pk, a.kind, a.original_name, a.size) for a in entry.attachments.all()])
    return "entry-form:" + hashlib.sha256(repr(parts).encode()).hexdigest()


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of file"), choices=AttachmentKind.choices)
    file = forms.FileField(label=_("File"), max_length=255,
                           help_text=_("PDF, or JPEG, PNG or WebP for images and the recommendation letter."))
    caption_zh_hans = forms.CharField(label=_("Caption (Chinese)"), max_length=200, required=False)
    caption_en = forms.CharField(label=_("Caption (English)"), max_length=200, required=False)
    may_publish = forms.BooleanField(label=_("This image may be published if the technology is selected"),
                                     required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".pdf,application/pdf,.jpg,.jpeg,.png,.webp,image/*"
        self.fields["caption_zh_hans"].widget.attrs["lang"] = "zh-Hans"
        self.fields["caption_en"].widget.attrs["lang"] = "en"

    def clean(self):
        data = super().clean()
        for name in ("caption_zh_hans", "caption_en"):
            reject_control_characters(data.get(name))
        return data


class WithdrawForm(PlainTextMixin, forms.Form):
    note = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))


# --- Accounts ----------------------------------------------------------------------------------
class EmailFieldMixin:
    def clean_email(self):
        email = normalise_machine_text(self.cleaned_data.get("email")).lower()
        forms.EmailField().clean(email)
        return email


class SignupForm(EmailFieldMixin, PlainTextMixin, forms.ModelForm):
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    class Meta:
        model = User
        fields = ["email", "full_name", "organisation", "language"]
        field_classes = {"email": NormalisedEmailField}
        widgets = {"email": forms.EmailInput(attrs={"autocomplete": "email"}),
                   "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
                   "organisation": forms.TextInput(attrs={"autocomplete": "organization"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = translation.get_language()

    def clean_email(self):
        email = super().clean_email()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("An account with this e-mail address already exists. Log in or reset your password."),
                                  code="duplicate")
        return email

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords do not match."))
        elif data.get("password1"):
            user = User(email=data.get("email") or "", full_name=data.get("full_name") or "")
            try:
                password_validation.validate_password(data["password1"], user)
            except ValidationError as error:
                self.add_error("password1", error)
        return data

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class LoginForm(auth_forms.AuthenticationForm):
    def clean_username(self):
        return normalise_machine_text(self.cleaned_data.get("username")).lower()


class ProfileForm(PlainTextMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "organisation", "language"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    def get_users(self, email):
        email = normalise_machine_text(email).lower()
        return (u for u in User.objects.filter(email__iexact=email, is_active=True) if u.has_usable_password())

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        # The reset e-mail goes out in the account's language, not the language of the page.
        with translation.override(context["user"].language):
            super().send_mail(subject_template_name, email_template_name, context, from_email, to_email,
                              html_email_template_name)
