"""The expert review: assignment, isolation, scoring, the committee vote, the tally, the
confirmation of the selection and the public results page (FORM.md §D)."""

import io
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from openpyxl import load_workbook

from submissions.models import (
    Assignment,
    Ballot,
    Category,
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
from submissions.roles import setup_roles
from submissions.selectors import tally as tally_selectors
from submissions.services import attachments as attachment_services
from submissions.services import demo_review as review_demo
from submissions.services import entries as services
from submissions.services import review as review_services
from submissions.services import selection as selection_services

from tests.factories import EntryFactory, UserFactory, png_upload

EN = {"accept-language": "en"}


# --- Fixtures and helpers ------------------------------------------------------------------------------
def make_expert(email, organisation="", language="en"):
    _organiser, expert_group = setup_roles()
    user = UserFactory(email=email, organisation=organisation, language=language, full_name=email.split("@")[0])
    user.groups.add(expert_group)
    return user


@pytest.fixture
def rounds(edition):
    """The demo criteria (4 per category, weight 25) and rounds: scoring open now, vote later."""
    review_demo.build_criteria(edition)
    review_demo.build_rounds(edition)
    return {r.kind: r for r in Round.objects.filter(edition=edition)}


@pytest.fixture
def expert1(db):
    return make_expert("expert.one@example.org")


@pytest.fixture
def expert2(db):
    return make_expert("expert.two@example.org", language="zh-hans")


def set_round(round_, *, open_now: bool):
    now = timezone.now()
    if open_now:
        round_.opens_at, round_.closes_at = now - timedelta(days=1), now + timedelta(days=1)
    else:
        round_.opens_at, round_.closes_at = now - timedelta(days=3), now - timedelta(days=1)
    round_.save()
    return round_


def submitted_entry(edition, nominator=None, **fields):
    nominator = nominator or UserFactory()
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, **fields)
    return services.submit_entry(entry=entry, by=nominator)


def shortlisted_entry(edition, organiser, nominator=None, **fields):
    entry = submitted_entry(edition, nominator, **fields)
    services.change_status(entry=entry, to=EntryStatus.ELIGIBLE, by=organiser)
    return services.change_status(entry=entry, to=EntryStatus.SHORTLISTED, by=organiser)


def full_scores(entry, value):
    return {c.pk: value for c in Criterion.objects.filter(edition=entry.edition, category=entry.category)}


def score(expert, entry, values, *, comment="Solid work.", abstained=False):
    assignment, _ = Assignment.objects.get_or_create(expert=expert, entry=entry)
    criteria = list(Criterion.objects.filter(edition=entry.edition, category=entry.category).order_by("order"))
    scores = {c.pk: v for c, v in zip(criteria, values, strict=False)}
    return review_services.record_review(assignment=assignment, scores=scores, comment=comment, abstained=abstained)


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


def test_admin_assign_view_assigns_matching_entries(admin_client, edition):
    experts = [make_expert(f"x{i}@example.org") for i in range(3)]
    entries = [submitted_entry(edition) for _ in range(2)]
    response = admin_client.post("/admin/submissions/assignment/assign/", {
        "edition": edition.pk, "statuses": ["submitted"], "per_entry": 2}, headers=EN)
    assert response.status_code == 302
    assert Assignment.objects.filter(entry__in=entries).count() == 4
    assert set(Assignment.objects.values_list("expert", flat=True)) <= {x.pk for x in experts}
    page = admin_client.get("/admin/submissions/assignment/", headers=EN).content.decode()
    assert "4 assignments created." in page


# --- Access and isolation ---------------------------------------------------------------------------------
@pytest.fixture
def two_assignments(edition, rounds, expert1, expert2):
    mine = submitted_entry(edition, title_zh_hans="我的条目", title_en="My assigned entry")
    theirs = submitted_entry(edition, title_zh_hans="别人的条目", title_en="Someone else's entry")
    unassigned = submitted_entry(edition, title_zh_hans="未分配条目", title_en="Unassigned entry")
    Assignment.objects.create(expert=expert1, entry=mine)
    Assignment.objects.create(expert=expert2, entry=theirs)
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
    Assignment.objects.create(expert=expert1, entry=entry)
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


