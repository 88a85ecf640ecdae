"""The organisers' edits of an entry in the admin go through services.entries."""

import pytest
from django.contrib import admin as django_admin
from django.test import Client, RequestFactory

from submissions.admin.entries import EntryAdmin
from submissions.models import Entry, EntrySource, EntryStatus
from submissions.services import entries as entry_services
from submissions.services import selection as selection_services


def change_form_post(client, entry, **changes):
    url = f"/admin/submissions/entry/{entry.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(changes)
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
        for index, form_ in enumerate(inline.formset.initial_forms):
            data[f"{inline.formset.prefix}-{index}-id"] = form_.instance.pk
            data[f"{inline.formset.prefix}-{index}-entry"] = entry.pk
    return client.post(url, data)


@pytest.fixture
def spy(monkeypatch):
    calls = []
    for name in ("save_entry_by_organiser", "save_entry_rows_by_organiser"):
        original = getattr(entry_services, name)
        monkeypatch.setattr(entry_services, name,
                            lambda *, _o=original, _n=name, **kwargs: calls.append((_n, kwargs.get("by"))) or _o(**kwargs))
    return calls


def test_an_admin_edit_of_a_published_result_goes_through_the_service_and_refreshes_the_page(
        organiser_client, organiser, edition, selected, page_cache_on, spy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition)
    visitor = Client()
    url = f"/en/results/{edition.year}/"
    assert "Solid-state cell" in visitor.get(url).content.decode()  # cached
    with django_capture_on_commit_callbacks(execute=True):
        response = change_form_post(organiser_client, selected, title_en="Solid-state cell, 500 Wh/kg",
                                    internal_notes="Title corrected at the nominator's request")
    assert response.status_code == 302
    assert spy == [("save_entry_by_organiser", organiser), ("save_entry_rows_by_organiser", organiser)]
    selected.refresh_from_db()
    assert selected.status == EntryStatus.SELECTED  # the form never changes the status
    assert selected.history.order_by("-history_date").first().history_user == organiser
    assert "Solid-state cell, 500 Wh/kg" in visitor.get(url).content.decode()


def test_a_new_entry_of_the_secretariat_gets_the_organiser_and_the_current_edition(organiser, edition, spy):
    request = RequestFactory().post("/admin/submissions/entry/add/")
    request.user = organiser
    entry = Entry(title_zh_hans="秘书处推荐技术", title_en="Secretariat pick", source=EntrySource.SECRETARIAT)
    EntryAdmin(Entry, django_admin.site).save_model(request, entry, form=None, change=False)
    entry.refresh_from_db()
    assert (entry.source, entry.nominator, entry.edition, entry.status) == (
        EntrySource.SECRETARIAT, organiser, edition, EntryStatus.DRAFT)
    assert spy == [("save_entry_by_organiser", organiser)]


def test_an_entry_deleted_in_the_admin_leaves_the_cached_results(organiser_client, edition, selected, page_cache_on,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        selection_services.publish_results(edition=edition)
    visitor = Client()
    url = f"/en/results/{edition.year}/"
    assert "Solid-state cell" in visitor.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post("/admin/submissions/entry/", {
            "action": "delete_selected", "post": "yes", "_selected_action": [selected.pk]})
    assert response.status_code == 302 and not Entry.objects.filter(pk=selected.pk).exists()
    assert "Solid-state cell" not in visitor.get(url).content.decode()
