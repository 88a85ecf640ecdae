"""Rendered public pages for anonymous visitors, cached per URL (language prefix included).

Any change to what those pages show (editions, categories, fields, page texts, entries and the
review outcome for the results) bumps a version number, so the next visitor gets a fresh page.
The services that make such changes call `invalidate_on_commit()` by name (no signals): after
the commit, so that a visitor in between cannot cache the old page under the new version.
With a shared cache (REDIS_URL) the bump reaches every app server at once; with the local
default it reaches the other worker processes after PUBLIC_PAGE_CACHE_SECONDS at the latest."""

import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

VERSION_KEY = "public-pages:version"
log = logging.getLogger(__name__)


def _version() -> int:
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def content_version() -> int:
    """The version of what visitors read (editions, categories, fields, pages): part of the keys
    of rendered HTML that shows reference content, such as the entry form's choices."""
    try:
        return _version()
    except Exception:  # the cache server is down: a fresh number, so nothing cached is reused
        log.warning("page cache unavailable", exc_info=True)
        return 0


def invalidate():
    try:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, timeout=None)
    except Exception:  # the cache server is down: an organiser's save must still succeed
        log.warning("page cache unavailable", exc_info=True)


def _cacheable(request) -> bool:
    # A session or pending messages mean the page may differ for this visitor.
    return (request.method == "GET" and not request.user.is_authenticated
            and settings.SESSION_COOKIE_NAME not in request.COOKIES and "messages" not in request.COOKIES)


def cached_for_visitors(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable(request) or not settings.PUBLIC_PAGE_CACHE_SECONDS:
            return view(request, *args, **kwargs)
        try:
            key = f"public-pages:{_version()}:{request.get_full_path()}"
            content = cache.get(key)
        except Exception:  # the cache server is down: render the page, never fail the visitor
            log.warning("page cache unavailable", exc_info=True)
            return view(request, *args, **kwargs)
        if content is not None:
            return HttpResponse(content)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies:
            try:
                cache.set(key, response.content, timeout=settings.PUBLIC_PAGE_CACHE_SECONDS)
            except Exception:
                log.warning("page cache unavailable", exc_info=True)
        return response

    return wrapper


def invalidate_on_commit():
    """Bump the version once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(invalidate)
