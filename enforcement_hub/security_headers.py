"""Content-Security-Policy on every HTML response.

Pages load script and style only from this site: no inline <script>, no on*=
handlers, no style attributes or <style> blocks (tests/test_csp.py scans the
templates). Data for scripts travels in `json_script` tags (application/json,
never run). Scripts may still set styles through the DOM (element.style), which
a policy does not restrict; htmx is told not to inject its indicator <style>.

The Django admin runs under the same policy: Django 5.2's admin has no inline
script, and its pages (lists, date hierarchy, change forms, select2
autocomplete) apply no inline style either (checked in Chromium by
tests/test_csp.py). The one exception Django has, a <style> block on a change
list whose model admin turns off both action bars, only widens a column; no
model admin here does that.

The API docs (Swagger UI, ReDoc) set their own, looser policy
(api/views/base.py), which is left as it is.
"""
from __future__ import annotations

HEADER = "Content-Security-Policy"
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
          "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


class ContentSecurityPolicyMiddleware:
    """Adds the policy to HTML responses that do not carry one of their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if HEADER not in response and response.get("Content-Type", "").startswith("text/html"):
            response[HEADER] = POLICY
        return response
