"""The work-order lists: an agency's inbox, a judge's requests, the centre's
view, and the centre's pending extension requests."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from agencies.roles import AGENCY_ROLES, Role, roles_of

from .. import deadlines
from ..models import Status, due_soon_q, overdue_q, pk_from_reference, running_q
from ..selectors import pending_extensions_for, work_orders_for
from .common import annotate_clock, warm_calendar

PAGE_SIZE = 50


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise
    q: Q
    newest_first: bool = False


def agency_tabs(now, cal) -> list[Tab]:
    return [
        Tab("new", _("New"), Q(status=Status.SUBMITTED)),
        Tab("progress", _("In progress"), Q(status=Status.SIGNED)),
        Tab("due_soon", _("Due soon"), due_soon_q(now, cal)),
        Tab("overdue", _("Overdue"), overdue_q(now)),
        Tab("done", _("Done"), Q(status__in=[Status.ANSWERED, Status.CLOSED, Status.RETURNED, Status.WITHDRAWN]),
            newest_first=True),
    ]


def court_tabs(now) -> list[Tab]:
    return [
        Tab("action", _("Needs my action"), Q(status__in=[Status.ANSWERED, Status.RETURNED])),
        Tab("waiting", _("With the agency"), running_q()),
        Tab("overdue", _("Overdue"), overdue_q(now)),
        Tab("drafts", _("Drafts"), Q(status=Status.DRAFT)),
        Tab("done", _("Done"), Q(status__in=[Status.CLOSED, Status.WITHDRAWN]), newest_first=True),
    ]


def inbox_setup(user, now):
    """(queryset, tabs, side) for the user's list: agencies see their agency's
    work orders, judges their own requests, centre staff everything in scope."""
    roles = roles_of(user)
    cal = deadlines.WorkingCalendar()
    today = deadlines.local(now).date()
    warm_calendar(cal, [], today)
    qs = work_orders_for(user)
    if roles.is_agency_member and roles.primary in AGENCY_ROLES:
        return qs.filter(agency_id__in=roles.agency_ids), agency_tabs(now, cal), "agency", cal
    if roles.primary == Role.JUDGE:
        return qs.filter(judge=user), court_tabs(now), "court", cal
    return qs.ever_submitted(), agency_tabs(now, cal), "center", cal


def tab_counts(qs, tabs) -> dict:
    return qs.aggregate(**{t.key: Count("pk", filter=t.q) for t in tabs})


@login_required
def inbox(request):
    now = timezone.now()
    qs, tabs, side, cal = inbox_setup(request.user, now)
    counts = tab_counts(qs, tabs)
    current = next((t for t in tabs if t.key == request.GET.get("tab")), tabs[0])
    rows = qs.filter(current.q)
    search = (request.GET.get("q") or "").strip()
    if search:
        rows = _search(rows, search)
    order = (F("due_at").desc(nulls_last=True) if current.newest_first else F("due_at").asc(nulls_last=True))
    rows = (
        rows.select_related("case", "court", "agency", "duty", "respondent", "judge").with_pending_extension()
    ).order_by(order, "-id" if current.newest_first else "id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = annotate_clock(page.object_list, now=now, cal=cal)
    return render(request, "workorders/inbox.html", {
        "tabs": [(t, counts[t.key]) for t in tabs], "current": current, "page": page, "side": side,
        "search": search, "now": now,
        "query": urlencode({"tab": current.key, **({"q": search} if search else {})}),
    })


def _search(rows, text):
    q = (Q(subject__icontains=text) | Q(case__number__icontains=text) | Q(respondent__name__icontains=text))
    pk = pk_from_reference(text)
    if pk is not None:
        q |= Q(pk=pk)
    return rows.filter(q)


@login_required
def extension_requests(request):
    """Pending extension requests the centre admin may decide."""
    roles = roles_of(request.user)
    if not (roles.is_center_admin or roles.is_superuser):
        raise PermissionDenied
    pending = (
        pending_extensions_for(request.user)
        .select_related("work_order__case", "work_order__agency", "work_order__court", "requested_by")
        .order_by("work_order__due_at", "created_at")
    )
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    annotate_clock([e.work_order for e in page.object_list], now=now, cal=deadlines.WorkingCalendar())
    return render(request, "workorders/extensions.html", {"page": page, "now": now})


def home_summary(user, now) -> dict:
    """Counts and the most urgent rows for the home page."""
    qs, tabs, side, cal = inbox_setup(user, now)
    counts = tab_counts(qs, tabs)
    urgent_q = running_q()
    if side == "court":
        urgent_q = Q(status__in=[Status.ANSWERED, Status.RETURNED]) | overdue_q(now)
    urgent = list(
        qs.filter(urgent_q).select_related("case", "court", "agency", "duty", "respondent", "judge")
        .with_pending_extension()
    .order_by(F("due_at").asc(nulls_last=True), "id")[:10])
    return {"tabs": [(t, counts[t.key]) for t in tabs], "side": side,
            "urgent": annotate_clock(urgent, now=now, cal=cal)}

