"""Reads that decide visibility. A queryset that leaves a row out makes the view answer 404."""

from django.db import connection
from django.db.models import Count, Prefetch, Q

from ..models import Attachment, Edition, Entry, Page, StatusChange
from .review import entries_for_expert


def current_edition():
    return Edition.objects.current()


def form_token_taken(token) -> bool:
    """Whether any entry, anyone's, was created from this form token."""
    return Entry.objects.filter(form_token=token).exists()


def entries_for_nominator(user):
    if not user.is_authenticated:
        return Entry.objects.none()
    return (Entry.objects.filter(nominator=user)
            .select_related("edition", "category", "technical_field"))


def entry_list_for_nominator(user):
    """Only the columns the list shows: with all ~100 columns of the entry (both languages) in
    its GROUP BY, the file count cost more than the rest of the page."""
    if not user.is_authenticated:
        return Entry.objects.none()
    return (Entry.objects.filter(nominator=user).select_related("category")
            .only("pk", "reference", "title", "title_zh_hans", "title_en", "status", "updated_at", "category_id",
                  "category__name", "category__name_zh_hans", "category__name_en")
            .annotate(file_count=Count("attachments")).order_by("-updated_at"))


def entry_with_everything(queryset, pk):
    """One entry with all its rows, files and history, in a fixed number of queries."""
    return (queryset.prefetch_related("co_applicants", "indicators", "ip_items", "awards", "contributors",
                                      "attachments",
                                      Prefetch("status_changes", queryset=StatusChange.objects.select_related("by")))
            .get(pk=pk))


def countries_in_use() -> list[str]:
    """The distinct countries of the entries, sorted by code. A "loose index scan" on the
    org_country index: one probe per country (a dozen) instead of SELECT DISTINCT reading every
    entry (5 ms at 10,000 entries, on every page of the admin list). Plain SQL that PostgreSQL and
    SQLite both run; the ORM cannot write a recursive query."""
    table = connection.ops.quote_name(Entry._meta.db_table)
    column = connection.ops.quote_name(Entry._meta.get_field("org_country").column)
    sql = (f"WITH RECURSIVE present(code) AS ("
           f" SELECT MIN({column}) FROM {table} WHERE {column} > ''"
           f" UNION ALL"
           f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > present.code)"
           f" FROM present WHERE present.code IS NOT NULL)"
           f" SELECT code FROM present WHERE code IS NOT NULL")
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [code for (code,) in cursor.fetchall()]


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