# --- Tally ---------------------------------------------------------------------------------------------
@pytest.fixture
def weighted_criteria(edition):
    cutting_edge = Category.objects.get(code=Category.CUTTING_EDGE)
    Round.objects.create(edition=edition, kind=Round.Kind.SCORING, opens_at=timezone.now() - timedelta(days=1),
                         closes_at=timezone.now() + timedelta(days=1))
    for order, (name, weight) in enumerate([("A", 40), ("B", 30), ("C", 20), ("D", 10)]):
        Criterion.objects.create(edition=edition, category=cutting_edge, name_en=name, name_zh_hans=name,
                                 weight=weight, order=order)
    return cutting_edge


def test_tally_weighted_mean_median_spread_and_ranking_match_a_hand_computation(edition, weighted_criteria, organiser):
    x1, x2, x3 = (make_expert(f"x{i}@example.org") for i in range(1, 4))
    e1 = submitted_entry(edition, title_en="E1")
    e2 = submitted_entry(edition, title_en="E2")
    e3 = submitted_entry(edition, title_en="E3")
    # Weights 40/30/20/10: a review's total is (40a + 30b + 20c + 10d) / 100.
    score(x1, e1, [8, 6, 4, 2])      # (320 + 180 + 80 + 20) / 100 = 6.0
    score(x2, e1, [10, 10, 10, 10])  # 10.0
    score(x3, e1, [5, 5, 5, 5])      # 5.0  -> mean 7.0, median 6.0, spread 5.0 (outlier)
    score(x1, e2, [7, 7, 7, 7])      # 7.0
    score(x2, e2, [9, 8, 7, 6])      # (360 + 240 + 140 + 60) / 100 = 8.0 -> mean 7.5, median 7.5, spread 1.0
    score(x3, e2, [], comment="Not my field", abstained=True)
    score(x1, e3, [3, 3, 3, 3])
    score(x2, e3, [4, 4, 4, 4])
    score(x3, e3, [10, 10, 10, 10])  # removed below: x3 has a conflict of interest on E3 -> mean 3.5
    review_services.declare_conflict(expert=x3, entry=e3, reason="Co-author", by=organiser)

    result = tally_selectors.tally(edition, weighted_criteria)

    table = [(r.entry.title_en, r.rank, r.reviews, r.mean, r.median, r.spread, r.abstentions, r.conflicts)
             for r in result.rows]
    assert table == [("E2", 1, 2, 7.5, 7.5, 1.0, 1, 0),
                     ("E1", 2, 3, 7.0, 6.0, 5.0, 0, 0),
                     ("E3", 3, 2, 3.5, 3.5, 1.0, 0, 1)]
    flags = {r.entry.title_en: (r.outlier, r.too_few_reviews) for r in result.rows}
    assert flags == {"E1": (True, False), "E2": (False, True), "E3": (False, True)}


def test_tally_uses_a_constant_number_of_queries(edition, weighted_criteria):
    experts = [make_expert(f"x{i}@example.org") for i in range(3)]

    def count_queries():
        with CaptureQueriesContext(connection) as context:
            tally_selectors.tally(edition, weighted_criteria)
        return len(context.captured_queries)

    entry = submitted_entry(edition)
    for expert in experts:
        score(expert, entry, [5, 6, 7, 8])
    one = count_queries()
    for _ in range(3):
        entry = submitted_entry(edition)
        for expert in experts:
            score(expert, entry, [5, 6, 7, 8])
    assert count_queries() == one


@pytest.fixture
def final(edition, organiser, rounds):
    """Cutting-edge quota 2; three shortlisted entries with preliminary means 8, 6 and 6; vote open."""
    edition.cutting_edge_quota = 2
    edition.save()
    experts = [make_expert(f"v{i}@example.org") for i in range(3)]
    english = UserFactory(email="english.nominator@example.com", language="en")
    chinese = UserFactory(email="chinese.nominator@example.com", language="zh-hans")
    entries = [shortlisted_entry(edition, organiser, english, title_en="Alpha", title_zh_hans="甲技术"),
               shortlisted_entry(edition, organiser, chinese, title_en="Beta", title_zh_hans="乙技术"),
               shortlisted_entry(edition, organiser, title_en="Gamma", title_zh_hans="丙技术")]
    for entry, value in zip(entries, [8, 6, 6], strict=True):
        score(experts[0], entry, [value] * 4)
    set_round(rounds[Round.Kind.SCORING], open_now=False)
    vote = set_round(rounds[Round.Kind.VOTE], open_now=True)
    return {"experts": experts, "entries": entries, "vote": vote, "category": entries[0].category}


