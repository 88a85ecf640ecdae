"""The admin's pieces written in Python (admin/widgets.py) give exactly the markup of Django's
templates, and the change page of an entry is byte for byte the page Django renders."""

import datetime
import re

import pytest
from django import forms
from django.contrib.admin import ModelAdmin, helpers
from django.contrib.admin import widgets as django_widgets
from django.forms.utils import ErrorList
from django.utils import translation

from submissions.admin import entries, widgets
from submissions.models import Award, CoApplicant, Contributor, Indicator, IntellectualProperty
from tests.factories import EntryFactory

ATTRS = {"id": "id_x", "aria-describedby": "id_x_helptext", "maxlength": 20, "required": True, "disabled": False}
CHOICES = [("", "---------"), ("a", 'A & "B"'), ("b", "<b>二</b>")]


@pytest.mark.parametrize("django_widget, value", [
    (django_widgets.AdminTextInputWidget(attrs={"lang": "en", "class": "vTextField mt"}), 'Tom & "Jerry" <b>'),
    (django_widgets.AdminTextInputWidget(), None),
    (django_widgets.AdminEmailInputWidget(), "a@b.cn"),
    (django_widgets.AdminIntegerFieldWidget(attrs={"min": 0}), 0),
    (django_widgets.AdminBigIntegerFieldWidget(), 10**12),
    (django_widgets.AdminTextareaWidget(attrs={"rows": 3}), "line 1\n<script>x</script>"),
    (django_widgets.AdminTextareaWidget(), None),
    (django_widgets.AdminURLFieldWidget(), "https://example.com/a?x=1&y=<2>"),
    (django_widgets.AdminURLFieldWidget(), "https://例子.中国/路径 x"),
    (django_widgets.AdminURLFieldWidget(), "not a url"),
    (django_widgets.AdminURLFieldWidget(), ""),
    (django_widgets.AdminURLFieldWidget(), None),
    (django_widgets.AdminDateWidget(), datetime.date(2024, 5, 1)),
    (django_widgets.AdminDateWidget(), None),
    (forms.HiddenInput(), 7),
    (forms.CheckboxInput(), True),
    (forms.Select(choices=CHOICES), "b"),
])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_twins_render_exactly_as_djangos_templates(django_widget, value, language):
    ours = widgets.twin_of(django_widget)
    assert type(ours) is not type(django_widget) and isinstance(ours, type(django_widget).__mro__[0].__mro__[1])
    assert type(ours).__name__ == type(django_widget).__name__
    with translation.override(language):
        assert str(ours.render("x", value, ATTRS)) == str(django_widget.render("x", value, ATTRS))


def test_a_related_widget_wrapper_is_kept_with_its_inner_select_swapped():
    inner = forms.Select(choices=CHOICES)
    wrapper = django_widgets.RelatedFieldWidgetWrapper.__new__(django_widgets.RelatedFieldWidgetWrapper)
    wrapper.widget = inner
    assert widgets.twin_of(wrapper) is wrapper and type(wrapper.widget) is widgets.python_widgets.Select
    radio = forms.RadioSelect(choices=CHOICES)
    assert widgets.twin_of(radio) is radio


@pytest.mark.parametrize("errors", [[], ["A & <b>", "Second"]])
@pytest.mark.parametrize("error_class, field_id", [(None, None), ("nonfield", None), (None, "id_title")])
def test_the_quiet_error_list_renders_as_djangos(errors, error_class, field_id):
    ours = widgets.QuietErrorList(errors, error_class=error_class, field_id=field_id)
    django = ErrorList(errors, error_class=error_class, field_id=field_id)
    for render in (str, lambda e: e.as_ul(), lambda e: e.as_text(), lambda e: e.render(), lambda e: e.__html__()):
        assert render(ours) == render(django)


class Plain(forms.ModelForm):
    required_css_class = "required"

    class Meta:
        model = Award
        fields = ["name", "year", "level"]


class Fast(widgets.AdminModelForm, Plain):
    pass


