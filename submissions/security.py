"""Login lockout key and simple per-address rate limits (shared across app servers when the
cache is shared, e.g. Redis)."""

import logging

from django.conf import settings
from django.core.cache import cache

from .text import normalise_machine_text


def axes_username(request, credentials):
    """django-axes counts failures per e-mail address as the login form normalises it."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    # Truncated: axes stores it in a 255-character column, and PostgreSQL refuses longer values.
    return normalise_machine_text(username).lower()[:255]


def client_address(request) -> str:
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def allow(request, action: str, window: int = 3600) -> bool:
    """Count one attempt of `action` from this client; False once the hourly limit is passed."""
    key = f"rate:{action}:{client_address(request)}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:  # the cache server is down: let people sign up rather than show an error
        logging.getLogger(__name__).warning("rate-limit cache unavailable", exc_info=True)
        return True
    return count <= settings.RATE_LIMITS[action]
