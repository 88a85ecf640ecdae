"""A database that drops its connection mid-request is a temporary fault, not a server error:
the user is told that nothing from this request was saved and to send it again (503)."""

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader


class TemporaryFailureMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        # Every write of the request ran in a transaction that has now been rolled back; drop
        # the broken connection so the next request (or the session save) opens a fresh one.
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()
        # Like the 500 page, bilingual and rendered without context processors (they may query).
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
