"""What the speed-ups of issue #8 must not change: the cached entry form is never stale, never
another nominator's and never another language's; bound forms and errors are never cached; the
fast widgets write Django's markup; list pages and the admin list take a fixed number of queries;
the streamed export gives the same cells as django-import-export's own path."""

import re
import uuid

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from submissions.exports.entries import EntryResource, iter_rows
from submissions.forms.entry import EntryForm
from submissions.models import CoApplicant, Entry, TechnicalField
from submissions.roles import EXPERT
from submissions.selectors import entries as queries
from submissions.services import attachments as attachment_services
from submissions.services.content import save_content
from tests.factories import EntryFactory, UserFactory, pdf_upload, png_upload
from tests.helpers import full_form, make_expert

EN = {"accept-language": "en"}


@pytest.fixture
def fragments(monkeypatch):
    """The entry-form fragments written to the HTML cache during the test: [(key, html)]."""
    written = []
    cache = caches["fragments"]
    original = cache.set

    def recording_set(key, value, *args, **kwargs):
        if key.startswith("template.cache.entry_form."):
            written.append((key, value))
        return original(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", recording_set)
    return written


def edit_page(client, entry, lang="en", **params):
    response = client.get(f"/{lang}/nominations/{entry.pk}/edit/", params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def draft(edition, nominator):
    return EntryFactory(edition=edition, nominator=nominator, title_en="Cached battery")


# --- The cached entry form -------------------------------------------------------------------------
def without_tokens(html):
    return re.sub(r'(name="(csrfmiddlewaretoken|form_token)" value=")[^"]+', r"\1", html)


def test_second_view_of_an_unchanged_form_is_served_from_the_cache(client, draft, nominator, fragments):
    client.force_login(nominator)
    with CaptureQueriesContext(connection) as cold_queries:
        first = edit_page(client, draft)
    assert len(fragments) == 1
    with CaptureQueriesContext(connection) as warm_queries:
        second = edit_page(client, draft)
    assert len(fragments) == 1
    assert without_tokens(second) == without_tokens(first)
    assert "Cached battery" in second and second.count('id="div_id_') > 100
    # The row formsets and the form's choice lists are not read on a cache hit.
    assert len(warm_queries) <= len(cold_queries) - 7


def test_saving_the_form_shows_the_new_values_at_once(client, draft, nominator):
    client.force_login(nominator)
    assert "Cached battery" in edit_page(client, draft)
    response = client.post(f"/en/nominations/{draft.pk}/edit/", {**full_form(), "title_en": "Renamed battery",
                                                                  "action": "draft"})
    assert response.status_code == 302
    page = edit_page(client, draft)
    assert "Renamed battery" in page and "Cached battery" not in page
    # The new indicator row of full_form() is shown too.
    assert 'value="Efficiency"' in page


def test_a_changed_row_is_shown_once_its_entry_is_saved(client, draft, nominator):
    client.force_login(nominator)
    edit_page(client, draft)
    row = CoApplicant.objects.create(entry=draft, name_zh_hans="合作单位", name_en="Partner Ltd.")
    draft.save()  # the paths that change rows save the entry too (services.save_entry, the admin)
    assert 'value="Partner Ltd."' in edit_page(client, draft)
    row.delete()
    draft.save()
    assert 'value="Partner Ltd."' not in edit_page(client, draft)


def test_uploading_and_removing_a_file_updates_the_cached_form(client, draft, nominator):
    client.force_login(nominator)
    assert "No files uploaded yet." in edit_page(client, draft)
    attachment_services.add_attachment(entry=draft, kind="report", upload=pdf_upload("bericht.pdf"))
    page = edit_page(client, draft)
    assert "bericht.pdf" in page and "No files uploaded yet." not in page
    attachment_services.remove_attachment(attachment=draft.attachments.get())
    assert "bericht.pdf" not in edit_page(client, draft)


def test_each_language_has_its_own_cached_form(client, draft, nominator, fragments):
    client.force_login(nominator)
    english, chinese = edit_page(client, draft, "en"), edit_page(client, draft, "zh-hans")
    assert "Technology name (English)" in english and "技术名称（英文）" not in english
    assert "技术名称（英文）" in chinese and "Technology name (English)" not in chinese
    assert len(fragments) == 2
    assert "Technology name (English)" in edit_page(client, draft, "en")
    assert "技术名称（英文）" in edit_page(client, draft, "zh-hans")


def test_a_cached_form_never_reaches_another_nominator(client, draft, nominator, other_nominator):
    client.force_login(nominator)
    edit_page(client, draft)
    client.force_login(other_nominator)
    assert client.get(f"/en/nominations/{draft.pk}/edit/").status_code == 404
    # The new-entry form carries each nominator's own name and address.
    page = client.get("/en/nominations/new/").content.decode()
    assert other_nominator.email in page and nominator.email not in page
    client.force_login(nominator)
    page = client.get("/en/nominations/new/").content.decode()
    assert nominator.email in page and other_nominator.email not in page


def test_csrf_and_form_tokens_are_fresh_on_a_cached_form(client, draft, nominator, fragments):
    client.force_login(nominator)
    edit_page(client, draft)
    tokens = set()
    for _ in range(2):
        page = edit_page(client, draft)
        tokens.add(page.split('name="form_token" value="')[1][:32])
        assert 'name="csrfmiddlewaretoken"' in page
    assert len(tokens) == 2
    assert fragments and all("csrfmiddlewaretoken" not in html and "form_token" not in html for _key, html in fragments)


def test_a_form_with_errors_is_never_cached_nor_served_to_a_later_view(client, draft, nominator, fragments):
    client.force_login(nominator)
    edit_page(client, draft)
    written = len(fragments)
    response = client.post(f"/en/nominations/{draft.pk}/edit/", {**full_form(rows=False), "title_en": "Bad one",
                                                                  "contact_email": "not-an-address",
                                                                  "action": "draft"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert len(fragments) == written
    page = edit_page(client, draft)  # the unchanged entry: its cached form, without the refused values
    assert len(fragments) == written
    assert "Cached battery" in page and "not-an-address" not in page and "Bad one" not in page
    # The completeness check after a refused submission shows errors: rendered, not cached.
    draft.summary_en = ""
    draft.save()
    written = len(fragments)
    checked = edit_page(client, draft, check="1")
    assert "Summary (English) is required." in checked and "is-invalid" in checked
    assert len(fragments) == written
    assert "is-invalid" not in edit_page(client, draft)


def test_renaming_a_technical_field_shows_the_new_name_in_a_cached_form(client, draft, nominator,
                                                                        django_capture_on_commit_callbacks):
    client.force_login(nominator)
    edit_page(client, draft)
    field = TechnicalField.objects.filter(active=True).first()
    field.name_en = "Renamed technical field"
    with django_capture_on_commit_callbacks(execute=True):
        save_content(field)  # as the admin does: the content version moves
    assert "Renamed technical field" in edit_page(client, draft)


def test_the_form_still_works_when_the_cache_fails(client, draft, nominator, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    # The backends beneath the fail-open fragment cache, and the default cache (content version).
    monkeypatch.setattr(LocMemCache, "get", broken)
    monkeypatch.setattr(LocMemCache, "set", broken)
    monkeypatch.setattr(LocMemCache, "get_or_set", broken)
    client.force_login(nominator)
    assert "Cached battery" in edit_page(client, draft)


def test_a_new_release_never_serves_the_html_of_the_previous_one(client, draft, nominator, settings, monkeypatch,
                                                                   fragments):
    """The form's limits are code (schema.py): a deployment gives a new RELEASE, so a cached form
    never shows the previous limits (the old cache kept data-limit="30" after a change)."""
    client.force_login(nominator)
    assert 'data-limit="30"' in edit_page(client, draft)
    # What a new process built from a changed schema would have: the title limited to 40.
    monkeypatch.setitem(EntryForm.base_fields["title_zh_hans"].widget.attrs, "data-limit", 40)
    assert 'data-limit="30"' in edit_page(client, draft)  # same release: the cached form (by design)
    settings.RELEASE = "next-release"
    page = edit_page(client, draft)
    assert 'data-limit="40"' in page and 'data-limit="30"' not in page
    assert len(fragments) == 2


def test_a_row_table_has_one_country_list_per_page_not_one_per_row(client, draft, nominator):
    """Country inputs share one <datalist>: 249 names once, not 249 <option>s in every row."""
    client.force_login(nominator)
    CoApplicant.objects.create(entry=draft, name_en="Partner Ltd.", country="DE")
    draft.save()
    page = edit_page(client, draft)
    assert page.count('<datalist id="country-names">') == 1
    assert page.count("<option value=") < 300 and page.count('list="country-names"') >= 4
    assert 'value="Germany"' in page  # the stored code shown as its name


def test_a_country_is_accepted_by_its_name_in_either_language_or_its_code(client, draft, nominator):
    client.force_login(nominator)
    for typed, code in (("德国", "DE"), ("germany", "DE"), ("CN", "CN")):
        response = client.post(f"/en/nominations/{draft.pk}/edit/", {**full_form(rows=False), "org_country": typed,
                                                                      "action": "draft"})
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.org_country == code
    response = client.post(f"/en/nominations/{draft.pk}/edit/", {**full_form(rows=False), "org_country": "Atlantis",
                                                                  "action": "draft"})
    assert response.status_code == 400
    assert "Choose a country or region from the list." in response.content.decode()


# --- A fixed number of queries --------------------------------------------------------------------------
@pytest.mark.parametrize("count", [1, 3])
def test_entry_list_takes_the_same_queries_for_any_number_of_entries(client, edition, nominator, count):
    for number in range(count):
        entry = EntryFactory(edition=edition, nominator=nominator, title_en=f"Entry {number}")
        attachment_services.add_attachment(entry=entry, kind="image", upload=png_upload())
    client.force_login(nominator)
    client.get("/en/nominations/")  # the session and the language are settled
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/en/nominations/").content.decode()
    # session, user (with the expert menu check), current edition, the entries with their file counts
    assert len(captured) == 4
    assert all(f"Entry {n}" in page for n in range(count))


@pytest.mark.parametrize("count", [1, 3])
def test_admin_entry_list_takes_the_same_queries_for_any_number_of_entries(client, edition, organiser, count):
    for number in range(count):
        entry = EntryFactory(edition=edition, nominator=UserFactory(), title_en=f"Listed {number}",
                             org_country=["CN", "DE", "JP"][number])
        attachment_services.add_attachment(entry=entry, kind="image", upload=png_upload())
    client.force_login(organiser)
    client.get("/admin/submissions/entry/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/admin/submissions/entry/", headers=EN).content.decode()
    assert len(captured) == 10  # no date hierarchy: no MIN/MAX and DISTINCT over the submission dates
    assert all(f"Listed {n}" in page for n in range(count))
    assert page.count('class="action-select"') == count


def test_countries_in_use_are_the_distinct_countries_of_the_entries(edition, nominator):
    for country in ["DE", "CN", "", "DE", "US"]:
        EntryFactory(edition=edition, nominator=nominator, org_country=country)
    expected = sorted(set(Entry.objects.exclude(org_country="").values_list("org_country", flat=True)))
    assert queries.countries_in_use() == expected == ["CN", "DE", "US"]


# --- The export -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_export_rows_equal_django_import_exports_own_rows(edition, nominator, lang):
    EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    EntryFactory(edition=edition, nominator=nominator, org_country="", maturity="", recommended_by="",
                 technical_field=None, category=None, contact_mobile="=1+2")
    with translation.override(lang):
        rows = list(iter_rows(Entry.objects.all()))
        resource = EntryResource()
        standard = [resource.get_export_headers()] + [
            resource.export_resource(entry)
            for entry in resource.filter_export(Entry.objects.all()).select_related(None)
            .select_related("edition", "category", "technical_field").defer(None)]
    assert rows == standard
    assert rows[1][-3] == "2" and "'=1+2" in rows[2]


def test_form_token_is_fresh_for_each_new_form(client, edition, nominator):
    client.force_login(nominator)
    tokens = {client.get("/en/nominations/new/").content.decode().split('name="form_token" value="')[1][:32]
              for _ in range(2)}
    assert len(tokens) == 2 and all(uuid.UUID(token) for token in tokens)


def test_the_expert_menu_is_read_with_the_user_and_follows_group_changes(client, edition):

    expert = make_expert("menu-expert@example.com")
    client.force_login(expert)
    client.get("/en/nominations/")
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/en/nominations/").content.decode()
    assert 'href="/en/review/"' in page
    # One query reads the user and the committee membership; no separate look at the groups.
    group_queries = [q["sql"] for q in captured if "auth_group" in q["sql"]]
    assert len(group_queries) == 1 and "submissions_user" in group_queries[0]
    expert.groups.remove(expert.groups.get(name=EXPERT))
    assert 'href="/en/review/"' not in client.get("/en/nominations/").content.decode()
    assert client.get("/en/review/").status_code in (403, 404)
