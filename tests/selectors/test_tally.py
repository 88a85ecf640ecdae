"""The tally of the expert review: weighted means, medians, spread, votes and the ranking."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from submissions.models import Category, Score
from submissions.selectors import tally as tally_selectors
from submissions.services import review as review_services
from tests.factories import CriterionFactory, RoundFactory
from tests.helpers import make_expert, score, submitted_entry


@pytest.fixture
def weighted_criteria(edition):
    cutting_edge = Category.objects.get(code=Category.CUTTING_EDGE)
    RoundFactory(edition=edition)  # scoring, open now
    for order, (name, weight) in enumerate([("A", 40), ("B", 30), ("C", 20), ("D", 10)]):
        CriterionFactory(edition=edition, category=cutting_edge, name_en=name, name_zh_hans=name, weight=weight, order=order)
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
