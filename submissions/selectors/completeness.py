"""What an entry still lacks before it can be submitted, section by section, in form order."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .. import schema
from ..enums import AttachmentKind, Maturity, RecommenderType
from ..models import Category, Entry


@dataclass(frozen=True)
class Missing:
    section: str  # "category", "organisation", "contact", "technology", "recommendation", "attachments", "declarations"
    field: str  # form field name (or attachment kind) the message belongs to
    message: str


def _blank(value) -> bool:
    return value is None or not str(value).strip()  # str() also covers django-countries' Country


def _verbose(name: str) -> str:
    return str(Entry._meta.get_field(name).verbose_name)


def _applies(field: schema.Field, entry: Entry) -> bool:
    if field.when == schema.INNOVATIVE:
        return bool(entry.category_id) and entry.category.code == Category.INNOVATIVE
    if field.when == schema.RECOMMENDED:
        return bool(entry.recommended_by) and entry.recommended_by != RecommenderType.SELF
    return True


def _missing_field(section: str, field: schema.Field, entry: Entry) -> list[Missing]:
    name = field.name
    if field.required == schema.BOTH:
        return [Missing(section, column, str(_("%(field)s is required.") % {"field": schema.label(column)}))
                for column in schema.names(field) if _blank(getattr(entry, column))]
    if field.required == schema.ONE:
        columns = schema.names(field)
        if not all(_blank(getattr(entry, column)) for column in columns):
            return []
        if field.when == schema.INNOVATIVE:
            message = _("%(field)s is required for innovative technologies.")
        elif field.when == schema.RECOMMENDED:
            message = _("%(field)s is required unless the entry is self-nominated.")
        else:
            message = _("%(field)s is required in at least one language.")
        return [Missing(section, columns[0], str(message % {"field": capfirst(_verbose(name))}))]
    model_field = Entry._meta.get_field(name)
    if model_field.get_internal_type() == "BooleanField":
        if getattr(entry, name):
            return []
        return [Missing(section, name, str(_("Please confirm: %(declaration)s") % {"declaration": _verbose(name)}))]
    if not _blank(getattr(entry, model_field.attname)):
        return []
    message = (_("%(field)s is required unless the entry is self-nominated.") if field.when == schema.RECOMMENDED
               else _("%(field)s is required."))
    return [Missing(section, name, str(message % {"field": capfirst(_verbose(name))}))]


def _missing_files(entry: Entry) -> list[Missing]:
    kinds = {a.kind for a in entry.attachments.all()}
    items = []
    if AttachmentKind.REPORT not in kinds:
        items.append(Missing("attachments", AttachmentKind.REPORT, str(_("The technical report (PDF) is missing."))))
    if AttachmentKind.IMAGE not in kinds:
        items.append(Missing("attachments", AttachmentKind.IMAGE, str(_("At least one image is required."))))
    if entry.recommended_by and entry.recommended_by != RecommenderType.SELF and AttachmentKind.LETTER not in kinds:
        items.append(Missing("attachments", AttachmentKind.LETTER, str(
            _("The signed recommendation letter is missing (required unless self-nominated)."))))
    return items


def missing_items(entry: Entry) -> list[Missing]:
    """Everything that must still be given before the entry can be submitted, in form order, as
    schema.SECTIONS declares it. Messages name the field and, for bilingual fields, the language."""
    items: list[Missing] = []
    for section in schema.SECTIONS:
        if section.key == "attachments":
            items += _missing_files(entry)
            continue
        for field in schema.fields(section.key):
            if field.required and _applies(field, entry):
                items += _missing_field(section.key, field, entry)
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
