"""Widgets that write their HTML in Python, with the markup of Django's widget templates
(django/forms/widgets/input.html, textarea.html, select.html, select_option.html, attrs.html).

The recommendation form has ~130 fields; through the template engine each widget costs several
template renders (its template, attrs.html, and one select_option.html per <option>), which was
most of the form's time. These subclasses override only the public `Widget.render()`; they keep
the class names of Django's widgets because crispy-forms adds the lower-cased class name as a
CSS class ("textinput", "select"). The tests compare their output with Django's own."""

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def attrs_html(attrs) -> str:
    # attrs.html: True gives a bare name, False leaves the attribute out. (conditional_escape is
    # what format_html applies to each argument; joined directly, without a format_html per
    # attribute, as this runs for every widget of a page.)
    return mark_safe("".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False))


class InputMixin:
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        value_html = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value_html,
                           attrs_html(widget["attrs"]))


class TextInput(InputMixin, forms.TextInput):
    pass


class NumberInput(InputMixin, forms.NumberInput):
    pass


class EmailInput(InputMixin, forms.EmailInput):
    pass


class URLInput(InputMixin, forms.URLInput):
    pass


class DateInput(InputMixin, forms.DateInput):
    pass


class HiddenInput(InputMixin, forms.HiddenInput):
    pass


class CheckboxInput(InputMixin, forms.CheckboxInput):
    pass


class Textarea(forms.Textarea):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html('<textarea name="{}"{}>\n{}</textarea>', widget["name"], attrs_html(widget["attrs"]),
                           widget["value"] or "")


class Select(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], attrs_html(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            # select_option.html ends with a newline, hence the blank line after each option.
            parts.extend(format_html('\n  <option value="{}"{}>{}</option>\n', option["value"],
                                     attrs_html(option["attrs"]), option["label"]) for option in options)
            if group_name:
                parts.append(mark_safe("\n  </optgroup>"))
        parts.append(mark_safe("\n</select>"))
        return mark_safe("".join(parts))


# Django's default widget class → the one written in Python (the formfield_callback of our forms).
PYTHON_WIDGETS = {forms.TextInput: TextInput, forms.NumberInput: NumberInput, forms.EmailInput: EmailInput,
                  forms.URLInput: URLInput, forms.DateInput: DateInput, forms.HiddenInput: HiddenInput,
                  forms.CheckboxInput: CheckboxInput, forms.Textarea: Textarea, forms.Select: Select}


def python_rendered(widget):
    """The same widget (attributes, choices, format, type, required-ness) as its twin written in
    Python, or the widget itself when it has none (radio buttons, files)."""
    twin_class = PYTHON_WIDGETS.get(type(widget))
    if twin_class is None:
        return widget
    twin = twin_class(attrs=widget.attrs)
    for attribute in ("choices", "format", "check_test", "input_type", "is_required", "is_localized",
                      "allow_multiple_selected"):
        if hasattr(widget, attribute):
            setattr(twin, attribute, getattr(widget, attribute))
    return twin