def test_ranking_by_votes_then_preliminary_mean_and_ties_at_the_cut_off(final, edition):
    (x1, x2, x3), (alpha, beta, gamma), vote, category = final.values()
    review_services.cast_votes(expert=x1, round_=vote, category=category, entries=[beta, gamma])
    review_services.cast_votes(expert=x2, round_=vote, category=category, entries=[beta])
    review_services.cast_votes(expert=x3, round_=vote, category=category, entries=[])  # an empty ballot counts

    result = tally_selectors.tally(edition, category)
    assert [(r.entry.title_en, r.votes, r.final_rank, r.proposed) for r in result.rows] == [
        ("Beta", 2, 1, True), ("Gamma", 1, 2, False), ("Alpha", 0, 3, False)]
    assert result.voters == 3 and result.committee_size == 3 and result.quorum_reached
    # Gamma has 1 of 3 votes: not more than half, so it is below the threshold and not proposed.
    assert [r.below_threshold for r in result.rows] == [False, True, True]

    vote.threshold_percent = 0
    vote.save()
    review_services.cast_votes(expert=x2, round_=vote, category=category, entries=[beta, alpha])
    result = tally_selectors.tally(edition, category)
    # Alpha and Gamma: 1 vote each, tie broken by the preliminary mean (8 against 6).
    assert [(r.entry.title_en, r.votes, r.proposed, r.tie) for r in result.rows] == [
        ("Beta", 2, True, False), ("Alpha", 1, True, False), ("Gamma", 1, False, False)]

    Score.objects.filter(review__assignment__entry=alpha).update(value=6)  # same votes and same mean
    result = tally_selectors.tally(edition, category)
    assert result.tie_at_cutoff
    assert {r.entry.title_en for r in result.rows if r.tie} == {"Alpha", "Gamma"}


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
    Vote.objects.create(round=vote, expert=x1, entry=alpha)
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(round=vote, expert=x1, entry=alpha)


@pytest.mark.django_db(transaction=True)
def test_the_vote_limit_holds_under_concurrent_ballots_of_one_expert():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency of separate connections is tested on PostgreSQL (run with DATABASE_URL)")
    from submissions.services import demo

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


# --- Confirmation, publication and results ------------------------------------------------------------------
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


@pytest.fixture
def published(edition, organiser, rounds):
    """One selected cutting-edge entry (with a publishable and a private image), one innovative
    entry selected and one nominated (shortlisted, not selected); results published."""
    edition.cutting_edge_quota = 1
    edition.innovative_quota = 1
    edition.save()
    innovative = Category.objects.get(code=Category.INNOVATIVE)
    ce = shortlisted_entry(edition, organiser, title_en="Solid-state cell", title_zh_hans="固态电芯",
                           summary_en="Cells at 450 Wh/kg.", org_name_en="Example Technology Ltd.")
    attachment_services.add_attachment(entry=ce, kind="image", upload=png_upload("public.png"), may_publish=True)
    attachment_services.add_attachment(entry=ce, kind="image", upload=png_upload("private.png"), may_publish=False)
    ce_out = shortlisted_entry(edition, organiser, title_en="Losing cell", title_zh_hans="落选电芯")
    inn = shortlisted_entry(edition, organiser, category=innovative, title_en="SiC e-drive", title_zh_hans="碳化硅电驱",
                            application_en="In 200,000 vehicles.")
    nominated = shortlisted_entry(edition, organiser, category=innovative, title_en="Heat pump",
                                  title_zh_hans="热泵空调", application_en="In 10,000 vehicles.")
    set_round(rounds[Round.Kind.VOTE], open_now=False)
    return {"ce": ce, "ce_out": ce_out, "inn": inn, "nominated": nominated, "innovative": innovative}


