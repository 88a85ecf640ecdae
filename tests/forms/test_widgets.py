"""The widgets written in Python (forms.widgets) give exactly the markup of Django's templates."""

import pytest
from django import forms
from django.utils import translation

from submissions.forms import widgets
from submissions.forms.entry import EntryForm, build_formsets
from submissions.forms.fields import CountryInput, CountryNameField

CHOICES = [("", "---------"), ("a", 'A & "B"'), ("b", "<b>二</b>"), ("Group", [("c", "C"), ("d", "D")])]


@pytest.mark.parametrize("django_widget, value", [
    (forms.TextInput(attrs={"maxlength": 20, "lang": "en", "data-x": 'a"<b>'}), 'Tom & "Jerry" <b>'),
    (forms.TextInput(), None),
    (forms.NumberInput(attrs={"min": 0}), 0),
    (forms.EmailInput(attrs={"autocomplete": "email", "required": True, "disabled": False}), "a@b.cn"),
    (forms.URLInput(), "https://example.com/?a=1&b=2"),
    (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "2024-05-01"),
    (forms.Textarea(attrs={"rows": 5}), "line 1\n<script>x</script>"),
    (forms.Textarea(), ""),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.HiddenInput(), 7),
    (forms.Select(choices=CHOICES), "b"),
    (forms.Select(choices=CHOICES), "d"),
    (forms.Select(choices=CHOICES), None),
])
def test_python_widgets_render_exactly_as_djangos_templates(django_widget, value):
    ours = widgets.python_rendered(django_widget)
    assert type(ours) is not type(django_widget) and type(ours).__name__ == type(django_widget).__name__
    attrs = {"id": "id_x", "aria-describedby": "id_x_helptext"}
    assert str(ours.render("x", value, attrs)) == str(django_widget.render("x", value, attrs))


def test_a_widget_without_a_python_twin_is_left_as_it_is():
    radio = forms.RadioSelect(choices=CHOICES)
    assert widgets.python_rendered(radio) is radio


def test_every_widget_of_the_entry_form_is_written_in_python(edition, nominator):
    form = EntryForm()
    templated = {name for name, field in form.fields.items()
                 if type(field.widget) in widgets.PYTHON_WIDGETS}  # a Django widget the form forgot to swap
    assert templated == set()
    for formset in build_formsets().values():
        for row in [*formset, formset.empty_form, formset.management_form]:
            assert all(type(field.widget) not in widgets.PYTHON_WIDGETS for field in row.fields.values())


@pytest.mark.parametrize("lang, typed, code", [("en", "Germany", "DE"), ("en", "德国", "DE"),
                                               ("zh-hans", "中国", "CN"), ("zh-hans", "china", "CN"),
                                               ("en", "cn", "CN"), ("en", "  Japan ", "JP")])
def test_a_country_is_cleaned_from_its_name_in_either_language_or_its_code(lang, typed, code):
    with translation.override(lang):
        assert CountryNameField().clean(typed) == code


def test_an_unknown_country_is_refused_with_a_translated_message():
    with translation.override("zh-hans"), pytest.raises(forms.ValidationError) as error:
        CountryNameField().clean("Atlantis")
    assert error.value.messages == ["请从列表中选择国家或地区。"]


def test_a_stored_country_code_is_shown_as_its_name_in_the_page_language():
    with translation.override("zh-hans"):
        html = CountryInput().render("org_country", "DE")
    assert 'value="德国"' in html and 'list="country-names"' in html
