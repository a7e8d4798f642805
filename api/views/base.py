"""What every API view shares: JSON only, one error shape, per-key throttles."""
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework import exceptions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import BasePermission

from workorders.uploads import upload_refusal

from ..authentication import ApiKeyAuthentication
from ..exceptions import exception_handler
from ..renderers import OrjsonRenderer
from ..throttles import ApiKeyThrottle, SessionUserThrottle


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON (a file download bypasses rendering), whatever Accept says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


class ApiViewMixin:
    renderer_classes = [OrjsonRenderer]
    content_negotiation_class = JsonOnlyNegotiation
    throttle_classes = [ApiKeyThrottle, SessionUserThrottle]
    lookup_value_converter = "int"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # A multipart body is read here, before any view (or the idempotency
        # record) runs; one the upload handler cut short at a limit is a 413.
        if request.content_type.startswith("multipart/form-data"):
            request.data  # noqa: B018  (parses the body)
            refusal = upload_refusal(request)
            if refusal is not None:
                raise PayloadTooLarge(refusal.message, code=refusal.code)

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


class DocsAccess(BasePermission):
    """settings.API_DOCS_PUBLIC (default: not in production), else a user or an API key."""

    def has_permission(self, request, view):
        return settings.API_DOCS_PUBLIC or request.user.is_authenticated


class DocsAccessMixin:
    permission_classes = [DocsAccess]

    def get_authenticators(self):
        if settings.API_DOCS_PUBLIC:
            return []  # anyone may read: no key lookup, no session
        return [ApiKeyAuthentication(), SessionAuthentication()]


class SchemaView(DocsAccessMixin, SpectacularAPIView):
    pass


class LocalDocsMixin(DocsAccessMixin):
    def dispatch(self, request, *args, **kwargs):
        # A person opening the private docs in a browser is sent to log in, not shown a 403.
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = DOCS_CSP
        return response


class SwaggerView(LocalDocsMixin, SpectacularSwaggerView):
    pass


class RedocView(LocalDocsMixin, SpectacularRedocView):
    template_name = "api/redoc.html"