@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_labels_are_those_of_djangos_template(auto_id):
    for name in ["name", "year", "level"]:
        for kwargs in [{}, {"attrs": {"class": "inline", "data-x": '"'}}, {"label_suffix": ""},
                       {"contents": "A & B"}, {"tag": "legend"}]:
            assert Fast(auto_id=auto_id)[name].label_tag(**kwargs) == Plain(auto_id=auto_id)[name].label_tag(**kwargs)


def page(client, url, data=None):
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_change_page_is_the_one_django_renders(client, organiser, edition, nominator, monkeypatch, language):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, org_website="https://example.com/?a=1&b=2",
                        rd_start=datetime.date(2020, 1, 2))
    CoApplicant.objects.create(entry=entry, name="伙伴 & Co", country="DE")
    Indicator.objects.create(entry=entry, name="Energy density", this_value="500")
    IntellectualProperty.objects.create(entry=entry, title="Patent <1>", kind="invention", country="CN")
    Award.objects.create(entry=entry, name="Prize", year=2023)
    Contributor.objects.create(entry=entry, full_name="王伟")
    client.force_login(organiser)
    client.cookies["django_language"] = language
    url = f"/admin/submissions/entry/{entry.pk}/change/"
    ours = page(client, url)
    invalid = {"title_en": "x" * 1000, "contact_email": "not an e-mail"}
    ours_invalid = page(client, url, invalid)
    assert 'class="errorlist' in ours_invalid
    monkeypatch.setattr(entries.EntryAdmin, "form", forms.ModelForm)
    for inline in entries.EntryAdmin.inlines:
        monkeypatch.setattr(inline, "form", forms.ModelForm)
        monkeypatch.setattr(inline, "formset", forms.BaseInlineFormSet)
    assert page(client, url) == ours
    assert page(client, url, invalid) == ours_invalid


def test_the_inlines_declare_the_fields_django_would_find(rf, organiser, edition, nominator):
    entry = EntryFactory(edition=edition, nominator=nominator)
    request = rf.get("/")
    request.user = organiser
    model_admin = entries.admin.site._registry[entries.Entry]
    for inline in model_admin.get_inline_instances(request, entry):
        if isinstance(inline, entries.ReadOnlyInline) or not inline.fields:
            continue
        found = inline.get_formset(request, entry, fields=None).form.base_fields
        assert inline.fields == [*found, *inline.get_readonly_fields(request, entry)], type(inline).__name__


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_action_form_renders_as_djangos(language):
    choices = [("", "---------"), ("delete_selected", "Delete selected <entries>"), ("shortlist", "Shortlist & go")]
    with translation.override(language):
        ours, django = widgets.ActionForm(auto_id=None), helpers.ActionForm(auto_id=None)
        ours.fields["action"].choices = django.fields["action"].choices = choices
        assert [str(field) for field in ours] == [str(field) for field in django]
        assert [field.label for field in ours] == [field.label for field in django]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_entry_list_is_the_one_django_renders(client, organiser, edition, nominator, monkeypatch, language):
    for number, (status, country) in enumerate([("submitted", "DE"), ("eligible", "CN"), ("draft", None)]):
        EntryFactory(edition=edition, nominator=nominator, status=status, org_country=country or "",
                     reference=f"WNEVC2026-CE-000{number}" if status != "draft" else "", title_en=f"Entry <{number}>")
    client.force_login(organiser)
    client.cookies["django_language"] = language
    for query in ["", "?q=entry", "?o=6", "?o=-7.9"]:
        ours = page(client, "/admin/submissions/entry/" + query)
        with monkeypatch.context() as patch:
            patch.setattr(entries.EntryAdmin, "action_form", helpers.ActionForm)
            patch.setattr(entries.EntryAdmin, "action_checkbox", ModelAdmin.action_checkbox)
            patch.setattr(entries.EntryAdmin, "get_empty_value_display", ModelAdmin.get_empty_value_display)
            patch.setattr(entries.EntryAdmin, "list_display", [
                "status" if column is entries.EntryColumns.status else column for column in entries.EntryAdmin.list_display])
            assert page(client, "/admin/submissions/entry/" + query) == ours, query
