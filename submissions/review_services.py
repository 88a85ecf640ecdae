"""The expert review: assignment, conflicts of interest, scoring, the committee vote, the tally,
the confirmation of the selection and the publication of the results (FORM.md §D).

Views and the admin call these functions by name; entry statuses still change only through
services.change_status(), which also e-mails the nominators."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import emails, services
from .models import Category, Edition, Entry, EntryStatus, User
from .review_models import (
    SCORE_MAX,
    SCORE_MIN,
    Assignment,
    Ballot,
    Conflict,
    Criterion,
    Review,
    Round,
    Score,
    SelectionDecision,
    SelectionOutcome,
    Vote,
)
from .review_queries import committee, is_expert

S = EntryStatus
# Entries that take part in the evaluation; drafts, withdrawn, returned and ineligible ones do not.
TALLIED_STATUSES = [S.SUBMITTED, S.ELIGIBLE, S.SHORTLISTED, S.SELECTED, S.NOT_SELECTED]
FINALIST_STATUSES = {S.SHORTLISTED, S.SELECTED, S.NOT_SELECTED}
OUTLIER_SPREAD = 4
MIN_REVIEWS = 3


def quota(edition: Edition, category: Category) -> int:
    """How many technologies the edition selects in the category."""
    return edition.innovative_quota if category.code == Category.INNOVATIVE else edition.cutting_edge_quota


# --- Assignment and conflicts ---------------------------------------------------------------------
def _same_organisation(expert: User, entry: Entry) -> bool:
    mine = expert.organisation.strip().casefold()
    if not mine:
        return False
    return mine in {(entry.org_name_zh_hans or "").strip().casefold(), (entry.org_name_en or "").strip().casefold()}


@dataclass
class AssignmentResult:
    created: list = field(default_factory=list)
    short: list = field(default_factory=list)  # (entry, experts it has) for entries left with fewer than asked


def assign_entries(*, entries, per_entry: int = 3, by=None, experts=None) -> AssignmentResult:
    """Give each entry `per_entry` experts in total, keeping the experts' loads (assignments in the
    edition) as even as possible. Never an expert of the entry's organisation (User.organisation
    against both language versions, ignoring case) nor one with a conflict of interest. Existing
    assignments count and are kept. Entries that cannot get enough experts are reported."""
    if per_entry < 1:
        raise ValidationError(_("Each entry needs at least one expert."), code="per_entry")
    experts = list(experts if experts is not None else committee().order_by("pk"))
    result = AssignmentResult()
    if not experts:
        raise ValidationError(_("There are no experts to assign: add users to the Expert group first."),
                              code="no_experts")
    with transaction.atomic():
        entries = list(Entry.objects.filter(pk__in=[e.pk for e in entries])
                       .select_related("edition").order_by("edition", "category", "reference", "pk"))
        existing = defaultdict(set)
        for entry_id, expert_id in Assignment.objects.filter(entry__in=entries).values_list("entry", "expert"):
            existing[entry_id].add(expert_id)
        conflicts = set(Conflict.objects.filter(entry__in=entries).values_list("entry", "expert"))
        loads = {}  # (edition id, expert id) -> count, read once per edition
        for edition_id in {e.edition_id for e in entries}:
            counts = dict(Assignment.objects.filter(entry__edition_id=edition_id, expert__in=experts)
                          .values("expert").annotate(n=Count("pk")).values_list("expert", "n"))
            loads.update({(edition_id, x.pk): counts.get(x.pk, 0) for x in experts})
        new = []
        for entry in entries:
            have = existing[entry.pk]
            candidates = [x for x in experts if x.pk not in have and (entry.pk, x.pk) not in conflicts
                          and not _same_organisation(x, entry)]
            # Least loaded first; the expert's id keeps the choice reproducible.
            candidates.sort(key=lambda x: (loads[(entry.edition_id, x.pk)], x.pk))
            chosen = candidates[:max(0, per_entry - len(have))]
            for expert in chosen:
                loads[(entry.edition_id, expert.pk)] += 1
                have.add(expert.pk)
                new.append(Assignment(expert=expert, entry=entry, assigned_by=by))
            if len(have) < per_entry:
                result.short.append((entry, len(have)))
        for assignment in new:  # save() one by one: django-simple-history records each assignment
            assignment.save()
        result.created = new
    return result


def declare_conflict(*, expert: User, entry: Entry, reason: str, by=None) -> Conflict:
    """Record a conflict of interest (by the expert or, in advance, by an organiser). The entry
    leaves the expert's list, their scores and votes on it no longer count, and the organisers
    are told by e-mail. Raises ValidationError without a reason."""
    if not reason.strip():
        raise ValidationError(_("Please give the reason for the conflict of interest."), code="reason_required")
    with transaction.atomic():
        conflict, created = Conflict.objects.get_or_create(
            expert=expert, entry=entry, defaults={"reason": reason.strip(), "declared_by": by or expert})
        if created:
            _notify_organisers_of_conflict(conflict)
    return conflict


def _notify_organisers_of_conflict(conflict: Conflict):
    entry = conflict.entry
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Conflict of interest declared: %(reference)s") % {"reference": entry.reference or entry.pk}
        body = gettext(
            "%(expert)s (%(email)s) declared a conflict of interest on the entry %(reference)s “%(title)s” "
            "and will neither score nor vote on it.\n\nReason: %(reason)s\n\n%(link)s"
        ) % {"expert": conflict.expert.get_full_name(), "email": conflict.expert.email,
             "reference": entry.reference or entry.pk, "title": entry.title, "reason": conflict.reason,
             "link": emails.absolute(reverse("admin:submissions_conflict_changelist"))}
    for address in settings.ORGANISER_EMAILS:
        emails.queue_mail(to=address, subject=subject, body=body)


# --- Scoring --------------------------------------------------------------------------------------
def _conflict_exists(expert, entry) -> bool:
    return Conflict.objects.filter(expert=expert, entry=entry).exists()


def _as_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def record_review(*, assignment: Assignment, scores: dict, comment: str, abstained: bool = False, now=None) -> Review:
    """Create or replace the expert's review of an assigned entry: a score from 1 to 10 for every
    criterion of the entry's category and edition (none when abstaining) and an overall comment.
    Allowed while the scoring round is open. Raises ValidationError, saving nothing, otherwise."""
    now = now or timezone.now()
    entry = assignment.entry
    scoring = Round.objects.filter(edition_id=entry.edition_id, kind=Round.Kind.SCORING).first()
    if scoring is None or not scoring.is_open(now):
        raise ValidationError(_("The scoring round is not open: scores can no longer be changed."), code="closed")
    if _conflict_exists(assignment.expert_id, entry.pk):
        raise ValidationError(_("You declared a conflict of interest on this entry."), code="conflict")
    if not comment.strip():
        raise ValidationError(_("Please write an overall comment."), code="comment_required")
    criteria = list(Criterion.objects.filter(edition_id=entry.edition_id, category_id=entry.category_id))
    values = {}
    if not abstained:
        if not criteria:
            raise ValidationError(_("No criteria have been set for this category yet."), code="no_criteria")
        errors = []
        for criterion in criteria:
            value = _as_int(scores.get(criterion.pk))
            if value is None or not SCORE_MIN <= value <= SCORE_MAX:
                errors.append(ValidationError(
                    _("“%(criterion)s” needs a score from %(min)d to %(max)d."), code="score",
                    params={"criterion": criterion.name, "min": SCORE_MIN, "max": SCORE_MAX}))
            else:
                values[criterion.pk] = value
        if errors:
            raise ValidationError(errors)
    with transaction.atomic():
        # Lock the assignment: a double submit must not create two reviews or mix the scores.
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        review, created = Review.objects.get_or_create(
            assignment=assignment, defaults={"comment": comment.strip(), "abstained": abstained, "submitted_at": now})
        if not created:
            review.comment, review.abstained = comment.strip(), abstained
            review.save(update_fields=["comment", "abstained", "updated_at"])
        for score in review.scores.exclude(criterion_id__in=values):  # one by one for the history
            score.delete()
        for criterion_id, value in values.items():
            Score.objects.update_or_create(review=review, criterion_id=criterion_id, defaults={"value": value})
    return review


# --- Committee vote -------------------------------------------------------------------------------
def _too_many(limit) -> ValidationError:
    return ValidationError(
        ngettext("You can approve at most %(limit)d technology in this category.",
                 "You can approve at most %(limit)d technologies in this category.", limit),
        code="too_many", params={"limit": limit})


def cast_votes(*, expert: User, round_: Round, category: Category, entries, now=None) -> Ballot:
    """Replace the expert's ballot in one category of the vote round: approve up to N of the
    shortlisted entries (N = the edition's quota for the category; none is a valid ballot).
    Entries with a conflict of interest cannot be approved. The limit holds under concurrent
    requests: the expert's row is locked for the whole transaction, and a unique constraint
    forbids a second vote for the same entry. Raises ValidationError, saving nothing."""
    now = now or timezone.now()
    entry_ids = {e.pk for e in entries}
    limit = quota(round_.edition, category)
    if round_.kind != Round.Kind.VOTE or not round_.is_open(now):
        raise ValidationError(_("The vote is not open."), code="closed")
    if not is_expert(expert):
        raise ValidationError(_("Only committee experts can vote."), code="not_expert")
    if len(entry_ids) > limit:
        raise _too_many(limit)
    with transaction.atomic():
        # Serialise this expert's ballots: two tabs submitting at once must not add up to more than N.
        User.objects.select_for_update().filter(pk=expert.pk).first()
        allowed = set(Entry.objects.filter(pk__in=entry_ids, edition_id=round_.edition_id, category=category,
                                           status=S.SHORTLISTED)
                      .exclude(Exists(Conflict.objects.filter(expert=expert, entry=OuterRef("pk"))))
                      .values_list("pk", flat=True))
        if allowed != entry_ids:
            raise ValidationError(_("You can only vote for shortlisted entries without a conflict of interest."),
                                  code="not_allowed")
        Vote.objects.filter(round=round_, expert=expert, entry__category=category).exclude(entry_id__in=entry_ids).delete()
        kept = set(Vote.objects.filter(round=round_, expert=expert, entry_id__in=entry_ids).values_list("entry_id", flat=True))
        Vote.objects.bulk_create([Vote(round=round_, expert=expert, entry_id=pk, cast_at=now)
                                  for pk in sorted(entry_ids - kept)])
        if Vote.objects.filter(round=round_, expert=expert, entry__category=category).count() > limit:
            raise _too_many(limit)  # rolls the whole ballot back
        ballot, created = Ballot.objects.get_or_create(round=round_, expert=expert, category=category,
                                                       defaults={"cast_at": now})
        if not created:
            ballot.cast_at = now
            ballot.save(update_fields=["cast_at"])
    return ballot


# --- Tally ----------------------------------------------------------------------------------------
def _not_conflicted(expert_path: str, entry_path: str):
    return ~Exists(Conflict.objects.filter(expert=OuterRef(expert_path), entry=OuterRef(entry_path)))


def weighted_totals(entry_ids) -> dict[int, list[float]]:
    """{entry id: [weighted total of each counted review]} in one query. A review's weighted total is
    Σ(score × weight) / Σ(weight), on the 1–10 scale; abstentions and conflicted reviews do not count.
    `entry_ids` may be a list or a queryset of ids."""
    rows = (Score.objects.filter(review__assignment__entry_id__in=entry_ids, review__abstained=False)
            .filter(_not_conflicted("review__assignment__expert", "review__assignment__entry"))
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
                   .filter(_not_conflicted("expert", "entry")))
    votes = (Vote.objects.filter(round=vote_round).filter(_not_conflicted("expert", "entry"))
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


# --- Selection and publication -----------------------------------------------------------------------
def confirm_selection(*, edition: Edition, category: Category, selected, by, note: str = "", message: str = "",
                      now=None) -> SelectionDecision:
    """Move the shortlisted entries of a category to SELECTED (those in `selected`, at most the
    edition's quota) or NOT_SELECTED through services.change_status(), which e-mails each nominator
    in their language (`message` is added to that e-mail). Innovative finalists not selected keep
    the "nominated" tier. `note` (internal) records the organisers' reason; it is required when a
    tie sits at the cut-off or the selection departs from the proposal. All or nothing: raises
    ValidationError and changes nothing when the vote is still open or the choice is invalid."""
    now = now or timezone.now()
    selected_ids = {e.pk for e in selected}
    with transaction.atomic():
        # Lock the edition: two organisers confirming at once must not both move the entries.
        Edition.objects.select_for_update().filter(pk=edition.pk).first()
        result = tally(edition, category)
        if result.vote_round and result.vote_round.is_open(now):
            raise ValidationError(_("The vote is still open: confirm the selection after it closes."), code="vote_open")
        if result.decision is not None:
            raise ValidationError(_("The selection of this category has already been confirmed."), code="confirmed")
        shortlisted = [r for r in result.finalists if r.entry.status == S.SHORTLISTED]
        if not shortlisted:
            raise ValidationError(_("There are no shortlisted entries in this category."), code="empty")
        if not selected_ids <= {r.entry.pk for r in shortlisted}:
            raise ValidationError(_("Only shortlisted entries of this category can be selected."), code="not_shortlisted")
        if len(selected_ids) > result.quota:
            raise ValidationError(_("At most %(quota)d technologies can be selected in this category."),
                                  code="quota", params={"quota": result.quota})
        if (result.tie_at_cutoff or selected_ids != result.proposed_ids) and not note.strip():
            raise ValidationError(
                _("There is a tie at the cut-off or the selection differs from the ranking: please record the "
                  "reason for the decision."), code="note_required")
        decision = SelectionDecision.objects.create(edition=edition, category=category, decided_by=by, decided_at=now,
                                                    note=note.strip())
        innovative = category.code == Category.INNOVATIVE
        for row in shortlisted:
            chosen = row.entry.pk in selected_ids
            services.change_status(entry=row.entry, to=S.SELECTED if chosen else S.NOT_SELECTED, by=by,
                                   note=message.strip())
            SelectionOutcome.objects.create(
                decision=decision, entry=row.entry, rank=row.final_rank, votes=row.votes,
                mean_score=None if row.mean is None else Decimal(str(row.mean)),
                selected=chosen, nominated=innovative and not chosen)
    return decision


def publish_results(*, edition: Edition, publish: bool = True) -> Edition:
    """Show (or hide again) /<lang>/results/<year>/. Publishing needs a confirmed selection."""
    if publish and not SelectionDecision.objects.filter(edition=edition).exists():
        raise ValidationError(_("Confirm the selection of at least one category before publishing the results."),
                              code="nothing_confirmed")
    Edition.objects.filter(pk=edition.pk).update(results_published=publish)
    edition.results_published = publish
    return edition
