"""The recommendation form (FORM.md §C) and its row formsets. Drafts accept any partial content,
but what is given must be well-formed (lengths, e-mails, phones, URLs); completeness is checked at
submission by selectors.completeness.missing_items()."""

import functools
import hashlib
import re
from pathlib import Path

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from ..models import Award, Category, CoApplicant, Contributor, Entry, Indicator, IntellectualProperty, TechnicalField
from ..schema import BILINGUAL_LABELS
from ..text import clean_phone, measure, normalise_machine_text
from .fields import NormalisedEmailField, NormalisedURLField, PlainTextMixin, limit_hint
from .widgets import OnceModelChoiceIterator, use_fast_widgets


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

    BILINGUAL_LABELS = BILINGUAL_LABELS
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
    Path(__file__), *Path(__file__).parent.parent.joinpath("models").glob("*.py"),
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


class WithdrawForm(PlainTextMixin, forms.Form):
    note = forms.CharField(label=_("Reason (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 3}))
