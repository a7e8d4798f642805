"""The work-order lists: an agency's inbox, a judge's requests, the centre's
view, and the centre's pending extension requests."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import render
from django.utils import timezone

from agencies.roles import roles_of

from .. import deadlines
from ..inbox import LIST_RELATED, home_summary, inbox_setup, tab_counts
from ..models import pk_from_reference
from ..selectors import pending_extensions_for
from .common import annotate_clock

PAGE_SIZE = 50
__all__ = ["extension_requests", "home_summary", "inbox"]


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
    rows = (rows.select_related(*LIST_RELATED).with_pending_extension()
            .order_by(order, "-id" if current.newest_first else "id"))
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
