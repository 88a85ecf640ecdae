"""Confirming the selection of a category and publishing the results."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import page_cache
from ..enums import EntryStatus
from ..models import Category, Edition, SelectionDecision, SelectionOutcome
from ..selectors.tally import tally
from . import entries as entry_services

S = EntryStatus


# --- Selection and publication -----------------------------------------------------------------------
def confirm_selection(*, edition: Edition, category: Category, selected, by, note: str = "", message: str = "",
                      now=None) -> SelectionDecision:
    """Move the shortlisted entries of a category to SELECTED (those in `selected`, at most the
    edition's quota) or NOT_SELECTED through entry_services.change_status(), which e-mails each nominator
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
            entry_services.change_status(entry=row.entry, to=S.SELECTED if chosen else S.NOT_SELECTED, by=by,
                                   note=message.strip())
            SelectionOutcome.objects.create(
                decision=decision, entry=row.entry, rank=row.final_rank, votes=row.votes,
                mean_score=None if row.mean is None else Decimal(str(row.mean)),
                selected=chosen, nominated=innovative and not chosen)
        if edition.results_published:  # the outcomes (the nominated tier) show at once
            page_cache.invalidate_on_commit()
    return decision


def publish_results(*, edition: Edition, publish: bool = True) -> Edition:
    """Show (or hide again) /<lang>/results/<year>/. Publishing needs a confirmed selection."""
    if publish and not SelectionDecision.objects.filter(edition=edition).exists():
        raise ValidationError(_("Confirm the selection of at least one category before publishing the results."),
                              code="nothing_confirmed")
    with transaction.atomic():
        Edition.objects.filter(pk=edition.pk).update(results_published=publish)
        page_cache.invalidate_on_commit()  # the home page's link and the results page itself
    edition.results_published = publish
    return edition
