"""Reads of the expert review that decide visibility. An expert only ever gets querysets
filtered on their own assignments, reviews and votes: anything else answers 404."""

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from .. import rules
from ..enums import EntryStatus
from ..models import Assignment, Ballot, Conflict, Criterion, Edition, Entry, Review, Round, User, Vote
from ..roles import EXPERT


def not_conflicted(expert_path: str = "expert", entry_path: str = "entry"):
    """The one "no declared conflict of interest" filter: True where the expert at `expert_path`
    has not declared a conflict on the entry at `entry_path` (paths from the filtered model)."""
    return ~Exists(Conflict.objects.filter(expert=OuterRef(expert_path), entry=OuterRef(entry_path)))


def is_expert(user) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if not hasattr(user, "_is_expert"):  # asked by the menu of every page: once per request
        user._is_expert = user.groups.filter(name=EXPERT).exists()
    return user._is_expert


def committee():
    """The experts: active members of the Expert group."""
    return User.objects.filter(groups__name=EXPERT, is_active=True).distinct()


def assignment_problem(expert, entry, *, exclude=None):
    """Why `expert` may not be assigned `entry` (the rules of services.review.assign_entries), as
    a translated ValidationError, or None. `exclude`: the assignment being checked itself."""
    params = {"expert": expert.get_full_name() or expert.email}
    if not committee().filter(pk=expert.pk).exists():
        return ValidationError(_("%(expert)s is not a member of the expert committee."), code="not_expert",
                               params=params)
    if rules.same_organisation(expert, entry):
        return ValidationError(_("%(expert)s works for the organisation of this entry and cannot review it."),
                               code="same_organisation", params=params)
    if Conflict.objects.filter(expert=expert, entry=entry).exists():
        return ValidationError(_("%(expert)s declared a conflict of interest on this entry."), code="conflict",
                               params=params)
    if Assignment.objects.filter(expert=expert, entry=entry).exclude(pk=getattr(exclude, "pk", None)).exists():
        return ValidationError(_("%(expert)s is already assigned to this entry."), code="assigned", params=params)
    return None




def assignments_for_expert(user):
    """The expert's own assignments without a declared conflict of interest."""
    if not is_expert(user):
        return Assignment.objects.none()
    return (Assignment.objects.filter(expert=user)
            .filter(not_conflicted())
            .select_related("entry", "entry__edition", "entry__category", "entry__technical_field", "review"))


def assignment_list_for_expert(user):
    # Only the columns the list shows: the entry, its edition, category and field have ~150.
    return (assignments_for_expert(user)
            .only("pk", "entry_id", "expert_id", "entry__reference", "entry__title", "entry__title_zh_hans",
                  "entry__title_en", "entry__edition_id", "entry__category_id", "entry__technical_field_id",
                  "entry__edition__year", "entry__category__name", "entry__category__name_zh_hans",
                  "entry__category__name_en", "entry__category__order", "entry__technical_field__name",
                  "entry__technical_field__name_zh_hans", "entry__technical_field__name_en",
                  "review__id", "review__abstained", "review__updated_at", "review__assignment_id")
            .order_by("entry__edition", "entry__category__order", "entry__reference", "entry_id"))


def entries_for_expert(user):
    """Entries the expert may read: assigned to them and not conflicted."""
    if not is_expert(user):
        return Entry.objects.none()
    return Entry.objects.filter(assignments__expert=user).exclude(conflicts__expert=user)


def criteria_for(entry):
    if not entry.category_id:
        return Criterion.objects.none()
    return Criterion.objects.filter(edition_id=entry.edition_id, category_id=entry.category_id)


def rounds_of(edition) -> dict:
    """{kind: round} of the edition, in one query (an edition has at most one round of each kind)."""
    if edition is None:
        return {}
    return {round_.kind: round_ for round_ in Round.objects.filter(edition=edition).order_by()}


def round_of(edition, kind):
    if edition is None:
        return None
    return Round.objects.filter(edition=edition, kind=kind).first()


def review_edition():
    """The edition the committee works on: the newest one with a review round."""
    return Edition.objects.filter(rounds__isnull=False).order_by("-year").first()


def ballot_entries(expert, round_, category):
    """The shortlisted entries of the round's edition and category, minus the expert's conflicts."""
    return (Entry.objects.filter(edition_id=round_.edition_id, category=category, status=EntryStatus.SHORTLISTED)
            .exclude(Exists(Conflict.objects.filter(expert=expert, entry=OuterRef("pk"))))
            .order_by("reference", "pk"))


def own_votes(expert, round_, category):
    return set(Vote.objects.filter(round=round_, expert=expert, entry__category=category)
               .values_list("entry_id", flat=True))


def own_ballot(expert, round_, category):
    return Ballot.objects.filter(round=round_, expert=expert, category=category).first()


def own_review(assignment):
    return (Review.objects.filter(assignment=assignment)
            .prefetch_related("scores__criterion").first())


def assignment_loads(experts, edition):
    """{expert id: number of assignments in the edition}."""
    return dict(Assignment.objects.filter(expert__in=experts, entry__edition=edition)
                .values("expert").annotate(n=Count("pk")).values_list("expert", "n"))
