"""The public results page of an edition (/<lang>/results/<year>/), shown once published."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from ..models import Edition
from ..page_cache import cached_for_visitors
from ..selectors import results as review_queries


@require_safe
@cached_for_visitors
def results(request, year):
    edition = get_object_or_404(Edition, year=year, results_published=True)
    return render(request, "submissions/results.html", {
        "edition": edition, "sections": review_queries.published_results(edition),
        "other_editions": review_queries.published_editions().exclude(pk=edition.pk),
    })


@require_safe
def results_image(request, year, attachment_pk):
    """A publishable image of a selected or nominated technology (our re-encoded JPEG thumbnail)."""
    attachment = review_queries.public_image(attachment_pk)
    if attachment is None or attachment.entry.edition.year != year:
        raise Http404
    try:
        handle = attachment.thumbnail.open("rb")
    except FileNotFoundError:
        raise Http404
    response = FileResponse(handle, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    return response
