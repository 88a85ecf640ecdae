"""Widgets rendered in Python."""

from django import forms
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.choices import BlankChoiceIterator, CallableChoiceIterator
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_countries.widgets import LazySelectMixin


class FastSelectMixin:
    """A <select> whose options are written in Python. Django renders each <option> through a
    template (~0.1 ms each); the form has several lists of 249 countries (rows and their empty
    templates included), which made the page take 0.6 s to render. The markup is that of
    Django's select.html; the first option whose value matches is selected, as in optgroups().
    The options of a country list depend only on the language, so they are built once per
    language and process (iterating Django's lazy choices costs ~1 ms a list)."""

    def _static_options(self):
        """[(value, <option> markup, selected <option> markup)], built once per language and
        process for django-countries' lists; None for any other list."""
        choices, blank = self.choices, ()
        if isinstance(choices, BlankChoiceIterator):
            choices, blank = choices.choices, choices.blank_choice
        if not (isinstance(self, LazySelectMixin) and isinstance(choices, CallableChoiceIterator)):
            return None
        key = (id(choices.func), tuple((value, str(label)) for value, label in blank), translation.get_language())
        cached = _STATIC_OPTIONS.get(key)
        if cached is None or cached[0] is not choices.func:  # the id of a collected function may be reused
            options = list(iter(self.choices))
            if any(isinstance(label, (list, tuple)) for _value, label in options):
                return None
            cached = _STATIC_OPTIONS[key] = (choices.func, [_option(value, label) for value, label in options])
        return cached[1]

    def use_required_attribute(self, initial):
        options = None if self.is_hidden or self.allow_multiple_selected else self._static_options()
        if options is None:
            return super().use_required_attribute(initial)
        return any(value == "" for value, _html, _selected in options)  # as LazySelectMixin's, faster

    def render(self, name, value, attrs=None, renderer=None):
        options = None if self.allow_multiple_selected else self._static_options()
        if options is None:
            choices = list(iter(self.choices))  # not list(self.choices): len() of model choices is a COUNT query
            if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _value, label in choices):
                return self._render_via_optgroups(name, value, attrs)
            options = [_option(option_value, label) for option_value, label in choices]
        selected_values = set(self.format_value(value))
        html = [format_html("<select name=\"{}\"{}>", name, flatatt(self.build_attrs(self.attrs, attrs)))]
        for option_value, option, selected_option in options:
            if selected_values and option_value in selected_values:
                selected_values = ()  # a single select marks the first match only
                html.append(selected_option)
            else:
                html.append(option)
        html.append("</select>")
        return mark_safe("".join(html))

    def _render_via_optgroups(self, name, value, attrs):
        widget = self.get_context(name, value, attrs)["widget"]
        html = [format_html("<select name=\"{}\"{}>", widget["name"], flatatt(widget["attrs"]))]
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                html.append(format_html('<option value="{}"{}>{}</option>', option["value"],
                                        mark_safe(" selected") if option["selected"] else "", option["label"]))
        html.append("</select>")
        return mark_safe("".join(html))


_STATIC_OPTIONS = {}


def _option(value, label):
    value = "" if value is None else value
    return (str(value), format_html('<option value="{}">{}</option>', value, label),
            format_html('<option value="{}" selected>{}</option>', value, label))


_FAST_CLASSES = {}


def _fast_class(widget_class, mixin, name):
    # crispy adds the lower-cased class name to the widget's CSS classes ("textinput"), so the
    # name is part of the markup.
    key = (widget_class, mixin)
    if key not in _FAST_CLASSES:
        _FAST_CLASSES[key] = type(name, (mixin, widget_class), {})
    return _FAST_CLASSES[key]


def use_fast_select(widget):
    """Give a single-choice <select> widget (django-countries' included) FastSelectMixin."""
    widget = getattr(widget, "widget", widget)  # the admin wraps related-object selects
    widget_class = type(widget)
    if issubclass(widget_class, forms.Select) and not issubclass(widget_class, forms.SelectMultiple):
        if not issubclass(widget_class, FastSelectMixin):
            widget.__class__ = _fast_class(widget_class, FastSelectMixin, f"Fast{widget_class.__name__}")


def use_fast_selects(form):
    for field in form.fields.values():
        use_fast_select(field.widget)


def _attrs_html(attrs) -> str:
    # Django's django/forms/widgets/attrs.html: True gives a bare name, False leaves it out.
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items() if value is not False)


class FastInputMixin:
    """<input> and <textarea> written in Python, with exactly the markup of Django's input.html
    and textarea.html (~60 µs a field through the template engine; the entry form has ~130)."""

    INPUT_TEMPLATES = {f"django/forms/widgets/{kind}.html" for kind in
                       ("text", "number", "email", "url", "date", "datetime", "time", "checkbox", "password", "hidden")}

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        if template_name == "django/forms/widgets/textarea.html":
            return format_html("<textarea name=\"{}\"{}>\n{}</textarea>", widget["name"],
                               mark_safe(_attrs_html(widget["attrs"])), widget["value"] or "")
        if template_name in self.INPUT_TEMPLATES:
            value = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
            return format_html("<input type=\"{}\" name=\"{}\"{}{}>", widget["type"], widget["name"], value,
                               mark_safe(_attrs_html(widget["attrs"])))
        return super()._render(template_name, context, renderer)


FastCheckboxInput = _fast_class(forms.CheckboxInput, FastInputMixin, "CheckboxInput")


def use_fast_widgets(form):
    """Selects, inputs and textareas of `form` rendered in Python (same markup as Django's)."""
    for field in form.fields.values():
        widget = field.widget
        widget_class = type(widget)
        if isinstance(widget, (forms.widgets.Input, forms.Textarea)) and not isinstance(widget, (forms.FileInput,
                                                                                         FastInputMixin)):
            widget.__class__ = _fast_class(widget_class, FastInputMixin, widget_class.__name__)
        else:
            use_fast_select(widget)


class OnceModelChoiceIterator(forms.models.ModelChoiceIterator):
    """Queries the choices once per form: rendering iterates them up to three times (the
    options, the `required` attribute check, len())."""

    def _load(self):
        if not hasattr(self, "_choices"):
            self._choices = list(super().__iter__())
        return self._choices

    def __iter__(self):
        return iter(self._load())

    def __len__(self):
        return len(self._load())

    def __bool__(self):
        return bool(self._load())
