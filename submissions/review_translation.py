"""Bilingual fields of the expert review (imported at the end of translation.py)."""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .review_models import Assignment, Conflict, Criterion, Review, Round, Score


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
