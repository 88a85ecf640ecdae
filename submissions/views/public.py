"""Pages for every visitor."""

from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.i18n import set_language

from ..models import Category, Page
from ..page_cache import cached_for_visitors
from ..selectors import entries as queries


@cached_for_visitors
def home(request):
    edition = queries.current_edition()
    pages = {p.slug: p for p in queries.public_pages().filter(kind=Page.Kind.PAGE)}
    context = {
        "edition": edition,
        "phase": edition.phase() if edition else None,
        "categories": Category.objects.all(),
        "how_to": pages.get("how-to-take-part"),
        "faq": queries.public_pages().filter(kind=Page.Kind.FAQ),
    }
    return render(request, "submissions/home.html", context)


@cached_for_visitors
def page(request, slug):
    page = get_object_or_404(queries.public_pages(), slug=slug)
    return render(request, "submissions/page.html", {"page": page})


@cached_for_visitors
def faq(request):
    items = queries.public_pages().filter(kind=Page.Kind.FAQ)
    if not items:
        raise Http404
    return render(request, "submissions/faq.html", {"items": items})


@never_cache
def healthz(request):
    """Load balancers' probe: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "error"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def switch_language(request):
    """Django's set_language, but `next` is read in the language of its own URL prefix: Django
    would resolve it in the cookie's language and, when the two differ, send the visitor back to
    the page they came from."""
    page_language = translation.get_language_from_path(request.POST.get("next", request.GET.get("next", "")))
    if page_language:
        translation.activate(page_language)
    return set_language(request)
