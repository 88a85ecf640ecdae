"""The expert review: assignment, isolation, scoring, the committee vote, the tally, the
confirmation of the selection and the public results page (FORM.md §D)."""

import threading
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, transaction
from django.utils import translation

from submissions.models import (
    Assignment,
    Ballot,
    Conflict,
    Criterion,
    Entry,
    EntryStatus,
    OutgoingMail,
    Review,
    Round,
    Score,
    SelectionDecision,
    SelectionOutcome,
    StatusChange,
    Vote,
)
from submissions.services import demo
from submissions.services import demo_review as review_demo
from submissions.services import review as review_services
from submissions.services import selection as selection_services
from tests.factories import AssignmentFactory, UserFactory, VoteFactory
from tests.helpers import make_expert, score, set_round, shortlisted_entry, submitted_entry

EN = {"accept-language": "en"}


# --- Helpers -------------------------------------------------------------------------------------------
def full_scores(entry, value):
    return {c.pk: value for c in Criterion.objects.filter(edition=entry.edition, category=entry.category)}


# --- Assignment -----------------------------------------------------------------------------------------
def test_assign_entries_gives_each_entry_k_different_experts_with_even_loads(edition):
    experts = [make_expert(f"x{i}@example.org") for i in range(4)]
    entries = [submitted_entry(edition) for _ in range(6)]

    result = review_services.assign_entries(entries=Entry.objects.filter(pk__in=[e.pk for e in entries]), per_entry=3)

    assert len(result.created) == 18 and result.short == []
    per_entry = Counter(Assignment.objects.values_list("entry", flat=True))
    assert sorted(per_entry.values()) == [3] * 6
    loads = Counter(Assignment.objects.values_list("expert", flat=True))
    assert sorted(loads[x.pk] for x in experts) == [4, 4, 5, 5]  # 18 over 4 experts: as even as possible
    # Running it again adds nothing: existing assignments count.
    assert review_services.assign_entries(entries=entries, per_entry=3).created == []


def test_assign_entries_never_picks_the_same_organisation_or_a_conflicted_expert(edition, organiser):
    same_en = make_expert("same.en@example.org", organisation="  EXAMPLE technology ltd. ")  # case, spaces
    same_zh = make_expert("same.zh@example.org", organisation="示例科技有限公司")
    conflicted = make_expert("conflicted@example.org", organisation="Another University")
    free = [make_expert(f"free{i}@example.org", organisation="Independent") for i in range(2)]
    entry = submitted_entry(edition)  # the factory's organisation: 示例科技有限公司 / Example Technology Ltd.
    review_services.declare_conflict(expert=conflicted, entry=entry, reason="Former employer", by=organiser)

    result = review_services.assign_entries(entries=[entry], per_entry=3)

    assigned = set(Assignment.objects.filter(entry=entry).values_list("expert__email", flat=True))
    assert assigned == {x.email for x in free}
    assert not assigned & {same_en.email, same_zh.email, conflicted.email}
    assert result.short == [(entry, 2)]  # reported: only 2 of the 3 experts wanted


# --- Access and isolation ---------------------------------------------------------------------------------
@pytest.fixture
def two_assignments(edition, rounds, expert1, expert2):
    mine = submitted_entry(edition, title_zh_hans="我的条目", title_en="My assigned entry")
    theirs = submitted_entry(edition, title_zh_hans="别人的条目", title_en="Someone else's entry")
    unassigned = submitted_entry(edition, title_zh_hans="未分配条目", title_en="Unassigned entry")
    AssignmentFactory(expert=expert1, entry=mine)
    AssignmentFactory(expert=expert2, entry=theirs)
    return mine, theirs, unassigned


