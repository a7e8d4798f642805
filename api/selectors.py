"""Reads the API needs beyond the shared selectors; scoped the same way."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from agencies.models import Agency
from agencies.roles import roles_of
from workorders.deadlines import SHANGHAI
from workorders.models import CLOCK_RUNNING, Attachment, ExtensionRequest, WorkOrder
from workorders.selectors import work_orders_for, work_orders_for_list


def work_orders_for_api(user) -> QuerySet[WorkOrder]:
    """The list selector plus the pending-extension flag, so rows need no extra query."""
    pending = ExtensionRequest.objects.filter(work_order=OuterRef("pk"), status=ExtensionRequest.Decision.PENDING)
    return work_orders_for_list(user).annotate(_pending_extension=Exists(pending))


def get_attachment_for(user, pk) -> Attachment:
    """An attachment of a work order the user may see; 404 alike for missing and foreign."""
    try:
        return Attachment.objects.select_related("work_order").get(
            pk=pk, work_order__in=work_orders_for(user).values("pk"))
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such attachment")


def scorecard_agency_ids(user) -> set[int] | None:
    """Agencies whose scorecard the user may read; None means all (superuser)."""
    roles = roles_of(user)
    if roles.is_superuser:
        return None
    ids = set(roles.agency_ids)
    if roles.center_ids:
        ids |= set(Agency.objects.filter(center_id__in=roles.center_ids).values_list("pk", flat=True))
    return ids


def scorecards(*, user, start: date, end: date, now: datetime) -> list[dict]:
    """Per agency: work orders received, answers given and answers on time in
    [start, end] (local days), and open overdue work orders now. One aggregate
    query over the work orders plus one for the agencies' names."""
    agency_ids = scorecard_agency_ids(user)
    lo = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    received = Q(submitted_at__gte=lo, submitted_at__lt=hi)
    answered = Q(answered_at__gte=lo, answered_at__lt=hi)
    overdue = Q(status__in=[s.value for s in CLOCK_RUNNING], due_at__lt=now)
    rows = WorkOrder.objects.filter(received | answered | overdue)
    agencies = Agency.objects.order_by("code")
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=agency_ids)
        agencies = agencies.filter(pk__in=agency_ids)
    counts = {
        r["agency_id"]: r
        for r in rows.values("agency_id").annotate(
            received=Count("pk", filter=received),
            answered=Count("pk", filter=answered),
            answered_on_time=Count("pk", filter=answered & Q(answered_at__lte=F("due_at"))),
            open_overdue=Count("pk", filter=overdue),
        )
    }
    out = []
    for agency in agencies.only("pk", "code", "name"):
        c = counts.get(agency.pk, {})
        answered_n = c.get("answered", 0)
        on_time = c.get("answered_on_time", 0)
        out.append({
            "agency": {"id": agency.pk, "code": agency.code, "name": agency.name},
            "received": c.get("received", 0),
            "answered": answered_n,
            "answered_on_time": on_time,
            "on_time_rate": round(on_time / answered_n, 4) if answered_n else None,
            "open_overdue": c.get("open_overdue", 0),
        })
    return out
