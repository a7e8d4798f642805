"""Per-key and per-user request rates (REST_FRAMEWORK DEFAULT_THROTTLE_RATES).

A fixed-window counter: one atomic INCR per request, in one round trip to
Redis. DRF's SimpleRateThrottle keeps a list of every request time in the
window, reads and rewrites it whole on each request (600/min means a 600-item
pickle twice a request) and loses updates when two workers race, letting a
burst through over the budget. A counter cannot lose an increment.

If Redis cannot be reached the request is let through and a warning logged:
the API keeps serving agency systems while Redis (also the Celery broker) is
down, unthrottled for that time.
"""
import logging
import math

import redis
from django.conf import settings
from django.core.cache import cache
from redis.backoff import NoBackoff
from redis.retry import Retry
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiKey

log = logging.getLogger(__name__)
_clients = {}


def _redis():
    """This process's Redis client (None without REDIS_URL: the embedded default).
    One per URL, shared by threads; its pool notices a fork (gunicorn workers)."""
    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        # Fail fast: a throttle that waits seconds for Redis would stall every request.
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.25, socket_timeout=0.5,
                                             retry=Retry(NoBackoff(), 0))
    return _clients[url]


def window_incr(key: str, ttl: int) -> int | None:
    """Add one to `key` (created with `ttl` seconds to live) and return the count;
    None if the counter store cannot be reached."""
    client = _redis()
    if client is None:
        # LocMem (one process, the development server): add + incr is atomic there.
        cache.add(key, 0, ttl)
        return cache.incr(key)
    try:
        pipe = client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, ttl)
        return pipe.execute()[0]
    except redis.RedisError:
        log.warning("API throttle: Redis unreachable, request let through unthrottled", exc_info=True)
        return None


class _WindowThrottle(SimpleRateThrottle):
    cache_format = "throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        # Read at request time so a changed setting takes effect (tests, reloads).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        count = window_incr(f"{key}:{window}", self.duration + 1)
        return count is None or count <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.window_end - self.now))


class ApiKeyThrottle(_WindowThrottle):
    """One budget per API key, whichever worker serves the request."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class SessionUserThrottle(_WindowThrottle):
    scope = "api_user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
