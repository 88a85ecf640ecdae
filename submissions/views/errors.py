"""Our own translated error pages; they show nothing of the request or the exception."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception):
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW: an expired or cookie-less form, explained (Django's own page
    tells visitors to set DEBUG=True); the reason is logged by Django, not shown."""
    return render(request, "403_csrf.html", status=403)


def page_not_found(request, exception):
    return render(request, "404.html", status=404)


def server_error(request):
    # Rendered without context processors: something in them may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
