"""Template helpers of the expert review: the "Review" menu link and the published results."""

from django import template

from .. import review_queries

register = template.Library()


@register.filter
def is_expert(user) -> bool:
    return getattr(user, "is_authenticated", False) and review_queries.is_expert(user)


@register.simple_tag
def published_result_editions():
    return review_queries.published_editions()
