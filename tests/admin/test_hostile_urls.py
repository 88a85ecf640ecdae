"""Hostile parameters in the back office's URLs: NUL bytes and other control characters in a
filter, a search, an export, the autocomplete or a path, and ids that are not ids. Each is a 400
(our translated page) or a 404, never a 500 — on PostgreSQL a NUL reached the database."""

import pytest
from django.contrib import admin

from submissions.admin.safety import ValidIdsMixin
from submissions.models import EntryStatus
from submissions.services import entries as services
from tests.factories import EntryFactory, UserFactory

ENTRY = "/admin/submissions/entry/"
AUTOCOMPLETE = "/admin/autocomplete/?app_label=submissions&model_name=assignment&field_name=entry"

BAD_REQUESTS = [
    f"{ENTRY}?status__exact=%00",
    f"{ENTRY}?org_country=%00",
    f"{ENTRY}?edition__id__exact=%00",
    f"{ENTRY}?category__id__exact=1%00",
    f"{ENTRY}?q=%00",
    f"{ENTRY}?q=abc%01def",
    f"{ENTRY}?o=%00",
    f"{ENTRY}?p=%00",
    f"{ENTRY}?%00=1",
    f"{ENTRY}export/xlsx/?status__exact=%00",
    f"{ENTRY}export/csv/?q=%00",
    f"{AUTOCOMPLETE}&term=%00",
    "/admin/submissions/assignment/?entry__status__exact=%00",
    "/admin/submissions/assignment/?q=%00",
    "/admin/submissions/conflict/?expert__id__exact=%00",
    "/admin/submissions/review/?abstained__exact=%00",
    "/admin/submissions/criterion/?edition__id__exact=%00",
    "/admin/submissions/round/?kind__exact=%00",
    "/admin/submissions/selectiondecision/?category__id__exact=%00",
    "/admin/submissions/user/?language__exact=%00",
    "/admin/submissions/user/?q=%00",
    "/admin/submissions/page/?kind__exact=%00",
    "/admin/submissions/edition/?results_published__exact=%00",
    "/admin/submissions/outgoingmail/?q=%00",
    f"{ENTRY}{{pk}}%00/history/",
    f"{ENTRY}{{pk}}%00/change/",
    f"{ENTRY}1%00/history/",
    "/en/?q=%00",
    "/en/results/?year=%00",
]
NOT_FOUND = [
    f"{ENTRY}abc/history/",
    f"{ENTRY}-1/history/",
    f"{ENTRY}99999999999999999999999/history/",
    f"{ENTRY}{{pk}}/history/abc/",
    f"{ENTRY}abc/history/1/",
    "/admin/submissions/assignment/abc/history/",
    "/admin/submissions/review/abc/history/",
    "/admin/submissions/criterion/abc/history/",
    "/admin/submissions/round/abc/history/",
    "/admin/submissions/conflict/abc/history/",
]
GOOD = [ENTRY, f"{ENTRY}?status__exact=submitted", f"{ENTRY}?org_country=CN", f"{ENTRY}?q=Sodium",
        f"{ENTRY}export/xlsx/?status__exact=submitted", f"{AUTOCOMPLETE}&term=Sod", f"{ENTRY}{{pk}}/history/",
        f"{ENTRY}{{pk}}/change/", "/admin/submissions/assignment/", "/admin/submissions/assignment/?q=Sodium"]


@pytest.fixture(params=["superuser", "organiser"])
def staff_client(request, client, organiser):
    user = UserFactory(email="root@example.org", is_staff=True, is_superuser=True) \
        if request.param == "superuser" else organiser
    client.force_login(user)
    return client


@pytest.fixture
def entry(edition, nominator):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, title_en="Sodium-ion battery",
                         org_country="CN")
    entry = services.submit_entry(entry=entry, by=nominator)
    assert entry.status == EntryStatus.SUBMITTED
    return entry


@pytest.mark.parametrize("url", BAD_REQUESTS)
def test_control_characters_in_a_url_are_a_translated_400(staff_client, entry, url):
    response = staff_client.get(url.format(pk=entry.pk), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "The request could not be understood. Please go back and try again." in response.content.decode()


@pytest.mark.parametrize("url", NOT_FOUND)
def test_ids_that_are_not_ids_are_404(staff_client, entry, url):
    assert staff_client.get(url.format(pk=entry.pk)).status_code == 404


@pytest.mark.parametrize("url", GOOD)
def test_ordinary_urls_still_work(staff_client, entry, url):
    assert staff_client.get(url.format(pk=entry.pk)).status_code == 200


def test_the_400_page_is_in_chinese_for_chinese_readers(staff_client, entry):
    response = staff_client.get(f"{ENTRY}?status__exact=%00", headers={"accept-language": "zh-hans"})
    assert response.status_code == 400
    assert "无法识别该请求，请返回后重试。" in response.content.decode()


@pytest.mark.parametrize("path", ["/zh-hans/nominations/%00/", "/zh-hans/?next=%00"])
def test_a_public_url_with_nul_is_a_400_in_the_language_of_the_url(client, edition, path):
    response = client.get(path, headers={"accept-language": "en"})
    assert response.status_code in (400, 404)
    if response.status_code == 400:
        assert "无法识别该请求，请返回后重试。" in response.content.decode()


def test_form_values_with_control_characters_are_left_to_the_forms(client, edition, nominator):
    """The form answers at the field (a 400 with the form), not with the bare error page."""
    client.force_login(nominator)
    response = client.post("/en/nominations/new/", {"title_en": "bell\x07", "action": "draft"})
    assert response.status_code == 400
    assert "Please correct the errors below. Nothing has been saved yet." in response.content.decode()


@pytest.mark.parametrize("model", ["entry", "assignment", "review", "criterion", "round", "conflict", "user",
                                   "edition", "page", "outgoingmail", "selectiondecision"])
def test_a_change_page_for_an_id_that_is_not_an_id_goes_back_to_the_index(staff_client, model):
    """Django's own answer: a redirect to the admin index with "… doesn't exist", not a 500."""
    response = staff_client.get(f"/admin/submissions/{model}/abc/change/")
    assert response.status_code in (302, 403)  # 403: the organisers do not manage user accounts


@pytest.mark.parametrize("data", [
    {"action": "mark_eligible", "_selected_action": ["\x00"]},
    {"action": "mark_eligible", "_selected_action": ["abc"]},
    {"action": "\x00", "_selected_action": ["{pk}"]},
    {"action": "mark_eligible", "_selected_action": ["{pk}"], "apply": "1", "note": "a\x00b"},
    {"action": "mark_eligible", "select_across": "\x00", "index": "\x00", "_selected_action": ["{pk}"]},
])
def test_hostile_action_posts_are_never_a_500(staff_client, entry, data):
    data = {key: [str(entry.pk) if v == "{pk}" else v for v in value] if isinstance(value, list) else value
            for key, value in data.items()}
    response = staff_client.post(ENTRY, data, headers={"accept-language": "en"})
    assert response.status_code in (200, 302, 400)
    if response.status_code == 400:
        assert "The request could not be understood." in response.content.decode()
    assert EntryStatus(type(entry).objects.get(pk=entry.pk).status) == EntryStatus.SUBMITTED


def test_every_model_admin_of_ours_refuses_ids_that_are_not_ids():
    ours = [model_admin for model, model_admin in admin.site._registry.items() if model._meta.app_label == "submissions"]
    assert ours and all(isinstance(model_admin, ValidIdsMixin) for model_admin in ours)
