"""A judge's cases: the searchable list and the case page with its parties and
the timeline of its work orders."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from agencies.roles import roles_of
from workorders import deadlines
from workorders.models import WorkOrderEvent
from workorders.selectors import work_orders_for
from workorders.views.common import annotate_clock, with_descriptions

from .forms import CaseFilterForm
from .models import EnforcementCase, Party
from .selectors import case_list_for, cases_filable_by, get_case_for, parties_for, sees_all_parties

PAGE_SIZE = 25


@login_required
def case_list(request):
    roles = roles_of(request.user)
    data = request.GET.copy()
    if "status" not in data and "q" not in data and roles.is_judge:
        # A judge starts with his own open cases.
        data.update({"mine": "on", "status": EnforcementCase.Status.OPEN})
    form = CaseFilterForm(data)
    form.is_valid()
    f = form.cleaned_data if form.is_bound else {}
    qs = case_list_for(request.user, text=f.get("q") or "", status=f.get("status") or "",
                       mine=bool(f.get("mine")))
    page = Paginator(qs.order_by("-filed_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = data.copy()
    query.pop("page", None)
    return render(request, "cases/list.html", {
        "form": form, "page": page, "query": query.urlencode(), "can_file": roles.is_judge or roles.is_superuser,
    })


@login_required
def case_detail(request, pk):
    case = get_case_for(request.user, pk)
    parties = list(parties_for(request.user).filter(case=case))
    visible = work_orders_for(request.user).filter(case=case)
    orders = (visible.select_related("case", "agency", "duty", "respondent", "judge", "court")
              .with_pending_extension().order_by("-id"))
    now = timezone.now()
    orders = annotate_clock(orders, now=now, cal=deadlines.WorkingCalendar())
    events = with_descriptions(
        WorkOrderEvent.objects.filter(work_order__in=visible).select_related("actor", "work_order")
        .order_by("-created_at", "-id")[:300])
    return render(request, "cases/detail.html", {
        "case": case, "applicants": [p for p in parties if p.role == Party.Role.APPLICANT],
        "respondents": [p for p in parties if p.role == Party.Role.RESPONDENT],
        "orders": orders, "events": events, "now": now,
        "parties_limited": not sees_all_parties(request.user, case),
        "can_file": case.status == case.Status.OPEN and cases_filable_by(request.user).filter(pk=case.pk).exists(),
    })
