"""The organisers' entry list on Django's own result_list: the same rows and columns as before,
the same search matches (one term in Chinese, one in English, and the nominator's e-mail), and
a number of queries that does not grow with the number of entries."""

import datetime
import re

import pytest
from django import forms
from django.contrib.admin import ModelAdmin, site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django_countries import countries

from submissions.admin.entries import CountrySelect
from submissions.models import Entry, EntryStatus
from submissions.services import attachments as attachment_services

from ..factories import EntryFactory, UserFactory, png_upload

CHANGELIST = "/admin/submissions/entry/"
EN = {"accept-language": "en"}
ZH = {"accept-language": "zh-hans"}


@pytest.fixture
def organiser_client(client, organiser):
    client.force_login(organiser)
    return client


def rows(html):
    body = html.split('id="result_list"')[1].split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def make(edition, **fields):
    return EntryFactory(edition=edition, nominator=fields.pop("nominator", None) or UserFactory(), **fields)


def test_list_shows_the_same_columns_and_cells_as_before(organiser_client, edition):
    entry = make(edition, title_en="Sodium-ion battery", title_zh_hans="钠离子电池", org_name_en="Volt Ltd.",
                 org_name_zh_hans="伏特公司", org_country="DE", status=EntryStatus.SUBMITTED,
                 reference="WNEVC2026-CE-0001", submitted_at=timezone.now())
    attachment_services.add_attachment(entry=entry, kind="image", upload=png_upload())
    response = organiser_client.get(CHANGELIST, headers=EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["cl"].date_hierarchy is None
    assert 'class="action-checkbox-column"' in html
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', html)
    assert headers == ["reference", "title", "org_name", "category", "technical_field", "status",
                       "country", "submitted_at", "file_count"]
    (row,) = rows(html)
    assert 'class="action-select"' in row and f'value="{entry.pk}"' in row
    link = f'href="/admin/submissions/entry/{entry.pk}/change/"'
    assert re.search(rf'<th class="field-reference"><a {link}>WNEVC2026-CE-0001</a></th>', row)
    assert re.search(rf'<td class="field-title"><a {link}>Sodium-ion battery</a></td>', row)
    assert '<td class="field-org_name">Volt Ltd.</td>' in row
    assert '<td class="field-status">Submitted</td>' in row
    assert '<td class="field-country">Germany</td>' in row
    assert '<td class="field-file_count">1</td>' in row
    assert entry.category.name_en in row and entry.technical_field.name_en in row
    assert re.search(r'<td class="field-submitted_at nowrap">\d+ \w+ 20\d\d, \d\d:\d\d</td>', row)
    # In Chinese the same columns, with the Chinese texts.
    html_zh = organiser_client.get(CHANGELIST, headers=ZH).content.decode()
    (row_zh,) = rows(html_zh)
    assert "钠离子电池" in row_zh and "伏特公司" in row_zh and "德国" in row_zh
    assert '<td class="field-status">Submitted</td>' not in row_zh


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_action_checkbox_is_djangos(edition, lang):
    entry = make(edition, reference="WNEVC2026-CE-0007 <&>")
    draft = make(edition, reference="", title_en="Draft \"one\"", title_zh_hans="草稿")
    model_admin = site._registry[Entry]
    with translation.override(lang):
        for obj in (entry, draft):
            assert str(model_admin.action_checkbox(obj)) == str(ModelAdmin.action_checkbox(model_admin, obj))


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_status_country_and_file_columns_sort_and_read_as_the_fields(organiser_client, edition, lang):
    for status, country in [(EntryStatus.SUBMITTED, "DE"), (EntryStatus.ELIGIBLE, "CN"), (EntryStatus.DRAFT, "JP")]:
        make(edition, status=status, org_country=country, submitted_at=timezone.now())
    headers = {"accept-language": lang}
    html = organiser_client.get(CHANGELIST, headers=headers).content.decode()
    status_column = re.findall(r'<th scope="col" class="([^"]*)column-status', html)
    assert status_column == ["sortable "]
    for index, key in [(6, "status"), (7, "org_country"), (9, "file_count")]:  # 1-based after the checkbox
        for sign in ["", "-"]:
            response = organiser_client.get(CHANGELIST, {"o": f"{sign}{index}"}, headers=headers)
            values = [getattr(entry, key) for entry in response.context["cl"].result_list]
            values = [value.code if key == "org_country" else value for value in values]
            assert values == sorted(values, reverse=bool(sign)), key
    with translation.override(lang):
        labels = {str(label) for _value, label in EntryStatus.choices}
        names = {str(countries.name(code)) for code in ["DE", "CN", "JP"]}
    cells = re.findall(r'<td class="field-status">([^<]*)</td>', html)
    assert len(cells) == 3 and set(cells) <= labels
    assert set(re.findall(r'<td class="field-country">([^<]*)</td>', html)) == names


def test_the_date_filter_replaces_the_date_hierarchy(organiser_client, edition):
    make(edition, title_en="Recent", status=EntryStatus.SUBMITTED, submitted_at=timezone.now())
    make(edition, title_en="Old", status=EntryStatus.SUBMITTED,
         submitted_at=timezone.now() - datetime.timedelta(days=400))
    week_ago = (timezone.now() - datetime.timedelta(days=7)).isoformat()
    html = organiser_client.get(CHANGELIST, {"submitted_at__gte": week_ago}, headers=EN).content.decode()
    assert "Recent" in html and "Old" not in html


@pytest.mark.parametrize(("term", "lang"), [("电池", "zh-hans"), ("battery", "en"), ("BATTERY", "en")])
def test_search_finds_the_entries_with_the_term_and_no_others(organiser_client, edition, term, lang):
    battery = make(edition, title_zh_hans="钠离子电池", title_en="Sodium-ion battery", org_name_en="Cell Co.")
    org_only = make(edition, title_zh_hans="电驱系统", title_en="E-drive", org_name_zh_hans="电池研究院",
                    org_name_en="Battery Institute")
    other = make(edition, title_zh_hans="轮毂电机", title_en="In-wheel motor", org_name_zh_hans="电机公司",
                 org_name_en="Motor Ltd.", contact_email="motor@example.com")
    response = organiser_client.get(CHANGELIST, {"q": term}, headers={"accept-language": lang})
    assert response.status_code == 200
    found = set(response.context["cl"].result_list)
    assert found == {battery, org_only}
    assert other not in found


def test_search_matches_every_term_in_any_field_like_django(organiser_client, edition):
    nominator = UserFactory(email="li.ming@battery-lab.example")
    by_email = make(edition, nominator=nominator, title_zh_hans="热管理", title_en="Thermal management",
                    org_name_en="Heat Co.")
    both = make(edition, title_zh_hans="钠离子电池", title_en="Sodium-ion battery", reference="WNEVC2026-CE-0042")
    zh_only = make(edition, title_zh_hans="固态电池", title_en="Solid-state cell", org_name_en="Solid Co.")
    search = {
        "battery-lab": {by_email},          # the nominator's e-mail
        "电池 sodium": {both},              # every term must match, each in any field
        "电池 battery": {both},
        "电池": {both, zh_only},
        "ce-0042": {both},                  # the reference, case-insensitively
        '"Thermal management"': {by_email},  # a quoted phrase is one term
        "nothing-like-this": set(),
    }
    for term, expected in search.items():
        response = organiser_client.get(CHANGELIST, {"q": term}, headers=EN)
        assert set(response.context["cl"].result_list) == expected, term
        # The same matches as Django's own search over the same search_fields.
        model_admin = site._registry[Entry]
        standard, _duplicates = ModelAdmin.get_search_results(model_admin, None, Entry.objects.all(), term)
        assert set(standard) == expected, term


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_list_queries_do_not_grow_with_the_number_of_entries(organiser_client, edition, lang):
    headers = {"accept-language": lang}

    def count_queries(params=None):
        organiser_client.get(CHANGELIST, params or {}, headers=headers)  # session and language settled
        with CaptureQueriesContext(connection) as captured:
            response = organiser_client.get(CHANGELIST, params or {}, headers=headers)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    countries_used = ["CN", "DE", "JP", "US", "FR"]
    for number in range(10):
        entry = make(edition, title_en=f"Listed {number}", org_country=countries_used[number % 5],
                     status=EntryStatus.SUBMITTED, submitted_at=timezone.now())
        attachment_services.add_attachment(entry=entry, kind="image", upload=png_upload())
    few, page = count_queries()
    assert page.count('class="action-select"') == 10
    few_search, _page = count_queries({"q": "Listed battery"})
    for number in range(10, 60):
        make(edition, title_en=f"Listed {number}", org_country=countries_used[number % 5],
             status=EntryStatus.SUBMITTED, submitted_at=timezone.now())
    many, page = count_queries()
    assert page.count('class="action-select"') == 50  # list_per_page
    many_search, _page = count_queries({"q": "Listed battery"})
    assert many == few == 10
    assert many_search == few_search


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
@pytest.mark.parametrize("value", ["", "DE", "CN", "XX"])
def test_country_select_writes_the_markup_of_djangos_select(db, lang, value):
    with translation.override(lang):
        choices = [("", "---------")] + list(countries)
        cached = CountrySelect(choices=choices, cache_key=f"test.country.{lang}")
        standard = forms.Select(choices=choices)
        attrs = {"id": "id_org_country", "required": True}
        for _ in range(2):  # built, then from the cache
            assert cached.render("org_country", value, attrs) == standard.render("org_country", value, attrs)
        assert cached.use_required_attribute(None) is True
        html = cached.render("org_country", value, attrs)
    assert html.count("<option") == len(choices) > 249
    assert (' selected>' in html) == (value in {"", "DE", "CN"})  # "XX" is no country: nothing selected
    assert ("德国" in html) == (lang == "zh-hans") and ("Germany" in html) == (lang == "en")


def test_change_page_renders_the_country_lists_and_reads_related_rows_once(organiser_client, edition):
    entry = make(edition, org_country="DE", status=EntryStatus.SUBMITTED, submitted_at=timezone.now())
    organiser_client.get(f"{CHANGELIST}{entry.pk}/change/", headers=EN)
    with CaptureQueriesContext(connection) as captured:
        response = organiser_client.get(f"{CHANGELIST}{entry.pk}/change/", headers=EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="DE" selected>Germany</option>' in html
    assert html.count('<option value="JP">Japan</option>') >= 2  # the entry's and the empty IP/co-applicant rows
    # The entry with its edition and nominator in one query; nothing per read-only row.
    assert sum('FROM "submissions_entry"' in q["sql"] for q in captured) == 1
    assert not any('FROM "submissions_edition"' in q["sql"] for q in captured)
