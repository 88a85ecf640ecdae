"""Expert review: criteria, rounds, assignments, conflicts, scores and votes (issue 5).

Only services.review and services.selection write these rows. Bilingual fields are registered
in translation.py. Invariants live in the database too: one review per assignment, one
score per criterion and review, scores within 1–10, one vote per round, expert and entry."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import SCORE_MAX, SCORE_MIN


class Criterion(models.Model):
    """A scoring criterion of one category in one edition (FORM.md §A: they change between editions)."""

    edition = models.ForeignKey("submissions.Edition", on_delete=models.CASCADE, related_name="criteria",
                                verbose_name=_("edition"))
    category = models.ForeignKey("submissions.Category", on_delete=models.PROTECT, related_name="criteria",
                                 verbose_name=_("category"))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), default=25,
        help_text=_("Relative weight; the weights of a category normally add up to 100."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["edition", "category", "order", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gte=1), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return self.name


class Round(models.Model):
    """The preliminary evaluation (experts score their assignments) or the final evaluation
    (the committee votes on the shortlist) of an edition, with its dates."""

    class Kind(models.TextChoices):
        SCORING = "scoring", _("Preliminary evaluation (scoring)")
        VOTE = "vote", _("Final evaluation (vote)")

    edition = models.ForeignKey("submissions.Edition", on_delete=models.CASCADE, related_name="rounds",
                                verbose_name=_("edition"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (%)"), default=67,
        help_text=_("Vote round: share of the committee that must cast a ballot for the result to be valid."))
    threshold_percent = models.PositiveSmallIntegerField(
        _("approval threshold (%)"), default=50,
        help_text=_("Vote round: an entry needs the approval of more than this share of the voters; 0 for none."))

    class Meta:
        ordering = ["edition", "opens_at"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.UniqueConstraint(fields=["edition", "kind"], name="one_round_of_each_kind"),
            models.CheckConstraint(condition=models.Q(closes_at__gt=models.F("opens_at")),
                                   name="round_closes_after_opening"),
            models.CheckConstraint(condition=models.Q(quorum_percent__lte=100, threshold_percent__lte=100),
                                   name="round_percentages_valid"),
        ]

    def __str__(self):
        return f"{self.edition.year} · {self.get_kind_display()}"

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now=None) -> bool:
        return (now or timezone.now()) >= self.closes_at


class Assignment(models.Model):
    """An entry given to an expert for the preliminary evaluation."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments",
                               verbose_name=_("expert"))
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="assignments",
                              verbose_name=_("entry"))
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("assigned by"))

    class Meta:
        ordering = ["entry", "expert"]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["expert", "entry"], name="one_assignment_per_expert")]

    def __str__(self):
        return f"{self.expert} → {self.entry}"


class Conflict(models.Model):
    """A conflict of interest: the expert neither scores nor votes on the entry."""

    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts",
                               verbose_name=_("expert"))
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="conflicts",
                              verbose_name=_("entry"))
    reason = models.TextField(_("reason"))
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("declared by"))
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now)

    class Meta:
        ordering = ["-declared_at"]
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["expert", "entry"], name="one_conflict_per_expert")]

    def __str__(self):
        return f"{self.expert} ⟂ {self.entry}"


class Review(models.Model):
    """An expert's evaluation of one assigned entry: scores per criterion and an overall comment,
    or an abstention (with the comment saying why)."""

    assignment = models.OneToOneField(Assignment, on_delete=models.CASCADE, related_name="review",
                                      verbose_name=_("assignment"))
    comment = models.TextField(_("overall comment"))
    abstained = models.BooleanField(_("abstained"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self):
        return str(self.assignment)


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="scores",
                                  verbose_name=_("criterion"))
    value = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        ordering = ["criterion__order", "criterion_id"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["review", "criterion"], name="one_score_per_criterion"),
            models.CheckConstraint(condition=models.Q(value__gte=SCORE_MIN, value__lte=SCORE_MAX),
                                   name="score_in_range"),
        ]

    def __str__(self):
        return f"{self.criterion}: {self.value}"


class Ballot(models.Model):
    """That an expert took part in the vote of one category (possibly approving nothing), for
    the quorum. Which entries they approved are the Vote rows; both are secret from other experts."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots", verbose_name=_("round"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ballots",
                               verbose_name=_("expert"))
    category = models.ForeignKey("submissions.Category", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [models.UniqueConstraint(fields=["round", "expert", "category"], name="one_ballot_per_category")]

    def __str__(self):
        return f"{self.round} · {self.category}"


class Vote(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="votes", verbose_name=_("round"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes",
                               verbose_name=_("expert"))
    entry = models.ForeignKey("submissions.Entry", on_delete=models.CASCADE, related_name="votes",
                              verbose_name=_("entry"))
    cast_at = models.DateTimeField(_("cast at"), default=timezone.now)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [models.UniqueConstraint(fields=["round", "expert", "entry"], name="one_vote_per_entry")]

    def __str__(self):
        return f"{self.round} · {self.entry}"


class SelectionDecision(models.Model):
    """The organisers' confirmation of the result of one category, with their reason where they
    departed from the ranking or decided a tie at the cut-off."""

    edition = models.ForeignKey("submissions.Edition", on_delete=models.CASCADE, related_name="selection_decisions",
                                verbose_name=_("edition"))
    category = models.ForeignKey("submissions.Category", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("category"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("confirmed by"))
    decided_at = models.DateTimeField(_("confirmed at"), default=timezone.now)
    note = models.TextField(_("reason / decision on ties"), blank=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("selection decision")
        verbose_name_plural = _("selection decisions")
        constraints = [models.UniqueConstraint(fields=["edition", "category"], name="one_decision_per_category")]

    def __str__(self):
        return f"{self.edition.year} · {self.category}"


class SelectionOutcome(models.Model):
    """What the confirmation decided for one shortlisted entry: selected, or — for innovative
    finalists not selected — the "nominated / 提名" tier of the results page."""

    decision = models.ForeignKey(SelectionDecision, on_delete=models.CASCADE, related_name="outcomes",
                                 verbose_name=_("decision"))
    entry = models.OneToOneField("submissions.Entry", on_delete=models.CASCADE, related_name="selection_outcome",
                                 verbose_name=_("entry"))
    rank = models.PositiveSmallIntegerField(_("rank"))
    votes = models.PositiveIntegerField(_("votes"), default=0)
    mean_score = models.DecimalField(_("mean score"), max_digits=5, decimal_places=2, null=True, blank=True)
    selected = models.BooleanField(_("selected"), default=False)
    nominated = models.BooleanField(_("nominated"), default=False)

    class Meta:
        ordering = ["decision", "rank"]
        verbose_name = _("selection outcome")
        verbose_name_plural = _("selection outcomes")

    def __str__(self):
        return f"{self.rank}. {self.entry}"
