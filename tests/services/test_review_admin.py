"""Assignments and conflicts of interest added in the admin go through services.review: the rules
of assign_entries() hold for a single assignment (a form error, never a 500), and a conflict
marked by the secretariat is a declare_conflict() (the organisers are told)."""

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from submissions.models import Assignment, Conflict, OutgoingMail
from submissions.roles import setup_roles
from submissions.services import entries as entry_services
from submissions.services import review as review_services

from ..factories import EntryFactory, UserFactory

ADD_ASSIGNMENT = "/admin/submissions/assignment/add/"
ADD_CONFLICT = "/admin/submissions/conflict/add/"


def make_expert(email, organisation="", full_name=None):
    _organiser, expert_group = setup_roles()
    user = UserFactory(email=email, organisation=organisation, full_name=full_name or email.split("@")[0])
    user.groups.add(expert_group)
    return user


@pytest.fixture
def entry(edition, nominator):
    """The factory's organisation: 示例科技有限公司 / Example Technology Ltd."""
    draft = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    return entry_services.submit_entry(entry=draft, by=nominator)


def in_language(client, lang):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return client


EXPECTED = {
    "same_organisation": {
        "en": "Dr Same works for the organisation of this entry and cannot review it.",
        "zh-hans": "Dr Same与该推荐项目的申报单位属同一单位，不能评审该项目。"},
    "conflict": {
        "en": "Dr Conflicted declared a conflict of interest on this entry.",
        "zh-hans": "Dr Conflicted已就该推荐项目声明利益冲突。"},
}


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
@pytest.mark.parametrize("organisation", ["  EXAMPLE technology ltd. ", "示例科技有限公司"])
def test_the_admin_refuses_an_expert_of_the_entrys_organisation(organiser_client, entry, lang, organisation):
    same = make_expert("same@example.org", organisation=organisation, full_name="Dr Same")
    response = in_language(organiser_client, lang).post(ADD_ASSIGNMENT, {"expert": same.pk, "entry": entry.pk})
    assert response.status_code == 200  # the form again, with the error; not a 500, not a redirect
    assert EXPECTED["same_organisation"][lang] in response.content.decode()
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_the_admin_refuses_an_expert_who_declared_a_conflict(organiser_client, organiser, entry, lang):
    conflicted = make_expert("conflicted@example.org", organisation="Another University", full_name="Dr Conflicted")
    review_services.declare_conflict(expert=conflicted, entry=entry, reason="Former employer", by=organiser)
    response = in_language(organiser_client, lang).post(ADD_ASSIGNMENT, {"expert": conflicted.pk, "entry": entry.pk})
    assert response.status_code == 200
    assert EXPECTED["conflict"][lang] in response.content.decode()
    assert not Assignment.objects.exists()


def test_the_admin_assigns_a_free_expert_through_the_service(organiser_client, organiser, entry):
    free = make_expert("free@example.org", organisation="Independent")
    response = organiser_client.post(ADD_ASSIGNMENT, {"expert": free.pk, "entry": entry.pk})
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.expert, assignment.entry, assignment.assigned_by) == (free, entry, organiser)
    assert assignment.history.count() == 1
    # An assignment is not moved afterwards: expert and entry are read only on the change form.
    other = make_expert("other@example.org")
    response = organiser_client.post(f"/admin/submissions/assignment/{assignment.pk}/change/", {"expert": other.pk})
    assert response.status_code == 302
    assert Assignment.objects.get().expert == free


def test_assign_expert_enforces_the_rules_of_assign_entries(entry, organiser):
    same = make_expert("same@example.org", organisation="example technology ltd.", full_name="Dr Same")
    with pytest.raises(ValidationError) as error:
        review_services.assign_expert(expert=same, entry=entry, by=organiser)
    assert error.value.code == "same_organisation"
    with translation.override("zh-hans"):
        assert error.value.messages == [EXPECTED["same_organisation"]["zh-hans"]]
    not_an_expert = UserFactory(email="plain@example.org")
    with pytest.raises(ValidationError) as error:
        review_services.assign_expert(expert=not_an_expert, entry=entry, by=organiser)
    assert error.value.code == "not_expert"
    free = make_expert("free@example.org")
    review_services.assign_expert(expert=free, entry=entry, by=organiser)
    with pytest.raises(ValidationError) as error:
        review_services.assign_expert(expert=free, entry=entry, by=organiser)
    assert error.value.code == "assigned"
    assert Assignment.objects.count() == 1


def test_a_conflict_marked_in_the_admin_is_declared_and_the_organisers_are_told(
        organiser_client, organiser, entry, django_capture_on_commit_callbacks):
    expert = make_expert("expert@example.org", full_name="Prof. Weber")
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(ADD_CONFLICT, {"expert": expert.pk, "entry": entry.pk,
                                                        "reason": "  Co-author of the report  "})
    assert response.status_code == 302
    conflict = Conflict.objects.get()
    assert (conflict.expert, conflict.declared_by, conflict.reason) == (expert, organiser, "Co-author of the report")
    queued = OutgoingMail.objects.filter(to__in=settings.ORGANISER_EMAILS)
    sent = [m for m in mail.outbox if set(m.to) & set(settings.ORGANISER_EMAILS)]
    assert queued.exists() or sent
    subjects = [m.subject for m in queued] + [m.subject for m in sent]
    assert any(entry.reference in subject for subject in subjects)
    # Once declared, the expert cannot be assigned that entry in the admin either.
    response = organiser_client.post(ADD_ASSIGNMENT, {"expert": expert.pk, "entry": entry.pk},
                                     headers={"accept-language": "en"})
    assert response.status_code == 200 and not Assignment.objects.exists()


def test_a_conflict_cannot_be_moved_and_its_reason_stays_required(organiser_client, organiser, entry):
    expert = make_expert("expert@example.org")
    conflict = review_services.declare_conflict(expert=expert, entry=entry, reason="Former employer", by=organiser)
    url = f"/admin/submissions/conflict/{conflict.pk}/change/"
    assert organiser_client.post(url, {"reason": "   "}).status_code == 200
    assert organiser_client.post(url, {"reason": "Former employer (until 2022)"}).status_code == 302
    conflict.refresh_from_db()
    assert conflict.reason == "Former employer (until 2022)" and conflict.expert == expert
    with pytest.raises(ValidationError):
        review_services.change_conflict_reason(conflict=conflict, reason=" ")
