"""The expert review's writes: assignment, conflicts of interest, scores and the committee vote
(FORM.md §D). Views and the admin call these functions by name."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..enums import SCORE_MAX, SCORE_MIN, EntryStatus
from ..models import Assignment, Ballot, Category, Conflict, Criterion, Entry, Review, Round, Score, User, Vote
from ..selectors.review import assignment_problem, committee, is_expert
from ..selectors.tally import quota
from . import mail as emails

S = EntryStatus


# --- Assignment and conflicts ---------------------------------------------------------------------
_same_organisation = rules.same_organisation


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


def assign_expert(*, expert: User, entry: Entry, by=None) -> Assignment:
    """Assign one expert to one entry (the admin's add form), under the rules of assign_entries():
    a committee member, not of the entry's organisation, without a conflict of interest, not yet
    assigned. Raises ValidationError with a translated message, saving nothing."""
    with transaction.atomic():
        problem = assignment_problem(expert, entry)
        if problem is not None:
            raise problem
        assignment = Assignment(expert=expert, entry=entry, assigned_by=by)
        assignment.save()
    return assignment


def remove_assignments(assignments):
    """Delete assignments (and their reviews) one by one, so that the history records each."""
    with transaction.atomic():
        for assignment in list(assignments):
            assignment.delete()


def change_conflict_reason(*, conflict: Conflict, reason: str) -> Conflict:
    if not reason.strip():
        raise ValidationError(_("Please give the reason for the conflict of interest."), code="reason_required")
    conflict.reason = reason.strip()
    conflict.save(update_fields=["reason"])
    return conflict


def remove_conflicts(conflicts):
    """Withdraw conflicts of interest one by one (history): the expert sees the entry again."""
    with transaction.atomic():
        for conflict in list(conflicts):
            conflict.delete()


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
