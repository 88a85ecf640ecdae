"""`{% entry_field field %}`: one field of the entry form's row tables, written in Python
(forms.widgets.field_html, the markup of templates/bootstrap5/entry_field.html)."""

from django import template

from ..forms.widgets import field_html

register = template.Library()


@register.simple_tag
def entry_field(field, error_text_inline=False):
    return field_html(field, error_text_inline=error_text_inline)
