"""Figures for the organisers' dashboard: a fixed number of aggregate queries."""

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries

from ..models import Category, Entry, EntryStatus, OrganisationType, TechnicalField

SUBMITTED_STATES = [s for s in EntryStatus.values if s not in {EntryStatus.DRAFT}]


def _counts(queryset, field):
    return dict(queryset.values_list(field).annotate(n=Count("id")).order_by())


def figures(edition):
    if edition is None:
        return {"edition": None}
    entries = Entry.objects.filter(edition=edition)
    submitted = entries.filter(status__in=SUBMITTED_STATES).exclude(status=EntryStatus.WITHDRAWN)
    by_status = _counts(entries, "status")
    by_category = _counts(submitted, "category")
    by_field = _counts(submitted, "technical_field")
    by_country = _counts(submitted, "org_country")
    by_type = _counts(submitted, "org_type")
    per_day = dict(submitted.filter(submitted_at__isnull=False)
                   .annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_current_timezone()))
                   .values_list("day").annotate(n=Count("id")).order_by())
    today = timezone.localdate()
    start = max(timezone.localtime(edition.opens_at).date(), today - timedelta(days=59))
    end = min(today, timezone.localtime(edition.closes_at).date())
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)] if end >= start else []
    series = [(day, per_day.get(day, 0)) for day in days]
    return {
        "edition": edition,
        "total": sum(by_status.values()),
        "submitted_total": sum(by_category.values()),
        "days_left": max(0, (edition.closes_at - timezone.now()).days),
        "chart": _bar_chart(series),
    } | {"tables": [(_("By status"), [(label, by_status.get(value, 0)) for value, label in EntryStatus.choices]),
                    (_("By category"), [(c.name, by_category.get(c.pk, 0)) for c in Category.objects.all()]),
                    (_("By technical field"), [(f.name, by_field.get(f.pk, 0)) for f in TechnicalField.objects.all()]),
                    (_("By country/region"), sorted(((countries.name(code) or "–", n) for code, n in by_country.items()),
                                                    key=lambda item: -item[1])),
                    (_("By organisation type"), [(label, by_type.get(value, 0)) for value, label in OrganisationType.choices])]}


def _bar_chart(series, width=720, height=180):
    """An SVG bar chart drawn on the server (no JavaScript library, no CDN)."""
    if not series:
        return None
    peak = max(n for _day, n in series) or 1
    slot = width / len(series)
    bars = []
    for index, (day, n) in enumerate(series):
        bar_height = round((height - 30) * n / peak, 1)
        bars.append({"x": round(index * slot + 1, 1), "y": round(height - 20 - bar_height, 1),
                     "w": max(1, round(slot - 2, 1)), "h": bar_height, "n": n, "day": day,
                     "label": index % max(1, len(series) // 8) == 0})
    return {"width": width, "height": height, "bars": bars, "peak": peak}
