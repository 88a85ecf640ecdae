"""`{% fast_result_list cl %}`: Django's `{% result_list cl %}` with the faster rows of
submissions/admin_list.py (same template, same markup)."""

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode

from ..admin_list import result_list

register = template.Library()


@register.tag(name="fast_result_list")
def fast_result_list_tag(parser, token):
    return InclusionAdminNode(parser, token, func=result_list, template_name="change_list_results.html",
                              takes_context=False)
