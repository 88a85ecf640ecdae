"""Fields stored in both languages (django-modeltranslation adds `_zh_hans` and `_en` columns).

No `required_languages`: drafts may be partial, so "both languages at submission" is enforced
by services.missing_items(), and the admin forms of reference content by their own clean()."""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    Assignment,
    Attachment,
    Category,
    CoApplicant,
    Conflict,
    Criterion,
    Edition,
    Entry,
    Page,
    Review,
    Round,
    Score,
    TechnicalField,
)


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


@register(Criterion)
class CriterionTranslationOptions(TranslationOptions):
    fields = ("name", "description")


# After the translation fields exist, so that the history keeps both language versions.
# Votes and ballots get no history: the ballot is secret and a changed ballot leaves no trace.
register_history(Criterion, app="submissions")
register_history(Round, app="submissions")
register_history(Assignment, app="submissions")
register_history(Conflict, app="submissions")
register_history(Review, app="submissions")
register_history(Score, app="submissions")
