from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from agencies.models import Agency, LinkageCenter
from agencies.roles import Role, roles_of
from cases.models import Court
from notifications.models import Notification
from workorders.models import ExtensionRequest
from workorders.selectors import work_orders_for
from workorders.inbox import home_summary


@login_required
def home(request):
    """A start page for the user's main role: what needs doing now."""
    roles = roles_of(request.user)
    context = {"primary": roles.primary, "affiliations": _affiliations(request.user, roles)}
    if roles.primary != Role.NONE:
        context.update(home_summary(request.user, timezone.now()))
    if roles.is_center_admin or roles.is_superuser:
        pending = ExtensionRequest.objects.filter(
            status=ExtensionRequest.Decision.PENDING, work_order__in=work_orders_for(request.user))
        if not roles.is_superuser:
            pending = pending.filter(work_order__agency__center_id__in=roles.admin_center_ids)
        context["pending_extensions"] = pending.count()
    context["recent_notifications"] = list(
        Notification.objects.filter(recipient=request.user).select_related("work_order")
        .order_by("-created_at", "-id")[:5])
    return render(request, "home.html", context)


def _affiliations(user, roles) -> list[str]:
    """Where the user works, for the greeting."""
    names = list(Court.objects.filter(pk__in=roles.court_ids).values_list("name", flat=True))
    names += Agency.objects.filter(pk__in=roles.agency_ids).values_list("name", flat=True)
    if roles.center_ids:
        names += LinkageCenter.objects.filter(memberships__user=user).distinct().values_list("name", flat=True)
    return names
