"""Requests that must not end in a 500: a database that drops its connection mid-request is a
temporary fault (503, "send again"); control characters in a URL are a bad request (400)."""

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.template import loader

from .text import CONTROL_CHARS
from .views.errors import bad_request


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


class ControlCharactersMiddleware:
    """A NUL or another control character in the path, in the query string or in a parameter
    name is no input any page accepts (PostgreSQL refuses NUL in every query, and the filters,
    searches, exports and autocompletes of the admin pass them on): answer 400 with our translated
    page before any view runs. Form values (POST) are left to the forms, which refuse control
    characters with a message at the field; tab, newline and carriage return are allowed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_control_characters(request):
            return bad_request(request, None)
        return self.get_response(request)

    @staticmethod
    def _has_control_characters(request) -> bool:
        if CONTROL_CHARS.search(request.path_info) or CONTROL_CHARS.search(request.path):
            return True
        for key, values in request.GET.lists():
            if CONTROL_CHARS.search(key) or any(CONTROL_CHARS.search(value) for value in values):
                return True
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            return any(CONTROL_CHARS.search(key) for key in request.POST)
        return False
