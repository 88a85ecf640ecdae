"""The recommendation form (FORM.md §C), declared once: its sections in order with their titles,
the fields of each, which are bilingual (read from the modeltranslation registry), which are
required at submission (in both languages, in one, or plainly), under which condition, and
every length limit. The crispy layout (forms.entry), the admin fieldsets (admin.entries), the
completeness check (selectors.completeness), the expert's side-by-side view, the section
navigation and the error summary (views) are all derived from SECTIONS.

A leaf: no import of the app's models (the row models are named, and looked up when needed)."""

import functools
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import translator

# Required at submission: in both languages, in at least one, or (a single-language field, or a
# declaration to tick) plainly. Drafts accept anything well-formed.
BOTH, ONE, YES, NO = "both", "one", "yes", ""
# Conditions under which a field is required.
INNOVATIVE = "innovative"  # the entry is in the innovative category
RECOMMENDED = "recommended"  # the entry is recommended by an organisation or an expert (not self-nominated)

LANGUAGE_SUFFIXES = tuple(code.replace("-", "_") for code, _name in settings.LANGUAGES)  # ("zh_hans", "en")
# Words for English, characters for Chinese (FORM.md §C: the client's own limits).
CHARS, WORDS = "chars", "words"


@dataclass(frozen=True)
class Field:
    name: str  # the model field; for a bilingual field its base name ("title" for title_zh_hans/title_en)
    required: str = NO
    when: str = ""  # INNOVATIVE or RECOMMENDED: required only then
    limits: tuple = ()  # ((language suffix or "", unit, limit), …)
    cols: str = "col-12"  # Bootstrap column classes of a single-language field
    help: str = ""
    autocomplete: str = ""
    after: str = ""  # a template included right after the field (e.g. the privacy-notice link)


@dataclass(frozen=True)
class Rows:
    """A table of structured rows (a formset in the form, a table in the read-only views)."""

    prefix: str  # the related name on Entry, also the formset prefix
    model: str
    fields: tuple
    max_rows: int
    heading: str


@dataclass(frozen=True)
class Include:
    """A template the form shows at this place (e.g. the maturity warning)."""

    template: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    items: tuple
    in_form: bool = True  # the attachments are uploaded on their own page, not in this form


SECTIONS = (
    Section("category", _("1. Category and technical field"), (
        Field("category", YES, help=_("Cutting-edge: forward-looking technologies mainly at the basic-research stage, "
                                      "expected to reach products in 5–10 years. Innovative: technologies already "
                                      "applied in new energy vehicles.")),
        Field("technical_field", YES),
        Field("title", BOTH, limits=(("zh_hans", CHARS, 30), ("en", CHARS, 200))),
        Field("keywords", help=_("3 to 5 keywords, separated by commas.")),
    )),
    Section("organisation", _("2. Applicant organisation"), (
        Field("org_name", ONE, autocomplete="organization"),
        Field("org_country", YES, cols="col-12 col-md-6",
              help=_("Type the name in Chinese or English and choose it from the list.")),
        Field("org_type", YES, cols="col-12 col-md-6"),
        Field("org_address", ONE, autocomplete="street-address"),
        Field("org_registration_number", cols="col-12 col-md-4",
              help=_("For organisations in mainland China: the 18-character unified social credit code.")),
        Field("org_postal_code", cols="col-12 col-md-3", autocomplete="postal-code"),
        Field("org_website", cols="col-12 col-md-5", autocomplete="url"),
        Rows("co_applicants", "CoApplicant", ("name_zh_hans", "name_en", "country", "role"), 10,
             _("Co-applicant organisations (in order of contribution)")),
    )),
    Section("contact", _("3. Contact person"), (
        Field("contact_name", YES, cols="col-12 col-md-6", autocomplete="name"),
        Field("contact_position", YES, cols="col-12 col-md-6", autocomplete="organization-title"),
        Field("contact_email", YES, cols="col-12 col-md-6", autocomplete="email"),
        Field("contact_language", YES, cols="col-12 col-md-6",
              help=_("E-mails about this entry are sent in this language.")),
        Field("contact_mobile", YES, cols="col-12 col-md-6", autocomplete="tel",
              help=_("International format, e.g. +86 138 0013 8000.")),
        Field("contact_phone", cols="col-12 col-md-6", autocomplete="tel"),
    )),
    Section("technology", _("4. Technology"), (
        Field("summary", BOTH, limits=(("zh_hans", CHARS, 800), ("en", WORDS, 500))),
        Field("innovations", BOTH, limits=(("zh_hans", CHARS, 500), ("en", WORDS, 350)),
              help=_("3 to 5 numbered points.")),
        Field("indicators_text", ONE, limits=(("zh_hans", CHARS, 500), ("en", WORDS, 350))),
        Rows("indicators", "Indicator", ("name", "unit", "this_value", "best_value", "source"), 15,
             _("Key technical indicators")),
        Field("maturity", YES, cols="col-12 col-md-6"),
        Field("rd_start", cols="col-6 col-md-3"),
        Field("rd_end", cols="col-6 col-md-3"),
        Include("submissions/_maturity_warning.html"),
        Field("application", ONE, when=INNOVATIVE, limits=(("zh_hans", CHARS, 800), ("en", WORDS, 500)),
              help=_("Required for innovative technologies: vehicles or customers, volumes, since when.")),
        Field("prospects", ONE, limits=(("zh_hans", CHARS, 800), ("en", WORDS, 500)),
              help=_("Economic, social and environmental benefits; for cutting-edge technologies the expected "
                     "time to product.")),
        Field("evaluation", limits=(("zh_hans", CHARS, 300), ("en", WORDS, 200))),
        Field("patents_granted", cols="col-12 col-md-4"),
        Field("patents_pending", cols="col-12 col-md-4"),
        Field("ip_other", cols="col-12 col-md-4"),
        Rows("ip_items", "IntellectualProperty", ("title", "kind", "country", "number", "status", "holder"), 30,
             _("Intellectual property list")),
        Rows("awards", "Award", ("name", "year", "level", "body"), 15, _("Awards")),
        Rows("contributors", "Contributor", ("full_name", "organisation", "title", "contribution"), 10,
             _("Key contributors (at most 10)")),
        Field("contributors_publish_consent"),
    )),
    Section("recommendation", _("5. Recommendation"), (
        Field("recommended_by", YES),
        Field("recommender_name", YES, when=RECOMMENDED, cols="col-12 col-md-6"),
        Field("recommender_organisation", cols="col-12 col-md-6"),
        Field("recommender_title", cols="col-12 col-md-4"),
        Field("recommender_email", YES, when=RECOMMENDED, cols="col-12 col-md-4"),
        Field("recommender_phone", cols="col-12 col-md-4"),
        Field("statement", ONE, when=RECOMMENDED, limits=(("zh_hans", CHARS, 600), ("en", WORDS, 400)),
              help=_("Not needed for self-nominations.")),
    )),
    Section("attachments", _("6. Attachments"), (Include("submissions/_attachments_section.html"),), in_form=False),
    Section("declarations", _("7. Declarations"), (
        Field("decl_authentic", YES),
        Field("decl_no_ip_dispute", YES),
        Field("decl_no_classified", YES),
        Field("consent_publication", YES),
        Field("consent_personal_data", YES, after="submissions/_privacy_link.html"),
        Field("signatory_name", YES, cols="col-12 col-md-6", autocomplete="name",
              help=_("Typing your name here serves as your electronic signature.")),
        Field("signatory_position", YES, cols="col-12 col-md-6", autocomplete="organization-title"),
    )),
)
SECTION_TITLES = {section.key: section.title for section in SECTIONS}

