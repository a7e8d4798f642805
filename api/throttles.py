"""Per-key and per-user request rates (REST_FRAMEWORK DEFAULT_THROTTLE_RATES)."""
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiKey


class _DynamicRate(SimpleRateThrottle):
    def get_rate(self):
        # Read at request time so a changed setting takes effect (tests, reloads).
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class ApiKeyThrottle(_DynamicRate):
    """One budget per API key, whichever worker serves the request."""

    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class SessionUserThrottle(_DynamicRate):
    scope = "api_user"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey) or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
