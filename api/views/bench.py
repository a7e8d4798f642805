"""The benchmark's baselines, routed only when EH_API_BENCH=1 (see bench/api_list.py):
a bare Django JSON view, and the same body behind everything an API request
passes before it reaches any data (key lookup, per-key throttle, permission,
DRF dispatch and rendering): the floor under every authenticated endpoint."""
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from .base import ApiViewMixin

BODY = {"ok": True, "results": []}


def bare_json(request):
    return JsonResponse(BODY)


class AuthenticatedJson(ApiViewMixin, APIView):
    def get(self, request):
        return Response(BODY)
