"""The admin's change page written in Python where Django would render a template per piece.

An entry's change page has ~130 fields (both languages) and seven inlines; through the template
engine every widget costs its template plus attrs.html, every field's empty error list renders
errors/list/ul.html and every label label.html: most of the page's time. Here:

- twins of the admin's widgets (and of Django's, for the inline's hidden ids and checkboxes)
  that override only the public `Widget.render()`, with the markup of Django's templates
  (admin/widgets/url.html, admin/widgets/date.html, django/forms/widgets/*.html);
- an ErrorList whose public `render()` gives "" at once when there is no error (the templates
  give "" then too) and Django's templates otherwise;
- a ModelForm whose public `render()` writes label.html in Python and which puts the twins in
  place of the widgets of its fields (inside RelatedFieldWidgetWrapper only the inner select).

The tests compare every piece with Django's own rendering."""

from django import forms
from django.contrib.admin import helpers
from django.contrib.admin import widgets as admin_widgets
from django.forms.utils import ErrorList
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..forms import widgets as python_widgets

CheckboxInput = python_widgets.CheckboxInput  # for the list's action checkboxes


class AdminTextInputWidget(python_widgets.TextInput, admin_widgets.AdminTextInputWidget):
    pass


class AdminEmailInputWidget(python_widgets.EmailInput, admin_widgets.AdminEmailInputWidget):
    pass


class AdminIntegerFieldWidget(python_widgets.NumberInput, admin_widgets.AdminIntegerFieldWidget):
    pass


class AdminBigIntegerFieldWidget(python_widgets.NumberInput, admin_widgets.AdminBigIntegerFieldWidget):
    pass


class AdminTextareaWidget(python_widgets.Textarea, admin_widgets.AdminTextareaWidget):
    pass


def input_html(widget):
    """django/forms/widgets/input.html from a widget's context, without the newline that ends the
    file (the renderer strips it from a widget's whole markup, not from an included template's)."""
    value_html = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
    return format_html('<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], value_html,
                       python_widgets.attrs_html(widget["attrs"]))


class AdminURLFieldWidget(admin_widgets.AdminURLFieldWidget):
    def render(self, name, value, attrs=None, renderer=None):
        context = self.get_context(name, value, attrs)
        widget = context["widget"]
        if not context["url_valid"]:
            return input_html(widget)
        return format_html('<p class="url">{} <a href="{}">{}</a><br>{} {}\n</p>', context["current_label"],
                           widget["href"], widget["value"], context["change_label"], input_html(widget))


class AdminDateWidget(admin_widgets.AdminDateWidget):
    def render(self, name, value, attrs=None, renderer=None):
        return format_html('<p class="date">\n  {}\n\n\n</p>', input_html(self.get_context(name, value, attrs)["widget"]))


# The widget class Django's admin (or a formset) puts on a field → its twin written in Python.
TWINS = {admin_widgets.AdminTextInputWidget: AdminTextInputWidget,
         admin_widgets.AdminEmailInputWidget: AdminEmailInputWidget,
         admin_widgets.AdminIntegerFieldWidget: AdminIntegerFieldWidget,
         admin_widgets.AdminBigIntegerFieldWidget: AdminBigIntegerFieldWidget,
         admin_widgets.AdminTextareaWidget: AdminTextareaWidget,
         admin_widgets.AdminURLFieldWidget: AdminURLFieldWidget,
         admin_widgets.AdminDateWidget: AdminDateWidget,
         **python_widgets.PYTHON_WIDGETS}
COPIED = ("choices", "format", "check_test", "input_type", "is_required", "is_localized", "allow_multiple_selected",
          "validator")


def twin_of(widget):
    """The same widget (attributes, choices, format, required-ness…) written in Python, or the
    widget itself when it has no twin. A RelatedFieldWidgetWrapper is kept, with its inner widget
    swapped."""
    if isinstance(widget, admin_widgets.RelatedFieldWidgetWrapper):
        widget.widget = twin_of(widget.widget)
        return widget
    twin_class = TWINS.get(type(widget))
    if twin_class is None:
        return widget
    twin = twin_class.__new__(twin_class)
    twin.__dict__.update(widget.__dict__)  # attrs (already a copy per form), choices, format, validator…
    return twin


class QuietErrorList(ErrorList):
    """An error list that is rendered without a template when it is empty (all of Django's error
    list templates give "" then)."""

    def render(self, template_name=None, context=None, renderer=None):
        if not self.data and context is None:
            return mark_safe("")
        return super().render(template_name, context, renderer)

    __str__ = render  # as in Django's RenderableMixin, which binds its own render()
    __html__ = render


def label_html(context):
    """django/forms/label.html from its context."""
    if not context["use_tag"]:
        return format_html("{}", context["label"])
    return format_html("<{}{}>{}</{}>", context["tag"], python_widgets.attrs_html(context["attrs"] or {}),
                       context["label"], context["tag"])


class AdminModelForm(forms.ModelForm):
    """The admin's forms (the entry's and its inlines'): widgets written in Python, empty error
    lists and labels without a template."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("error_class", ErrorList) is ErrorList:  # formsets pass theirs explicitly
            kwargs["error_class"] = QuietErrorList
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = twin_of(field.widget)

    def render(self, template_name=None, context=None, renderer=None):
        if template_name == self.template_name_label and context is not None:
            return label_html(context)
        return super().render(template_name, context, renderer)


class AdminInlineFormSet(forms.BaseInlineFormSet):
    """The inlines' formset: the fields it adds to each form (the row's id, its foreign key,
    DELETE) and its management form get the twins too; its own errors are a QuietErrorList."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("error_class", QuietErrorList)
        super().__init__(*args, **kwargs)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            field.widget = twin_of(field.widget)

    @cached_property
    def management_form(self):
        form = super().management_form
        for field in form.fields.values():
            field.widget = twin_of(field.widget)
        return form


class ActionForm(helpers.ActionForm):
    """The list's action form (ModelAdmin.action_form) with its <select> of actions and hidden
    input written in Python."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = twin_of(field.widget)
