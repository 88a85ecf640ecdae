"""The tally of a category: counted reviews, weighted means, votes, ranks and the proposed
selection (FORM.md §D). Reads only."""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..enums import EntryStatus
from ..models import Assignment, Ballot, Category, Conflict, Edition, Entry, Round, Score, SelectionDecision, Vote
from .review import committee, not_conflicted

S = EntryStatus
# Entries that take part in the evaluation; drafts, withdrawn, returned and ineligible ones do not.
TALLIED_STATUSES = [S.SUBMITTED, S.ELIGIBLE, S.SHORTLISTED, S.SELECTED, S.NOT_SELECTED]
FINALIST_STATUSES = {S.SHORTLISTED, S.SELECTED, S.NOT_SELECTED}
OUTLIER_SPREAD = 4
MIN_REVIEWS = 3


def quota(edition: Edition, category: Category) -> int:
    """How many technologies the edition selects in the category."""
    return edition.innovative_quota if category.code == Category.INNOVATIVE else edition.cutting_edge_quota


def weighted_totals(entry_ids) -> dict[int, list[float]]:
    """{entry id: [weighted total of each counted review]} in one query. A review's weighted total is
    Σ(score × weight) / Σ(weight), on the 1–10 scale; abstentions and conflicted reviews do not count.
    `entry_ids` may be a list or a queryset of ids."""
    rows = (Score.objects.filter(review__assignment__entry_id__in=entry_ids, review__abstained=False)
            .filter(not_conflicted("review__assignment__expert", "review__assignment__entry"))
            .values("review_id", "review__assignment__entry_id")
            .annotate(points=Sum(F("value") * F("criterion__weight")), weight=Sum("criterion__weight"))
            .order_by("review_id"))
    totals = defaultdict(list)
    for row in rows:
        totals[row["review__assignment__entry_id"]].append(row["points"] / row["weight"])
    return totals


def _two(value):
    return None if value is None else float(Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP))


@dataclass
class TallyRow:
    entry: Entry
    assigned: int
    conflicts: int
    abstentions: int
    votes: int
    totals: list
    reviews: int = 0
    mean: float | None = None
    median: float | None = None
    spread: float | None = None
    rank: int = 0
    finalist: bool = False
    final_rank: int | None = None
    approval: float | None = None  # share of the voters, in %
    below_threshold: bool = False
    proposed: bool = False
    tie: bool = False
    outlier: bool = False
    too_few_reviews: bool = False

    @property
    def key(self):
        # Votes first; ties in votes are broken by the preliminary mean score (FORM.md §D.5).
        return (-self.votes, -(self.mean if self.mean is not None else -1))


@dataclass
class Tally:
    edition: Edition
    category: Category
    quota: int
    rows: list
    scoring_round: Round | None
    vote_round: Round | None
    committee_size: int
    voters: int
    decision: SelectionDecision | None

    @property
    def finalists(self):
        return sorted((r for r in self.rows if r.finalist), key=lambda r: r.final_rank)

    @property
    def proposed_ids(self) -> set:
        return {r.entry.pk for r in self.rows if r.proposed}

    @property
    def tie_at_cutoff(self) -> bool:
        return any(r.tie for r in self.rows)

    @property
    def quorum_needed(self) -> int:
        if not self.vote_round:
            return 0
        return -(-self.committee_size * self.vote_round.quorum_percent // 100)  # ceiling

    @property
    def quorum_reached(self) -> bool:
        return self.vote_round is not None and self.voters >= self.quorum_needed and self.voters > 0

    @property
    def has_votes(self) -> bool:
        return self.vote_round is not None and self.voters > 0


def _ranks(rows, attribute):
    """Competition ranking (1, 2, 2, 4) of rows already sorted by key."""
    previous, rank = None, 0
    for position, row in enumerate(rows, start=1):
        if row.key != previous:
            rank, previous = position, row.key
        setattr(row, attribute, rank)


def tally(edition: Edition, category: Category) -> Tally:
    """The ranked table of one category: per entry the counted reviews, weighted mean and median,
    spread, abstentions, conflicts and votes, with flags for ties at the cut-off, outliers and too few
    reviews, and the proposed selection (top N finalists meeting the approval threshold). A constant
    number of queries whatever the number of entries."""
    rounds = {r.kind: r for r in Round.objects.filter(edition=edition)}
    vote_round = rounds.get(Round.Kind.VOTE)

    def count(queryset):
        return Coalesce(Subquery(queryset.filter(entry=OuterRef("pk")).order_by().values("entry")
                                 .annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))

    abstentions = (Assignment.objects.filter(review__abstained=True)
                   .filter(not_conflicted("expert", "entry")))
    votes = (Vote.objects.filter(round=vote_round).filter(not_conflicted("expert", "entry"))
             if vote_round else Vote.objects.none())
    entries = (Entry.objects.filter(edition=edition, category=category, status__in=TALLIED_STATUSES)
               .select_related("nominator")
               .annotate(n_assigned=count(Assignment.objects.all()), n_conflicts=count(Conflict.objects.all()),
                         n_abstentions=count(abstentions),
                         n_votes=count(votes) if vote_round else Value(0, output_field=IntegerField()))
               .order_by("reference", "pk"))
    entries = list(entries)
    totals = weighted_totals([e.pk for e in entries])
    voters = (Ballot.objects.filter(round=vote_round, category=category).count() if vote_round else 0)
    size = committee().count()
    decision = SelectionDecision.objects.filter(edition=edition, category=category).first()

    rows = []
    for entry in entries:
        values = totals.get(entry.pk, [])
        row = TallyRow(entry=entry, assigned=entry.n_assigned, conflicts=entry.n_conflicts,
                       abstentions=entry.n_abstentions, votes=entry.n_votes, totals=[_two(v) for v in values],
                       reviews=len(values))
        if values:
            row.mean = _two(statistics.fmean(values))
            row.median = _two(statistics.median(values))
            row.spread = _two(max(values) - min(values))
        row.outlier = row.spread is not None and row.spread >= OUTLIER_SPREAD
        row.too_few_reviews = row.reviews < MIN_REVIEWS
        row.finalist = entry.status in FINALIST_STATUSES
        if voters:
            row.approval = _two(100 * row.votes / voters)
            threshold = vote_round.threshold_percent
            row.below_threshold = bool(threshold) and row.votes * 100 <= threshold * voters
        rows.append(row)
    rows.sort(key=lambda r: (r.key, r.entry.reference or "", r.entry.pk))
    _ranks(rows, "rank")
    finalists = [r for r in rows if r.finalist]
    _ranks(finalists, "final_rank")
    n = quota(edition, category)
    eligible = [r for r in finalists if not r.below_threshold]
    for row in eligible[:n]:
        row.proposed = True
    if 0 < n < len(eligible) and eligible[n - 1].key == eligible[n].key:
        # Same votes and same preliminary mean on both sides of the cut-off: the organisers decide.
        for row in eligible:
            row.tie = row.key == eligible[n].key
    return Tally(edition=edition, category=category, quota=n, rows=rows, scoring_round=rounds.get(Round.Kind.SCORING),
                 vote_round=vote_round, committee_size=size, voters=voters, decision=decision)


def preliminary_means(entry_ids):
    """{entry id: (mean of the weighted review totals, number of reviews)} for a read-only summary."""
    totals = weighted_totals(entry_ids)
    return {pk: (sum(values) / len(values), len(values)) for pk, values in totals.items() if values}
