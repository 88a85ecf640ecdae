"""Reads that decide visibility. A queryset that leaves a row out makes the view answer 404."""

from django.db.models import Count, Prefetch, Q

from .models import Attachment, Edition, Entry, Page, StatusChange
from .review_queries import entries_for_expert


def current_edition():
    return Edition.objects.current()


def entries_for_nominator(user):
    if not user.is_authenticated:
        return Entry.objects.none()
    return (Entry.objects.filter(nominator=user)
            .select_related("edition", "category", "technical_field"))


def entry_list_for_nominator(user):
    return entries_for_nominator(user).annotate(file_count=Count("attachments")).order_by("-updated_at")


def entry_with_everything(queryset, pk):
    """One entry with all its rows, files and history, in a fixed number of queries."""
    return (queryset.prefetch_related("co_applicants", "indicators", "ip_items", "awards", "contributors",
                                      "attachments",
                                      Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")))
            .get(pk=pk))


def attachments_visible_to(user):
    """Owners see their files; organisers (staff allowed to view entries) see all; experts see
    the files of the entries assigned to them, unless they declared a conflict of interest."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    if user.is_staff and user.has_perm("submissions.view_entry"):
        return Attachment.objects.all()
    return Attachment.objects.filter(Q(entry__nominator=user) | Q(entry__in=entries_for_expert(user).values("pk")))


def public_pages():
    return Page.objects.filter(published=True)
