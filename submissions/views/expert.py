"""The expert area (/<lang>/review/…): own assignments, reading an entry in both languages,
scoring, declaring a conflict of interest, and the committee ballot.

Every lookup goes through review_queries, filtered on the logged-in expert: another expert's
assignment, an unassigned or conflicted entry and anyone else's review or vote give 404.
Users outside the Expert group get 403."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .. import schema
from ..forms.review import BallotForm, ConflictForm, ScoreForm
from ..models import Category, Entry, Round
from ..selectors import entries as queries
from ..selectors import review as review_queries
from ..selectors import tally as tally_selectors
from ..services import review as review_services


def expert_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not review_queries.is_expert(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _side_by_side(entry):
    """Every bilingual field of the form (schema order) as (label, Chinese, English)."""
    return [(capfirst(Entry._meta.get_field(field.name).verbose_name), getattr(entry, f"{field.name}_zh_hans"),
             getattr(entry, f"{field.name}_en")) for field in schema.fields() if schema.is_bilingual(field.name)]


def _assignment(request, entry_id):
    return get_object_or_404(review_queries.assignments_for_expert(request.user), entry_id=entry_id)


@expert_required
def review_list(request):
    assignments = list(review_queries.assignment_list_for_expert(request.user))
    done = sum(1 for a in assignments if hasattr(a, "review"))
    edition = review_queries.review_edition()
    rounds = review_queries.rounds_of(edition)
    return render(request, "submissions/review/assignment_list.html", {
        "assignments": assignments, "done": done, "to_do": len(assignments) - done, "edition": edition,
        "scoring_round": rounds.get(Round.Kind.SCORING), "vote_round": rounds.get(Round.Kind.VOTE),
        "categories": Category.objects.all(),  # read only when the vote round exists
    })


@expert_required
def review_entry(request, entry_id):
    assignment = _assignment(request, entry_id)
    try:
        entry = queries.entry_with_everything(review_queries.entries_for_expert(request.user), entry_id)
    except Entry.DoesNotExist:
        raise Http404
    scoring_round = review_queries.round_of(entry.edition, Round.Kind.SCORING)
    return render(request, "submissions/review/entry_detail.html", {
        "entry": entry, "assignment": assignment, "review": review_queries.own_review(assignment),
        "bilingual": _side_by_side(entry),
        "scoring_round": scoring_round, "can_score": bool(scoring_round and scoring_round.is_open()),
    })


@expert_required
def review_score(request, entry_id):
    assignment = _assignment(request, entry_id)
    entry = assignment.entry
    scoring_round = review_queries.round_of(entry.edition, Round.Kind.SCORING)
    can_score = bool(scoring_round and scoring_round.is_open())
    review = review_queries.own_review(assignment)
    criteria = review_queries.criteria_for(entry)
    form = ScoreForm(request.POST if request.method == "POST" else None, criteria=criteria,
                     initial=ScoreForm.initial_for(review))
    status = 200
    if request.method == "POST":
        if not can_score:
            messages.error(request, _("The scoring round is not open: scores can no longer be changed."))
            return redirect("submissions:review_entry", entry_id=entry.pk)
        if form.is_valid():
            try:
                review_services.record_review(assignment=assignment, scores=form.scores(),
                                              comment=form.cleaned_data["comment"],
                                              abstained=form.cleaned_data["abstained"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Your review has been saved. You can change it until the round closes."))
                return redirect("submissions:review_list")
        status = 400
        messages.error(request, _("Please correct the errors below. Nothing has been saved yet."))
    return render(request, "submissions/review/score_form.html", {
        "entry": entry, "form": form, "review": review, "scoring_round": scoring_round, "can_score": can_score,
    }, status=status)


@expert_required
def review_conflict(request, entry_id):
    assignment = _assignment(request, entry_id)
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review_services.declare_conflict(expert=request.user, entry=assignment.entry,
                                         reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("Thank you. The entry has been removed from your list and the secretariat "
                                    "has been informed."))
        return redirect("submissions:review_list")
    return render(request, "submissions/review/conflict_form.html", {"entry": assignment.entry, "form": form},
                  status=400 if form.errors else 200)


@expert_required
def review_vote(request, category_code):
    category = get_object_or_404(Category, code=category_code)
    edition = review_queries.review_edition()
    vote_round = review_queries.round_of(edition, Round.Kind.VOTE)
    if vote_round is None:
        raise Http404
    entries = review_queries.ballot_entries(request.user, vote_round, category)
    limit = tally_selectors.quota(edition, category)
    is_open = vote_round.is_open()
    form = BallotForm(request.POST if request.method == "POST" else None, entries=entries, limit=limit,
                      initial={"entries": list(review_queries.own_votes(request.user, vote_round, category))})
    if request.method == "POST":
        if not is_open:
            messages.error(request, _("The vote is not open."))
            return redirect("submissions:review_vote", category_code=category.code)
        if form.is_valid():
            try:
                review_services.cast_votes(expert=request.user, round_=vote_round, category=category,
                                           entries=form.cleaned_data["entries"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Your ballot has been recorded. You can change it until the vote closes."))
                return redirect("submissions:review_vote", category_code=category.code)
        messages.error(request, _("Your ballot has not been recorded. Please see the message below."))
    scoring_round = review_queries.round_of(edition, Round.Kind.SCORING)
    # Other experts' scores stay hidden until the scoring round has closed (FORM.md §D.3).
    means = (tally_selectors.preliminary_means(entries.values("pk"))
             if scoring_round and scoring_round.has_closed() else {})
    choices = [(entry, means.get(entry.pk)) for entry in entries]
    return render(request, "submissions/review/ballot.html", {
        "category": category, "edition": edition, "vote_round": vote_round, "form": form, "choices": choices,
        "limit": limit, "is_open": is_open, "ballot": review_queries.own_ballot(request.user, vote_round, category),
        "chosen": {str(pk) for pk in (form["entries"].value() or [])},
    }, status=400 if form.errors else 200)
