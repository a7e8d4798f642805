"""What every API view shares: JSON only, one error shape, per-key throttles."""
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import JSONRenderer

from ..exceptions import exception_handler
from ..throttles import ApiKeyThrottle, SessionUserThrottle


class JsonOnlyNegotiation(DefaultContentNegotiation):
    """Always answer JSON (a file download bypasses rendering), whatever Accept says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ApiViewMixin:
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation
    throttle_classes = [ApiKeyThrottle, SessionUserThrottle]
    lookup_value_converter = "int"

    def get_exception_handler(self):
        return exception_handler
