"""What an entry still lacks before it can be submitted, section by section, in form order."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..enums import AttachmentKind, Maturity, RecommenderType
from ..models import Category, Entry
from ..schema import BILINGUAL_LABELS


@dataclass(frozen=True)
class Missing:
    section: str  # "category", "organisation", "contact", "technology", "recommendation", "attachments", "declarations"
    field: str  # form field name (or attachment kind) the message belongs to
    message: str


def _blank(value) -> bool:
    return value is None or not str(value).strip()  # str() also covers django-countries' Country


BOTH_LANGUAGES = [("category", "title"), ("technology", "summary"), ("technology", "innovations")]
ONE_LANGUAGE = [("organisation", "org_name"), ("organisation", "org_address"),
                ("technology", "indicators_text"), ("technology", "prospects")]
REQUIRED = [
    ("category", "category"), ("category", "technical_field"),
    ("organisation", "org_country"), ("organisation", "org_type"),
    ("contact", "contact_name"), ("contact", "contact_position"), ("contact", "contact_email"),
    ("contact", "contact_mobile"), ("contact", "contact_language"),
    ("technology", "maturity"), ("recommendation", "recommended_by"),
    ("declarations", "signatory_name"), ("declarations", "signatory_position"),
]


def _label(field: str) -> str:
    return str(Entry._meta.get_field(field).verbose_name)


def missing_items(entry: Entry) -> list[Missing]:
    """Everything that must still be given before the entry can be submitted, in form order.
    Messages name the field and, for bilingual fields, the language."""
    items: list[Missing] = []
    for section, field in BOTH_LANGUAGES:
        for lang in ("zh_hans", "en"):
            if _blank(getattr(entry, f"{field}_{lang}")):
                # The form's own label ("Summary (English)"), so the message matches the field.
                label = BILINGUAL_LABELS[field][0 if lang == "zh_hans" else 1]
                items.append(Missing(section, f"{field}_{lang}", str(_("%(field)s is required.") % {"field": label})))
    for section, field in REQUIRED:
        if _blank(getattr(entry, field if not field.endswith(("category", "technical_field")) else f"{field}_id")):
            items.append(Missing(section, field, str(_("%(field)s is required.") % {"field": capfirst(_label(field))})))
    for section, field in ONE_LANGUAGE:
        if _blank(getattr(entry, f"{field}_zh_hans")) and _blank(getattr(entry, f"{field}_en")):
            items.append(Missing(section, f"{field}_zh_hans", str(
                _("%(field)s is required in at least one language.") % {"field": capfirst(_label(field))})))
    if entry.category_id and entry.category.code == Category.INNOVATIVE:
        if _blank(entry.application_zh_hans) and _blank(entry.application_en):
            items.append(Missing("technology", "application_zh_hans", str(
                _("Application and industrialisation status is required for innovative technologies."))))
    if entry.recommended_by and entry.recommended_by != RecommenderType.SELF:
        for field in ("recommender_name", "recommender_email"):
            if _blank(getattr(entry, field)):
                items.append(Missing("recommendation", field, str(
                    _("%(field)s is required unless the entry is self-nominated.") % {
                        "field": capfirst(_label(field))})))
        if _blank(entry.statement_zh_hans) and _blank(entry.statement_en):
            items.append(Missing("recommendation", "statement_zh_hans", str(
                _("The recommendation statement is required unless the entry is self-nominated."))))
    kinds = {a.kind for a in entry.attachments.all()}
    if AttachmentKind.REPORT not in kinds:
        items.append(Missing("attachments", AttachmentKind.REPORT, str(_("The technical report (PDF) is missing."))))
    if AttachmentKind.IMAGE not in kinds:
        items.append(Missing("attachments", AttachmentKind.IMAGE, str(_("At least one image is required."))))
    if entry.recommended_by and entry.recommended_by != RecommenderType.SELF and AttachmentKind.LETTER not in kinds:
        items.append(Missing("attachments", AttachmentKind.LETTER, str(
            _("The signed recommendation letter is missing (required unless self-nominated)."))))
    for field in Entry.DECLARATION_FIELDS:
        if not getattr(entry, field):
            items.append(Missing("declarations", field, str(
                _("Please confirm: %(declaration)s") % {"declaration": _label(field)})))
    return items


def maturity_warning(entry: Entry) -> str:
    """Category × maturity gives a warning, never a block (FORM.md §A)."""
    if not (entry.category_id and entry.maturity):
        return ""
    early = {Maturity.RESEARCH, Maturity.LAB_PROTOTYPE}
    if entry.category.code == Category.INNOVATIVE and entry.maturity in early:
        return str(_("Innovative technologies are usually already applied in vehicles; please check the "
                     "category or the maturity."))
    if entry.category.code == Category.CUTTING_EDGE and entry.maturity == Maturity.MASS_PRODUCTION:
        return str(_("Cutting-edge technologies are usually still at the research stage; a technology in "
                     "mass production may belong to the innovative category."))
    return ""


def ensure_complete(entry: Entry):
    if missing := missing_items(entry):
        raise ValidationError([ValidationError(m.message, code="incomplete") for m in missing])