# Labels of the two language versions: "Summary (Chinese)" / "Summary (English)". Written out so
# that translators see whole phrases (Chinese word order differs).
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
ROW_LABELS = {"name_zh_hans": _("Name (Chinese)"), "name_en": _("Name (English)")}


def fields(section=None):
    """The Field items of one section, or of the whole form, in form order."""
    for candidate in SECTIONS:
        if section is None or candidate.key == section:
            yield from (item for item in candidate.items if isinstance(item, Field))


def row_tables():
    """The Rows items in form order."""
    return [item for section in SECTIONS for item in section.items if isinstance(item, Rows)]


def rows(prefix: str) -> Rows:
    return next(table for table in row_tables() if table.prefix == prefix)


def row_model(table: Rows):
    return apps.get_model("submissions", table.model)


@functools.cache
def bilingual_fields() -> frozenset:
    """The entry's fields that modeltranslation stores in both languages (registered at start-up
    in translation.py, so read once per process)."""
    return frozenset(translator.get_options_for_model(apps.get_model("submissions", "Entry")).fields)


def is_bilingual(name: str) -> bool:
    return name in bilingual_fields()


def names(field: Field) -> list[str]:
    """The form/model field names of a schema field: [title_zh_hans, title_en] or [category]."""
    if is_bilingual(field.name):
        return [f"{field.name}_{suffix}" for suffix in LANGUAGE_SUFFIXES]
    return [field.name]


def form_field_names() -> list[str]:
    """Every field of the nominator's form, in form order."""
    return [name for section in SECTIONS if section.in_form for field in fields(section.key) for name in names(field)]


def limits() -> dict[str, tuple[str, int]]:
    """{form field name: (unit, limit)} for every limited field."""
    result = {}
    for field in fields():
        for suffix, unit, limit in field.limits:
            result[f"{field.name}_{suffix}" if suffix else field.name] = (unit, limit)
    return result


def _label(name: str) -> str:
    """The label of a form field: the bilingual label, or the model field's verbose name."""
    for index, suffix in enumerate(LANGUAGE_SUFFIXES):
        base = name.removesuffix(f"_{suffix}")
        if base != name and base in BILINGUAL_LABELS:
            return str(BILINGUAL_LABELS[base][index])
    return str(capfirst(apps.get_model("submissions", "Entry")._meta.get_field(name).verbose_name))


label = lazy(_label, str)


def section_of(name: str) -> str:
    """The key of the section a form field (or an attachment kind) belongs to."""
    for section in SECTIONS:
        for field in fields(section.key):
            if name == field.name or name in names(field):
                return section.key
    return "attachments"
