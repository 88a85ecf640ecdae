"""Template helpers of the expert review: the "Review" menu link and the published results."""

from django import template

from ..selectors import results as results_selectors
from ..selectors import review as review_queries

register = template.Library()


@register.filter
def is_expert(user) -> bool:
    return getattr(user, "is_authenticated", False) and review_queries.is_expert(user)


@register.simple_tag
def published_result_editions():
    return results_selectors.published_editions()
