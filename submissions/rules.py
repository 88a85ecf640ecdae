"""What may be done with an entry now: the transition tables and the predicates the views,
templates and services ask. Pure functions of the entry and the clock; no queries, no writes."""

from django.utils import timezone

from .enums import EntryStatus as S

# The organisers' decisions (services.entries.change_status).
ORGANISER_MOVES = {
    S.SUBMITTED: {S.ELIGIBLE, S.RETURNED, S.INELIGIBLE},
    S.ELIGIBLE: {S.SHORTLISTED, S.RETURNED, S.INELIGIBLE},
    S.SHORTLISTED: {S.SELECTED, S.NOT_SELECTED, S.RETURNED},
}
# The nominator's own moves (submit, withdraw, reopen).
NOMINATOR_MOVES = {
    S.DRAFT: {S.SUBMITTED},
    S.RETURNED: {S.SUBMITTED},
    S.SUBMITTED: {S.WITHDRAWN},
    S.WITHDRAWN: {S.DRAFT},
}


def organiser_may_move(status: str, to: str) -> bool:
    return to in ORGANISER_MOVES.get(status, set())


def nominator_may_move(status: str, to: str) -> bool:
    return to in NOMINATOR_MOVES.get(status, set())


def can_edit(entry, now=None) -> bool:
    """Nominators edit drafts and submitted entries while the edition is open, and returned
    entries until their correction deadline."""
    now = now or timezone.now()
    if entry.status == S.RETURNED:
        return entry.correction_deadline is None or now < entry.correction_deadline
    return entry.status in {S.DRAFT, S.SUBMITTED} and entry.edition.is_open(now)


def can_withdraw(entry, now=None) -> bool:
    return nominator_may_move(entry.status, S.WITHDRAWN) and entry.edition.is_open(now)


def can_reopen(entry, now=None) -> bool:
    return nominator_may_move(entry.status, S.DRAFT) and entry.edition.is_open(now)


def can_submit(entry, now=None) -> bool:
    return nominator_may_move(entry.status, S.SUBMITTED) and can_edit(entry, now)


def same_organisation(expert, entry) -> bool:
    """An expert never reviews an entry of their own organisation: User.organisation against both
    language versions of the entry's organisation name, ignoring case and surrounding spaces."""
    mine = (expert.organisation or "").strip().casefold()
    if not mine:
        return False
    return mine in {(entry.org_name_zh_hans or "").strip().casefold(), (entry.org_name_en or "").strip().casefold()}
