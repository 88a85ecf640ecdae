"""Widgets that write their HTML in Python, with the markup of Django's widget templates
(django/forms/widgets/input.html, textarea.html, select.html, select_option.html, attrs.html).

The recommendation form has ~130 fields; through the template engine each widget costs several
template renders (its template, attrs.html, and one select_option.html per <option>), which was
most of the form's time. These subclasses override only the public `Widget.render()`; they keep
the class names of Django's widgets because crispy-forms adds the lower-cased class name as a
CSS class ("textinput", "select"). The tests compare their output with Django's own."""

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
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


# --- A field with its label, errors and help, as templates/bootstrap5/entry_field.html writes it -----
def _with_classes(field, classes: str) -> str:
    """The field's widget with crispy-forms' CSS classes, as its {% crispy_field %} tag adds them:
    the widget's own class name ("textinput"), then `classes`, each once."""
    widget = field.field.widget
    name = type(widget).__name__.lower()
    css = widget.attrs.get("class", "")
    css = (css if name in css else f"{css} {name}") if css else name
    for extra in classes.split():
        if extra not in css.split():
            css += " " + extra
    widget.attrs["class"] = css
    return str(field)


def _errors_and_help(field, error_text_inline: bool) -> list:
    parts = []
    if field.errors:
        tag = "span" if error_text_inline else "p"
        parts.append(format_html('<div id="{}_error" class="invalid-feedback">{}</div>\n', field.errors.field_id,
                                 format_html_join("", '<{} id="error_{}_{}"><strong>{}</strong></{}>',
                                                  ((tag, number, field.auto_id, error, tag)
                                                   for number, error in enumerate(field.errors, 1)))))
    if field.help_text:
        parts.append(format_html('<div id="{}_helptext" class="form-text">{}</div>\n', field.auto_id,
                                 mark_safe(field.help_text)))  # as the template's |safe: our own texts
    return parts


def field_html(field, *, error_text_inline: bool = True):
    """One field of the entry form (text, number, e-mail, URL, date, textarea, select, checkbox),
    written in Python with exactly the markup of templates/bootstrap5/entry_field.html (a test
    compares them): through the template engine each of the form's ~130 fields cost a copy of the
    whole context and some forty nodes."""
    if field.is_hidden:
        return mark_safe(str(field))
    css = f" {field.css_classes()}" if field.css_classes() else ""
    required = field.field.required
    marker = mark_safe('<span class="asteriskField">*</span>') if required else ""
    if isinstance(field.field.widget, forms.CheckboxInput):
        widget = _with_classes(field, "form-check-input is-invalid" if field.errors else "form-check-input")
        label = format_html('<label for="{}" class="form-check-label{}">{}{}</label>\n', field.id_for_label,
                            " requiredField" if required else "", field.label, marker)
        return mark_safe("".join([format_html('<div class="mb-3"><div id="div_{}" class="form-check{}">', field.auto_id,
                                              css), widget, "\n", label, *_errors_and_help(field, error_text_inline),
                                  "</div></div>\n"]))
    base = "form-select" if isinstance(field.field.widget, forms.Select) else "form-control"
    widget = _with_classes(field, f"{base} is-invalid" if field.errors else base)
    label = ""
    if field.label:
        target = format_html('for="{}" ', field.id_for_label) if field.id_for_label else ""
        label = format_html('\n<label {}class="form-label{}">{}{}</label>', target,
                            " requiredField" if required else "", field.label, marker)
    return mark_safe("".join([format_html('<div id="div_{}" class="mb-3{}">', field.auto_id, css), label, "\n",
                              widget, "\n", *_errors_and_help(field, error_text_inline), "</div>\n"]))


class PythonField:
    """A crispy-forms layout object (crispy renders anything with a public `render()`) for one
    field written by field_html(); radio buttons and files keep crispy's own templates."""

    def __init__(self, name: str):
        self.name = name

    def render(self, form, context, template_pack=None, **kwargs):
        if hasattr(form, "rendered_fields"):
            form.rendered_fields.add(self.name)
        return field_html(form[self.name], error_text_inline=True)
