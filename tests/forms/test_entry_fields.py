"""Every field of the entry form and of its row tables, written in Python (forms.widgets.field_html),
is exactly what templates/bootstrap5/entry_field.html writes, with and without errors."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from submissions.forms.entry import EntryForm, build_formsets
from submissions.forms.widgets import field_html


def template_html(field, error_text_inline):
    return render_to_string("bootstrap5/entry_field.html", {"field": field, "error_text_inline": error_text_inline})


def forms_to_compare():
    bad = {"title_zh_hans": "名" * 31, "contact_email": "not-an-address", "org_website": "javascript:alert(1)",
           "patents_granted": "-3", "org_country": "Atlantis", "maturity": "unknown", "decl_authentic": "on",
           "summary_en": "<b>bold</b> & more", "rd_start": "2024-05-01", "rd_end": "2023-01-01"}
    form = EntryForm(bad)
    assert not form.is_valid() and len(form.errors) >= 6
    return [EntryForm(), form]


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_each_entry_form_field_is_written_as_the_template_writes_it(edition, lang):
    with translation.override(lang):
        compared = 0
        for python_form, template_form in zip(forms_to_compare(), forms_to_compare(), strict=True):
            for name in python_form.fields:
                if python_form[name].field.widget.use_fieldset:
                    continue  # radio buttons: crispy's own templates
                assert str(field_html(python_form[name])) == template_html(template_form[name], True), name
                compared += 1
        assert compared > 100


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_each_row_table_field_is_written_as_the_template_writes_it(edition, lang):
    with translation.override(lang):
        data = {}
        for prefix in build_formsets():
            data.update({f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "0"})
        data.update({"co_applicants-0-country": "Atlantis", "awards-0-year": "1800", "ip_items-0-kind": "bogus",
                     "indicators-0-name": "x" * 201, "contributors-0-organisation": "Org"})
        for bound in (False, True):
            ours, theirs = build_formsets(data if bound else None), build_formsets(data if bound else None)
            for prefix, formset in ours.items():
                for row, twin in zip([*formset, formset.empty_form], [*theirs[prefix], theirs[prefix].empty_form],
                                     strict=True):
                    for field, same in zip(row.visible_fields(), twin.visible_fields(), strict=True):
                        assert str(field_html(field, error_text_inline=False)) == template_html(same, False), field.name
