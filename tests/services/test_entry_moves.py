"""services.entries._move() enforces the transition tables of rules.py: a forbidden move raises
ValidationError and writes nothing, even when a caller's own check lets it through."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from submissions import rules
from submissions.models import Entry, EntryStatus, StatusChange
from submissions.services import entries as services

from ..factories import EntryFactory

S = EntryStatus


def messages_of(error, language):
    with translation.override(language):
        return [str(m) for m in error.value.messages]


def test_withdrawing_a_draft_is_refused_by_the_transition_table(edition, nominator, monkeypatch):
    draft = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    monkeypatch.setattr(rules, "can_withdraw", lambda entry, now=None: True)  # a caller's check that is wrong
    with pytest.raises(ValidationError) as error:
        services.withdraw_entry(entry=draft, by=nominator)
    assert error.value.code == "transition"
    assert messages_of(error, "en") == ["An entry that is “Draft” cannot become “Withdrawn”."]
    assert messages_of(error, "zh-hans") == ["处于“草稿”状态的推荐项目不能变更为“已撤回”。"]
    assert Entry.objects.get(pk=draft.pk).status == S.DRAFT
    assert not StatusChange.objects.filter(entry=draft).exists()


def test_an_organiser_cannot_select_a_draft_even_past_the_callers_check(edition, nominator, organiser, monkeypatch):
    draft = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    monkeypatch.setattr(rules, "organiser_may_move", lambda status, to: True)
    with pytest.raises(ValidationError) as error:
        services.change_status(entry=draft, to=S.SELECTED, by=organiser)
    assert messages_of(error, "en") == ["An entry that is “Draft” cannot become “Selected”."]
    assert Entry.objects.get(pk=draft.pk).status == S.DRAFT
    assert not StatusChange.objects.filter(entry=draft).exists()


def test_a_nominators_move_is_not_an_organisers_move(edition, nominator, organiser):
    """_move() checks the table its caller names: WITHDRAWN → DRAFT is the nominator's, not the organisers'."""
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True, status=S.WITHDRAWN)
    with pytest.raises(ValidationError):
        services._move(entry, S.DRAFT, by=organiser, table=rules.ORGANISER_MOVES)
    assert not StatusChange.objects.filter(entry=entry).exists()
    change = services._move(entry, S.DRAFT, by=nominator, table=rules.NOMINATOR_MOVES)
    assert (change.from_status, change.to_status, entry.status) == (S.WITHDRAWN, S.DRAFT, S.DRAFT)


def test_the_allowed_moves_still_work_with_their_messages(edition, nominator, organiser):
    entry = EntryFactory(edition=edition, nominator=nominator, with_materials=True)
    services.submit_entry(entry=entry, by=nominator)
    services.withdraw_entry(entry=entry, by=nominator, note="changed our mind")
    services.reopen_entry(entry=entry, by=nominator)
    services.submit_entry(entry=entry, by=nominator)
    services.change_status(entry=entry, to=S.ELIGIBLE, by=organiser)
    with pytest.raises(ValidationError) as error:  # the caller's own check still answers first
        services.change_status(entry=entry, to=S.DRAFT, by=organiser)
    assert messages_of(error, "en") == ["An entry that is “Eligible” cannot become “Draft”."]
    assert list(StatusChange.objects.filter(entry=entry).order_by("pk").values_list("to_status", flat=True)) == [
        S.SUBMITTED, S.WITHDRAWN, S.DRAFT, S.SUBMITTED, S.ELIGIBLE]
