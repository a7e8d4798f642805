"""What every API view shares: JSON only, one error shape, per-key throttles."""
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView
from rest_framework.negotiation import DefaultContentNegotiation

from ..exceptions import exception_handler
from ..renderers import OrjsonRenderer
from ..throttles import ApiKeyThrottle, SessionUserThrottle


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON (a file download bypasses rendering), whatever Accept says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiViewMixin:
    renderer_classes = [OrjsonRenderer]
    content_negotiation_class = JsonOnlyNegotiation
    throttle_classes = [ApiKeyThrottle, SessionUserThrottle]
    lookup_value_converter = "int"

    def get_exception_handler(self):
        return exception_handler


@csrf_exempt  # a JSON 404 for any method; nothing to protect
def not_found(request, *args, **kwargs):
    return JsonResponse({"detail": _("No such API endpoint."), "code": "not_found"}, status=404)


# The documentation pages load only this site's files; the policy also stops the
# ReDoc bundle's own "powered by" logo, which it would fetch from a CDN.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' blob:; worker-src 'self' blob:; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
            "connect-src 'self'")


class LocalDocsMixin:
    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response


class SwaggerView(LocalDocsMixin, SpectacularSwaggerView):
    pass


class RedocView(LocalDocsMixin, SpectacularRedocView):
    template_name = "api/redoc.html"