def test_results_page_is_404_before_publication_and_shown_after_in_both_languages(client, edition, organiser,
                                                                                   published):
    url = f"/en/results/{edition.year}/"
    public = published["ce"].attachments.get(original_name="public.png")
    private = published["ce"].attachments.get(original_name="private.png")
    assert client.get(url).status_code == 404
    assert client.get(f"/zh-hans/results/{edition.year}/").status_code == 404
    assert client.get(f"/en/results/{edition.year}/images/{public.pk}/").status_code == 404
    with pytest.raises(ValidationError):  # nothing confirmed yet
        selection_services.publish_results(edition=edition)

    # No votes and no scores: every finalist ties at the cut-off, so the organisers record their decision.
    selection_services.confirm_selection(edition=edition, category=published["ce"].category, selected=[published["ce"]],
                                      by=organiser, note="Decided at the committee meeting.")
    selection_services.confirm_selection(edition=edition, category=published["innovative"], selected=[published["inn"]],
                                      by=organiser, note="Decided at the committee meeting.")
    selection_services.publish_results(edition=edition)

    english = client.get(url).content.decode()
    assert '<html lang="en">' in english
    for text in ("Solid-state cell", "Cells at 450 Wh/kg.", "Example Technology Ltd.", "China", "SiC e-drive",
                 "Nominated", "Heat pump"):
        assert text in english
    assert "Losing cell" not in english
    assert f"/en/results/{edition.year}/images/{public.pk}/" in english
    assert f"/images/{private.pk}/" not in english
    assert english.index("SiC e-drive") < english.index("Nominated") < english.index("Heat pump")
    chinese = client.get(f"/zh-hans/results/{edition.year}/").content.decode()
    assert '<html lang="zh-Hans">' in chinese
    assert "固态电芯" in chinese and "热泵空调" in chinese and "落选电芯" not in chinese
    image = client.get(f"/en/results/{edition.year}/images/{public.pk}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert client.get(f"/en/results/{edition.year}/images/{private.pk}/").status_code == 404
    assert f"/en/results/{edition.year}/" in client.get("/en/").content.decode()  # the home page links to it
    assert SelectionOutcome.objects.get(entry=published["nominated"]).nominated


def test_results_hide_entries_without_publication_consent(client, edition, organiser, published):
    Entry.objects.filter(pk=published["ce"].pk).update(consent_publication=False)
    for category, selected in [(published["ce"].category, [published["ce"]]), (published["innovative"], [])]:
        selection_services.confirm_selection(edition=edition, category=category, selected=selected, by=organiser,
                                          note="Decided by the committee.")
    selection_services.publish_results(edition=edition)
    html = client.get(f"/en/results/{edition.year}/").content.decode()
    assert "Solid-state cell" not in html and "Heat pump" in html


# --- The organisers' tally in the admin ------------------------------------------------------------------
def test_admin_tally_shows_the_ranking_exports_xlsx_confirms_and_publishes(client, organiser, final, edition,
                                                                           django_capture_on_commit_callbacks):
    (x1, x2, _x3), (alpha, beta, gamma), vote, category = final.values()
    review_services.cast_votes(expert=x1, round_=vote, category=category, entries=[alpha, beta])
    review_services.cast_votes(expert=x2, round_=vote, category=category, entries=[alpha, beta])
    set_round(vote, open_now=False)
    client.force_login(organiser)
    url = f"/admin/submissions/round/tally/{edition.pk}/cutting_edge/"

    html = client.get(url, headers=EN).content.decode()
    assert "Tally: Cutting-edge technology" in html
    assert html.index("Alpha") < html.index("Beta") < html.index("Gamma")
    assert "fewer than 3 reviews" in html and "Confirm the selection" in html

    workbook = load_workbook(io.BytesIO(client.get(url + "xlsx/", headers=EN).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Rank", "Final rank", "Reference number", "Technology name (Chinese)",
                           "Technology name (English)")
    assert [(r[3], r[4], r[13]) for r in rows[1:]] == [("甲技术", "Alpha", 2), ("乙技术", "Beta", 2), ("丙技术", "Gamma", 0)]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"selected": [alpha.pk, beta.pk], "note": "", "message": ""}, headers=EN)
    assert response.status_code == 302
    assert Entry.objects.get(pk=gamma.pk).status == EntryStatus.NOT_SELECTED
    assert "Confirmed selection" in client.get(url, headers=EN).content.decode()

    response = client.post(f"/admin/submissions/round/tally/{edition.pk}/publish/", {"publish": "1", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    edition.refresh_from_db()
    assert edition.results_published


def test_admin_tally_is_closed_to_experts_and_nominators(client, expert1, nominator, edition):
    for user in (expert1, nominator):
        client.force_login(user)
        response = client.get(f"/admin/submissions/round/tally/{edition.pk}/cutting_edge/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


# --- Demo ---------------------------------------------------------------------------------------------------
def test_review_demo_is_idempotent_and_assigns_the_demo_entry_to_both_experts(edition):
    from submissions.services import demo

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
