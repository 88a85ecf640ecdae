"""Every factory builds a row its model accepts (full_clean), so tests can rely on the defaults."""

import pytest

from submissions.models import Category
from tests.factories import (
    AssignmentFactory,
    BallotFactory,
    CategoryFactory,
    ConflictFactory,
    CriterionFactory,
    EditionFactory,
    EntryFactory,
    ExpertFactory,
    OutgoingMailFactory,
    ReviewFactory,
    RoundFactory,
    ScoreFactory,
    TechnicalFieldFactory,
    VoteFactory,
)


@pytest.mark.django_db
def test_each_factory_builds_a_valid_row_with_its_defaults():
    edition = EditionFactory()
    CategoryFactory(code=Category.INNOVATIVE)
    field = TechnicalFieldFactory()
    entry = EntryFactory(edition=edition, category=CategoryFactory(), technical_field=field)
    score = ScoreFactory(review=ReviewFactory(assignment=AssignmentFactory(entry=entry)))
    rows = [edition, field, entry, score, score.review, score.review.assignment, score.criterion,
            CriterionFactory(edition=edition), RoundFactory(edition=edition), ConflictFactory(entry=entry),
            BallotFactory(round__edition=edition), VoteFactory(entry=entry), OutgoingMailFactory()]
    for row in rows:
        row.full_clean()
    assert score.criterion.edition == edition and score.criterion.category == entry.category
    assert ExpertFactory().groups.filter(name="Expert").exists()
    assert Category.objects.get(code=Category.INNOVATIVE).reference_code == "IN"


@pytest.mark.django_db
def test_round_factory_traits():
    vote = RoundFactory(vote=True, closed=True)
    assert vote.kind == "vote" and vote.has_closed()
    assert RoundFactory(edition=vote.edition).is_open()
