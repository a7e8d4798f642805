"""API keys: `Authorization: Api-Key eh_…` (or `X-Api-Key: eh_…`)."""
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from agencies.roles import Roles

from . import selectors, services

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Authenticates as the key's service user; `request.auth` is the ApiKey."""

    def authenticate(self, request):
        raw = request.headers.get("X-Api-Key", "")
        if not raw:
            parts = request.headers.get("Authorization", "").split()
            if not parts or parts[0].lower() != KEYWORD.lower():
                return None
            if len(parts) != 2:
                raise exceptions.AuthenticationFailed(_("Invalid API key header."))
            raw = parts[1]
        key = selectors.active_api_key(raw.strip())
        if key is None or not key.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API key."))
        services.api_key_touch(api_key=key)
        # A key is scoped to its one agency whatever memberships its service user
        # may later be given; setting the roles here also saves three queries.
        key.user._eh_roles = Roles(agency_ids=frozenset({key.agency_id}))
        return key.user, key

    def authenticate_header(self, request):
        return KEYWORD
