"""Content-Security-Policy on every HTML response.

The pages load script and style only from this site: no inline <script>, no
on*= handlers, no style attributes (tests/test_csp.py scans the templates).
Data for scripts travels in `json_script` tags (application/json, never run).

Two pages differ:
- the Django admin keeps script-src 'self' (Django 5.2's admin has no inline
  script) but needs 'unsafe-inline' styles: its change list writes a <style>
  block, and widgets set style attributes;
- the API docs (Swagger UI, ReDoc) set their own policy (api/views/base.py),
  which is left as it is.
"""
from __future__ import annotations

HEADER = "Content-Security-Policy"

_COMMON = ("default-src 'self'; script-src 'self'; {style}; img-src 'self' data:; font-src 'self'; "
           "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
POLICY = _COMMON.format(style="style-src 'self'")
ADMIN_POLICY = _COMMON.format(style="style-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    """Adds the policy to HTML responses that do not carry one of their own."""

    def __init__(self, get_response):
        self.get_response = get_response
        from django.urls import reverse

        try:
            self.admin_prefix = reverse("admin:index")
        except Exception:  # no admin in this URLconf
            self.admin_prefix = None

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER in response or not response.get("Content-Type", "").startswith("text/html"):
            return response
        admin = self.admin_prefix and request.path.startswith(self.admin_prefix)
        response[HEADER] = ADMIN_POLICY if admin else POLICY
        return response
