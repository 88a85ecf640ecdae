"""Admin for the expert review (issue 5): criteria per edition and category (both languages in
tabs), rounds, assignments (with automatic assignment), conflicts of interest, reviews (read
only), and the tally per edition and category with the XLSX export, the confirmation of the
selection and the publication of the results. Votes have no admin: the ballot is secret and the
tally shows only totals."""


from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from ..exports.tally import tally_xlsx
from ..forms.review import AssignForm, ConfirmSelectionForm
from ..models import (
    Assignment,
    Category,
    Conflict,
    Criterion,
    Edition,
    Entry,
    EntryStatus,
    Review,
    Round,
    Score,
    SelectionDecision,
    SelectionOutcome,
)
from ..selectors import results as results_selectors
from ..selectors import review as review_queries
from ..selectors import tally as tally_selectors
from ..services import review as review_services
from ..services import selection as selection_services
from .safety import HistoryAdmin, ValidIdsMixin

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _adopt(obj, saved):
    """Make the admin's unsaved object the row a service saved (for the admin's log and redirect)."""
    obj.__dict__.update(saved.__dict__)


class AssignmentAdminForm(forms.ModelForm):
    """Refuses, as a form error, what services.review.assign_expert() refuses."""

    class Meta:
        model = Assignment
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        expert, entry = cleaned.get("expert"), cleaned.get("entry")
        if self.instance.pk is None and expert and entry:
            problem = review_queries.assignment_problem(expert, entry)
            if problem is not None:
                raise problem
        return cleaned


