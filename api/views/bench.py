"""The benchmark's baseline: a bare Django JSON view on the same server, routed
only when EH_API_BENCH=1 (see bench/api_list.py)."""
from django.http import JsonResponse


def bare_json(request):
    return JsonResponse({"ok": True, "results": []})