def test_review_area_needs_login_and_the_expert_group(client, nominator, organiser, two_assignments):
    response = client.get("/en/review/")
    assert response.status_code == 302 and "/en/accounts/login/" in response["Location"]
    for user in (nominator, organiser):  # a nominator and a staff organiser are not experts
        client.force_login(user)
        assert client.get("/en/review/").status_code == 403
        assert client.get(f"/en/review/{two_assignments[0].pk}/").status_code == 403
        assert "/en/review/" not in client.get("/en/").content.decode()  # no menu link


def test_experts_have_no_admin_access(client, expert1):
    client.force_login(expert1)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_expert_sees_only_own_assignments_and_their_files(client, expert1, two_assignments):
    mine, theirs, unassigned = two_assignments
    client.force_login(expert1)
    listing = client.get("/en/review/", headers=EN).content.decode()
    assert "My assigned entry" in listing
    assert "Someone else" not in listing and "Unassigned entry" not in listing
    assert 'href="/en/review/"' in client.get("/en/").content.decode()  # the menu shows "Review"

    page = client.get(f"/en/review/{mine.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "我的条目" in html and "My assigned entry" in html  # both language versions side by side
    for entry in (theirs, unassigned):
        for suffix in ("", "score/", "conflict/"):
            assert client.get(f"/en/review/{entry.pk}/{suffix}").status_code == 404
    own_file = mine.attachments.get(kind="report")
    assert f"/en/nominations/files/{own_file.pk}/" in html
    assert client.get(f"/en/nominations/files/{own_file.pk}/").status_code == 200
    for entry in (theirs, unassigned):
        other_file = entry.attachments.get(kind="report")
        assert client.get(f"/en/nominations/files/{other_file.pk}/").status_code == 404


def test_expert_cannot_see_another_experts_scores_or_votes(client, edition, organiser, rounds, expert1, expert2):
    entry = shortlisted_entry(edition, organiser, title_en="Shared entry")
    AssignmentFactory(expert=expert1, entry=entry)
    score(expert2, entry, [9, 9, 9, 9], comment="Secret comment of expert two")
    set_round(rounds[Round.Kind.VOTE], open_now=True)
    review_services.cast_votes(expert=expert2, round_=rounds[Round.Kind.VOTE], category=entry.category, entries=[entry])

    client.force_login(expert1)
    for url in (f"/en/review/{entry.pk}/", f"/en/review/{entry.pk}/score/", "/en/review/vote/cutting_edge/"):
        html = client.get(url, headers=EN).content.decode()
        assert "Secret comment of expert two" not in html
        assert "checked" not in html  # expert two's approval is not pre-ticked for expert one
    html = client.get(f"/en/review/{entry.pk}/score/", headers=EN).content.decode()
    assert 'value="9"' not in html


def test_declaring_a_conflict_removes_the_entry_and_tells_the_organisers(client, expert1, two_assignments, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    mine = two_assignments[0]
    client.force_login(expert1)
    empty = client.post(f"/en/review/{mine.pk}/conflict/", {"reason": " "}, headers=EN)
    assert empty.status_code == 400 and Conflict.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/en/review/{mine.pk}/conflict/", {"reason": "I advised the applicant."}, headers=EN)
    assert response.status_code == 302
    assert list(Conflict.objects.values_list("expert", "entry", "reason")) == [(expert1.pk, mine.pk,
                                                                                "I advised the applicant.")]
    assert [m.to for m in mailoutbox] == [["secretariat@example.com"]]
    assert mine.reference in mailoutbox[0].subject and "I advised the applicant." in mailoutbox[0].body
    assert "My assigned entry" not in client.get("/en/review/", headers=EN).content.decode()
    assert client.get(f"/en/review/{mine.pk}/").status_code == 404
    report = mine.attachments.get(kind="report")
    assert client.get(f"/en/nominations/files/{report.pk}/").status_code == 404


# --- Scoring ---------------------------------------------------------------------------------------------
def score_form(entry, values, comment="Convincing results.", abstained=False):
    criteria = Criterion.objects.filter(edition=entry.edition, category=entry.category).order_by("order")
    data = {f"criterion_{c.pk}": v for c, v in zip(criteria, values, strict=False)}
    data["comment"] = comment
    if abstained:
        data["abstained"] = "on"
    return data


@pytest.mark.parametrize("values, comment, message", [
    (["11", "5", "5", "5"], "Fine.", "Ensure this value is less than or equal to 10."),
    (["0", "5", "5", "5"], "Fine.", "Ensure this value is greater than or equal to 1."),
    (["5", "5", "5", ""], "Fine.", "Please give a score from 1 to 10."),
    (["5", "5", "5", "5"], "", "This field is required."),
])
def test_invalid_scores_are_refused_with_a_translated_error_and_nothing_saved(client, expert1, two_assignments,
                                                                              values, comment, message):
    mine = two_assignments[0]
    client.force_login(expert1)
    response = client.post(f"/en/review/{mine.pk}/score/", score_form(mine, values, comment), headers=EN)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Review.objects.count() == 0 and Score.objects.count() == 0


def test_scores_are_saved_changed_and_abstention_needs_only_the_comment(client, expert1, two_assignments):
    mine = two_assignments[0]
    client.force_login(expert1)
    assert client.post(f"/en/review/{mine.pk}/score/", score_form(mine, [7, 8, 6, 9])).status_code == 302
    review = Review.objects.get()
    assert sorted(review.scores.values_list("value", flat=True)) == [6, 7, 8, 9]
    assert "Scored" in client.get("/en/review/", headers=EN).content.decode()

    assert client.post(f"/en/review/{mine.pk}/score/", score_form(mine, [10, 10, 10, 10])).status_code == 302
    assert sorted(Score.objects.values_list("value", flat=True)) == [10, 10, 10, 10]

    response = client.post(f"/en/review/{mine.pk}/score/", score_form(mine, [], "Outside my field.", abstained=True))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.abstained and review.comment == "Outside my field." and Score.objects.count() == 0


def test_scores_cannot_change_after_the_scoring_round(client, expert1, two_assignments, rounds):
    mine = two_assignments[0]
    set_round(rounds[Round.Kind.SCORING], open_now=False)
    client.force_login(expert1)
    response = client.post(f"/en/review/{mine.pk}/score/", score_form(mine, [7, 7, 7, 7]), headers=EN)
    assert response.status_code == 302 and Review.objects.count() == 0
    html = client.get(f"/en/review/{mine.pk}/score/", headers=EN).content.decode()
    assert "only while the scoring round is open" in html and 'name="comment"' not in html
    with pytest.raises(ValidationError):
        review_services.record_review(assignment=Assignment.objects.get(entry=mine), scores=full_scores(mine, 5),
                                      comment="Late")


def test_score_page_in_both_languages(client, expert1, two_assignments):
    mine = two_assignments[0]
    client.force_login(expert1)
    english = client.get(f"/en/review/{mine.pk}/score/").content.decode()
    assert '<html lang="en">' in english and "Forward-looking" in english and "My assigned entry" in english
    chinese = client.get(f"/zh-hans/review/{mine.pk}/score/").content.decode()
    assert '<html lang="zh-Hans">' in chinese and "前瞻性" in chinese and "我的条目" in chinese


def test_score_in_range_is_also_a_database_constraint(expert1, two_assignments):
    review = score(expert1, two_assignments[0], [5, 5, 5, 5])
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(review=review).update(value=11)


# --- Voting ------------------------------------------------------------------------------------------------
def test_more_votes_than_the_quota_are_refused(final):
    (x1, _x2, _x3), entries, vote, category = final.values()
    with pytest.raises(ValidationError) as error:
        review_services.cast_votes(expert=x1, round_=vote, category=category, entries=entries)  # 3 > quota 2
    assert error.value.code == "too_many"
    assert Vote.objects.count() == 0 and Ballot.objects.count() == 0


def test_the_ballot_page_states_the_rules_and_refuses_too_many_votes(client, final):
    (x1, _x2, _x3), (alpha, beta, gamma), vote, category = final.values()
    client.force_login(x1)
    html = client.get("/en/review/vote/cutting_edge/", headers=EN).content.decode()
    for text in ("Approve at most 2 technologies", "Secret ballot", "Quorum", "more than 50 %",
                 "broken by the preliminary mean score", "conflict of interest", "Alpha", "Preliminary mean score 8.00"):
        assert text in html
    response = client.post("/en/review/vote/cutting_edge/", {"entries": [alpha.pk, beta.pk, gamma.pk]}, headers=EN)
    assert response.status_code == 400
    assert "You can approve at most 2 technologies in this category." in response.content.decode()
    assert Vote.objects.count() == 0

    assert client.post("/en/review/vote/cutting_edge/", {"entries": [alpha.pk, gamma.pk]}).status_code == 302
    assert set(Vote.objects.values_list("entry", flat=True)) == {alpha.pk, gamma.pk}
    chinese = client.get("/zh-hans/review/vote/cutting_edge/").content.decode()
    assert '<html lang="zh-Hans">' in chinese and "甲技术" in chinese and chinese.count("checked") == 2


def test_conflicted_and_not_shortlisted_entries_cannot_be_voted_on(final, edition, organiser):
    (x1, _x2, _x3), (alpha, _beta, _gamma), vote, category = final.values()
    review_services.declare_conflict(expert=x1, entry=alpha, reason="Colleague", by=organiser)
    eligible = submitted_entry(edition)
    for entries in ([alpha], [eligible]):
        with pytest.raises(ValidationError) as error:
            review_services.cast_votes(expert=x1, round_=vote, category=category, entries=entries)
        assert error.value.code == "not_allowed"
    assert Vote.objects.count() == 0


def test_one_vote_per_round_expert_and_entry_is_a_database_constraint(final):
    (x1, _x2, _x3), (alpha, _beta, _gamma), vote, _category = final.values()
    VoteFactory(round=vote, expert=x1, entry=alpha)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(round=vote, expert=x1, entry=alpha)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_vote_limit_holds_under_concurrent_ballots_of_one_expert():

    demo.build_reference_content()
    edition = demo.build_edition()
    edition.cutting_edge_quota = 2
    edition.save()
    review_demo.build_rounds(edition)
    vote = set_round(Round.objects.get(edition=edition, kind=Round.Kind.VOTE), open_now=True)
    organiser = UserFactory(email="organiser.concurrent@example.org", is_staff=True)
    entries = [shortlisted_entry(edition, organiser) for _ in range(6)]
    expert = make_expert("concurrent@example.org")
    category = entries[0].category
    # 10 different ballots of 2 entries each, submitted at the same moment by the same expert.
    ballots = [(entries[i % 6], entries[(i + 1 + i // 6) % 6]) for i in range(10)]
    barrier = threading.Barrier(len(ballots))
    errors = []

    def cast(pair):
        try:
            barrier.wait()
            review_services.cast_votes(expert=expert, round_=vote, category=category, entries=list(pair))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()  # each thread had its own connection

    threads = [threading.Thread(target=cast, args=(pair,)) for pair in ballots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    votes = set(Vote.objects.filter(expert=expert).values_list("entry", flat=True))
    assert len(votes) == 2
    assert votes in [{a.pk, b.pk} for a, b in ballots]  # exactly one of the ballots, never a mixture
    assert Ballot.objects.filter(expert=expert).count() == 1


# --- Confirmation of the selection -----------------------------------------------------------------------
def test_confirm_selection_moves_entries_and_mails_each_nominator_in_their_language(
        final, edition, organiser, django_capture_on_commit_callbacks, mailoutbox):
    (x1, x2, _x3), (alpha, beta, gamma), vote, category = final.values()
    review_services.cast_votes(expert=x1, round_=vote, category=category, entries=[alpha, beta])
    review_services.cast_votes(expert=x2, round_=vote, category=category, entries=[alpha, beta])
    set_round(vote, open_now=False)

    with django_capture_on_commit_callbacks(execute=True):
        selection_services.confirm_selection(edition=edition, category=category, selected=[alpha, beta], by=organiser)

    statuses = dict(Entry.objects.filter(pk__in=[alpha.pk, beta.pk, gamma.pk]).values_list("title_en", "status"))
    assert statuses == {"Alpha": EntryStatus.SELECTED, "Beta": EntryStatus.SELECTED, "Gamma": EntryStatus.NOT_SELECTED}
    assert StatusChange.objects.filter(to_status=EntryStatus.SELECTED, by=organiser).count() == 2
    outcomes = list(SelectionOutcome.objects.order_by("rank").values_list("entry__title_en", "rank", "votes", "selected",
                                                                          "nominated"))
    assert outcomes == [("Alpha", 1, 2, True, False), ("Beta", 2, 2, True, False), ("Gamma", 3, 0, False, False)]
    by_recipient = {m.to[0]: m for m in mailoutbox}
    english = by_recipient["english.nominator@example.com"]
    assert "Selected" in english.subject and "Dear" in english.body and "/en/nominations/" in english.body
    chinese = by_recipient["chinese.nominator@example.com"]
    assert "/zh-hans/nominations/" in chinese.body  # written with the Chinese language active
    with translation.override(gamma.nominator.language):
        assert str(EntryStatus.NOT_SELECTED.label) in by_recipient[gamma.nominator.email].subject
    assert sorted(by_recipient) == sorted(e.nominator.email for e in (alpha, beta, gamma))
    assert OutgoingMail.objects.filter(to=chinese.to[0], subject=chinese.subject, sent_at__isnull=False).count() == 1


def test_confirm_selection_refuses_bad_choices_and_changes_nothing(final, edition, organiser):
    (_x1, _x2, _x3), (alpha, beta, gamma), vote, category = final.values()
    with pytest.raises(ValidationError) as error:  # the vote is still open
        selection_services.confirm_selection(edition=edition, category=category, selected=[alpha], by=organiser)
    assert error.value.code == "vote_open"
    set_round(vote, open_now=False)
    for selected, code in [([alpha, beta, gamma], "quota"), ([beta], "note_required")]:
        with pytest.raises(ValidationError) as error:
            selection_services.confirm_selection(edition=edition, category=category, selected=selected, by=organiser)
        assert error.value.code == code
    assert set(Entry.objects.filter(edition=edition).values_list("status", flat=True)) == {EntryStatus.SHORTLISTED}
    assert SelectionDecision.objects.count() == 0
    # With the reason recorded the organisers may depart from the ranking.
    decision = selection_services.confirm_selection(edition=edition, category=category, selected=[beta], by=organiser,
                                                 note="Alpha withdrew from the defence.")
    assert decision.note == "Alpha withdrew from the defence."
    assert Entry.objects.get(pk=beta.pk).status == EntryStatus.SELECTED


# --- Demo ---------------------------------------------------------------------------------------------------
def test_review_demo_is_idempotent_and_assigns_the_demo_entry_to_both_experts(edition):
    users = demo.build_users()
    demo.build_sample_entries(users["nominator@example.com"], edition)
    for _ in range(2):
        review_demo.build_review_demo(edition, users)
    assert Criterion.objects.filter(edition=edition).count() == 8
    names = set(Criterion.objects.values_list("name_zh_hans", "name_en"))
    assert {("前瞻性", "Forward-looking"), ("潜力", "Potential")} <= names
    assert set(Criterion.objects.values_list("weight", flat=True)) == {25}
    scoring = Round.objects.get(edition=edition, kind=Round.Kind.SCORING)
    assert scoring.is_open() and not Round.objects.get(edition=edition, kind=Round.Kind.VOTE).is_open()
    assert sorted(Assignment.objects.values_list("expert__email", flat=True)) == ["expert1@example.com",
                                                                                  "expert2@example.com"]
