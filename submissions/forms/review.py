"""Forms of the expert area and of the review admin."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..enums import SCORE_MAX, SCORE_MIN
from ..models import Category, Edition, EntryStatus, TechnicalField


class ScoreForm(forms.Form):
    """One 1–10 field per criterion of the entry's category and edition, the overall comment and
    the abstain option. Every criterion is required unless the expert abstains."""

    comment = forms.CharField(label=_("Overall comment"), widget=forms.Textarea(attrs={"rows": 6}),
                              help_text=_("Required. Other experts do not see your comment."))
    abstained = forms.BooleanField(
        label=_("I abstain from scoring this entry"), required=False,
        help_text=_("For example when the technology is outside your field. Say why in the comment."))

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        scores = {}
        for criterion in self.criteria:
            name = f"criterion_{criterion.pk}"
            scores[name] = forms.IntegerField(
                label=criterion.name, required=False, min_value=SCORE_MIN, max_value=SCORE_MAX,
                help_text=criterion.description,
                widget=forms.NumberInput(attrs={"min": SCORE_MIN, "max": SCORE_MAX, "step": 1, "class": "score-input"}))
        # Criteria first, in their order, then the comment and the abstain box.
        self.fields = {**scores, **self.fields}

    def criterion_fields(self):
        return [(criterion, self[f"criterion_{criterion.pk}"]) for criterion in self.criteria]

    def clean(self):
        data = super().clean()
        if not data.get("abstained"):
            for criterion in self.criteria:
                name = f"criterion_{criterion.pk}"
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Please give a score from %(min)d to %(max)d.")
                                   % {"min": SCORE_MIN, "max": SCORE_MAX})
        return data

    def scores(self) -> dict:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}") for c in self.criteria}

    @classmethod
    def initial_for(cls, review) -> dict:
        if review is None:
            return {}
        initial = {"comment": review.comment, "abstained": review.abstained}
        initial.update({f"criterion_{s.criterion_id}": s.value for s in review.scores.all()})
        return initial


class ConflictForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: same organisation, recent collaboration, you recommended this entry."))


class BallotForm(forms.Form):
    entries = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                             label=_("Technologies you approve"))

    def __init__(self, *args, entries, limit, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit = limit
        self.fields["entries"].queryset = entries

    def clean_entries(self):
        chosen = self.cleaned_data["entries"]
        if len(chosen) > self.limit:
            raise forms.ValidationError(
                ngettext("You can approve at most %(limit)d technology in this category.",
                         "You can approve at most %(limit)d technologies in this category.", self.limit)
                % {"limit": self.limit}, code="too_many")
        return chosen


# --- Admin ----------------------------------------------------------------------------------------
ASSIGNABLE_STATUSES = [EntryStatus.SUBMITTED, EntryStatus.ELIGIBLE, EntryStatus.SHORTLISTED]


class AssignForm(forms.Form):
    edition = forms.ModelChoiceField(queryset=Edition.objects.all(), label=_("Edition"))
    category = forms.ModelChoiceField(queryset=Category.objects.all(), required=False, label=_("Category"),
                                      empty_label=_("All categories"))
    technical_field = forms.ModelChoiceField(queryset=TechnicalField.objects.all(), required=False,
                                             label=_("Technical field"), empty_label=_("All fields"))
    statuses = forms.MultipleChoiceField(
        label=_("Entries in these states"), widget=forms.CheckboxSelectMultiple,
        choices=[(s.value, s.label) for s in ASSIGNABLE_STATUSES], initial=[EntryStatus.ELIGIBLE])
    per_entry = forms.IntegerField(label=_("Experts per entry"), initial=3, min_value=1, max_value=31)


class ConfirmSelectionForm(forms.Form):
    selected = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                              label=_("Selected technologies"))
    note = forms.CharField(
        label=_("Reason for the decision (internal)"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when there is a tie at the cut-off or the selection differs from the ranking."))
    message = forms.CharField(label=_("Message to the nominators (optional)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].queryset = entries
        self.fields["selected"].label_from_instance = lambda e: f"{e.reference or e.pk} · {e.title}"
