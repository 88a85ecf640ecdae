"""Cache backends for rendered HTML that fail open: with the cache server down, a fragment is
rendered as if it had never been cached (and a warning logged) instead of failing the page."""

import logging

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

log = logging.getLogger(__name__)


class FailOpenMixin:
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except Exception:
            log.warning("fragment cache unavailable", exc_info=True)
            return default

    def set(self, key, value, timeout=None, version=None):  # noqa: A003 (Django's cache API)
        try:
            super().set(key, value, timeout, version)
        except Exception:
            log.warning("fragment cache unavailable", exc_info=True)


class FailOpenRedisCache(FailOpenMixin, RedisCache):
    pass


class FailOpenLocMemCache(FailOpenMixin, LocMemCache):
    pass