class ExpertChoiceMixin:
    """Foreign keys named `expert` offer only the committee, not every account."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "expert":
            kwargs["queryset"] = review_queries.committee().order_by("full_name", "email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Criterion)
class CriterionAdmin(HistoryAdmin, TabbedTranslationAdmin):
    list_display = ["name", "edition", "category", "weight", "order"]
    list_display_links = ["name"]
    list_editable = ["weight", "order"]
    list_filter = ["edition", "category"]
    list_select_related = ["edition", "category"]
    ordering = ["-edition__year", "category__order", "order", "id"]


@admin.register(Round)
class RoundAdmin(HistoryAdmin):
    change_list_template = "admin/submissions/review/round_change_list.html"
    list_display = ["edition", "kind", "opens_at", "closes_at", "quorum_percent", "threshold_percent"]
    list_filter = ["edition", "kind"]
    list_select_related = ["edition"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("tally/", view(self.tally_index_view), name="submissions_tally_index"),
            path("tally/<int:edition_id>/publish/", view(self.publish_view), name="submissions_tally_publish"),
            path("tally/<int:edition_id>/<slug:category_code>/", view(self.tally_view), name="submissions_tally"),
            path("tally/<int:edition_id>/<slug:category_code>/xlsx/", view(self.tally_export_view),
                 name="submissions_tally_export"),
        ] + super().get_urls()

    # The tally is about entries: whoever may view entries sees it, whoever may change them confirms.
    def _require(self, request, perm):
        if not request.user.has_perm(f"submissions.{perm}"):
            raise PermissionDenied

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **extra}

    def tally_index_view(self, request):
        self._require(request, "view_entry")
        return TemplateResponse(request, "admin/submissions/review/tally_index.html", self._context(
            request, gettext("Tally"), editions=Edition.objects.all(), categories=Category.objects.all()))

    def tally_view(self, request, edition_id, category_code):
        self._require(request, "view_entry")
        edition = get_object_or_404(Edition, pk=edition_id)
        category = get_object_or_404(Category, code=category_code)
        result = tally_selectors.tally(edition, category)
        shortlisted = Entry.objects.filter(edition=edition, category=category, status=EntryStatus.SHORTLISTED)
        confirming = request.method == "POST"
        form = ConfirmSelectionForm(request.POST if confirming else None, entries=shortlisted,
                                    initial={"selected": sorted(result.proposed_ids)})
        if confirming:
            self._require(request, "change_entry")
            if form.is_valid():
                try:
                    selection_services.confirm_selection(
                        edition=edition, category=category, selected=form.cleaned_data["selected"], by=request.user,
                        note=form.cleaned_data["note"], message=form.cleaned_data["message"])
                except ValidationError as error:
                    for message in error.messages:
                        form.add_error(None, message)
                else:
                    self.message_user(request, gettext("The selection has been confirmed and the nominators are "
                                                       "being informed by e-mail."), messages.SUCCESS)
                    return redirect("admin:submissions_tally", edition_id=edition.pk, category_code=category.code)
        title = gettext("Tally: %(category)s, %(year)s") % {"category": category.name, "year": edition.year}
        return TemplateResponse(request, "admin/submissions/review/tally.html", self._context(
            request, title, edition=edition, category=category, tally=result, form=form,
            can_confirm=bool(shortlisted) and result.decision is None and request.user.has_perm("submissions.change_entry"),
            can_publish=request.user.has_perm("submissions.change_edition"),
            outcomes=results_selectors.selection_outcomes(edition, category).select_related("entry")),
            status=400 if form.errors else 200)

    def tally_export_view(self, request, edition_id, category_code):
        self._require(request, "view_entry")
        edition = get_object_or_404(Edition, pk=edition_id)
        category = get_object_or_404(Category, code=category_code)
        content = tally_xlsx(tally_selectors.tally(edition, category))
        response = HttpResponse(content, content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="wnevc-tally-{edition.year}-{category.code}-{stamp}.xlsx"'
        return response

    def publish_view(self, request, edition_id):
        self._require(request, "change_edition")
        edition = get_object_or_404(Edition, pk=edition_id)
        if request.method != "POST":
            return redirect("admin:submissions_tally_index")
        publish = request.POST.get("publish") == "1"
        try:
            selection_services.publish_results(edition=edition, publish=publish)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, gettext("The results are now public.") if publish
                              else gettext("The results are no longer public."), messages.SUCCESS)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = reverse("admin:submissions_tally_index")
        return redirect(target)


@admin.register(Assignment)
class AssignmentAdmin(ExpertChoiceMixin, HistoryAdmin):
    change_list_template = "admin/submissions/review/assignment_change_list.html"
    list_display = ["entry", "entry_title", "expert", "entry_category", "entry_status", "reviewed", "assigned_at"]
    list_filter = ["entry__edition", "entry__category", "entry__technical_field", "entry__status",
                   ("expert", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["entry", "entry__category", "expert"]
    search_fields = ["entry__reference", "entry__title_zh_hans", "entry__title_en", "expert__email",
                     "expert__full_name"]
    autocomplete_fields = ["entry"]
    readonly_fields = ["assigned_at", "assigned_by"]
    form = AssignmentAdminForm

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(has_review=Exists(Review.objects.filter(assignment=OuterRef("pk"))))

    @admin.display(description=_("technology name"))
    def entry_title(self, assignment):
        return assignment.entry.title

    @admin.display(description=_("category"))
    def entry_category(self, assignment):
        return assignment.entry.category

    @admin.display(description=_("status"))
    def entry_status(self, assignment):
        return assignment.entry.get_status_display()

    @admin.display(description=_("reviewed"), boolean=True, ordering="has_review")
    def reviewed(self, assignment):
        return assignment.has_review

    def get_readonly_fields(self, request, obj=None):
        # An assignment is made or removed, never moved to another expert or entry.
        return self.readonly_fields + (["expert", "entry"] if obj else [])

    def save_model(self, request, obj, form, change):
        if not change:  # nothing else can change (see get_readonly_fields)
            _adopt(obj, review_services.assign_expert(expert=obj.expert, entry=obj.entry, by=request.user))

    def delete_model(self, request, obj):
        review_services.remove_assignments([obj])

    def delete_queryset(self, request, queryset):
        review_services.remove_assignments(queryset)

    def get_urls(self):
        return [path("assign/", self.admin_site.admin_view(self.assign_view), name="submissions_assignment_assign")
                ] + super().get_urls()

    def assign_view(self, request):
        """Give every matching entry K experts, balancing the loads, skipping conflicts and
        experts of the same organisation."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = AssignForm(request.POST or None, initial={"edition": review_queries.review_edition()
                                                         or Edition.objects.current()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entries = Entry.objects.filter(edition=data["edition"], status__in=data["statuses"])
            if data["category"]:
                entries = entries.filter(category=data["category"])
            if data["technical_field"]:
                entries = entries.filter(technical_field=data["technical_field"])
            try:
                result = review_services.assign_entries(entries=entries, per_entry=data["per_entry"], by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                count = len(result.created)
                self.message_user(request, ngettext("%(count)d assignment created.", "%(count)d assignments created.",
                                                    count) % {"count": count}, messages.SUCCESS)
                for entry, have in result.short:
                    self.message_user(request, gettext(
                        "%(entry)s has only %(have)d of %(wanted)d experts (conflicts, same organisation or too few "
                        "experts).") % {"entry": entry, "have": have, "wanted": data["per_entry"]}, messages.WARNING)
                return redirect("admin:submissions_assignment_changelist")
        return TemplateResponse(request, "admin/submissions/review/assign.html", {
            **self.admin_site.each_context(request), "title": gettext("Assign experts automatically"),
            "opts": self.model._meta, "form": form,
            "experts": review_queries.committee().count()})


@admin.register(Conflict)
class ConflictAdmin(ExpertChoiceMixin, HistoryAdmin):
    list_display = ["expert", "entry", "reason", "declared_by", "declared_at"]
    list_filter = ["entry__edition", ("expert", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["expert", "entry", "declared_by"]
    search_fields = ["entry__reference", "entry__title_zh_hans", "entry__title_en", "expert__email"]
    autocomplete_fields = ["entry"]
    readonly_fields = ["declared_by", "declared_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["expert", "entry"] if obj else [])

    def save_model(self, request, obj, form, change):
        if change:
            review_services.change_conflict_reason(conflict=obj, reason=obj.reason)
        else:  # marked in advance by the secretariat; the organisers are told by e-mail
            _adopt(obj, review_services.declare_conflict(expert=obj.expert, entry=obj.entry, reason=obj.reason,
                                                         by=request.user))

    def delete_model(self, request, obj):
        review_services.remove_conflicts([obj])

    def delete_queryset(self, request, queryset):
        review_services.remove_conflicts(queryset)


class ScoreInline(admin.TabularInline):
    model = Score
    extra = 0
    can_delete = False
    fields = ["criterion", "value"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(HistoryAdmin):
    """Read only: a review is the expert's own statement."""

    list_display = ["entry", "expert", "abstained", "submitted_at", "updated_at"]
    list_filter = ["assignment__entry__edition", "assignment__entry__category", "abstained"]
    list_select_related = ["assignment__entry", "assignment__expert"]
    search_fields = ["assignment__entry__reference", "assignment__entry__title_zh_hans",
                     "assignment__entry__title_en", "assignment__expert__email"]
    fields = ["assignment", "abstained", "comment", "submitted_at", "updated_at"]
    readonly_fields = fields
    inlines = [ScoreInline]

    @admin.display(description=_("entry"), ordering="assignment__entry__reference")
    def entry(self, review):
        return review.assignment.entry

    @admin.display(description=_("expert"), ordering="assignment__expert__email")
    def expert(self, review):
        return review.assignment.expert

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SelectionOutcomeInline(admin.TabularInline):
    model = SelectionOutcome
    extra = 0
    can_delete = False
    fields = ["rank", "entry", "votes", "mean_score", "selected", "nominated"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SelectionDecision)
class SelectionDecisionAdmin(ValidIdsMixin, admin.ModelAdmin):
    """The record of each confirmation (made in the tally, never edited afterwards)."""

    list_display = ["edition", "category", "decided_by", "decided_at"]
    list_filter = ["edition", "category"]
    fields = ["edition", "category", "decided_by", "decided_at", "note"]
    readonly_fields = fields
    inlines = [SelectionOutcomeInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
