"""Fields stored in both languages (django-modeltranslation adds `_zh_hans` and `_en` columns).

No `required_languages`: drafts may be partial, so "both languages at submission" is enforced
by services.missing_items(), and the admin forms of reference content by their own clean()."""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import Attachment, Category, CoApplicant, Edition, Entry, Page, TechnicalField


@register(Edition)
class EditionTranslationOptions(TranslationOptions):
    fields = ("title", "introduction")


@register(Category)
class CategoryTranslationOptions(TranslationOptions):
    fields = ("name", "definition")


@register(TechnicalField)
class TechnicalFieldTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Page)
class PageTranslationOptions(TranslationOptions):
    fields = ("title", "body")


@register(Entry)
class EntryTranslationOptions(TranslationOptions):
    fields = ("title", "keywords", "org_name", "org_address", "summary", "innovations",
              "indicators_text", "application", "prospects", "evaluation", "statement")


@register(CoApplicant)
class CoApplicantTranslationOptions(TranslationOptions):
    fields = ("name",)


@register(Attachment)
class AttachmentTranslationOptions(TranslationOptions):
    fields = ("caption",)


# History is registered here, after the translation fields exist, so that the historical
# tables record both language versions (django-simple-history copies the fields it sees).
register_history(Entry, app="submissions", excluded_fields=["form_token"])
register_history(Attachment, app="submissions")
from . import review_translation  # noqa: E402,F401  (expert review fields)
