"""Dashboard pages and exports. Thin: scope check, read through the selectors,
render. Every page runs a fixed number of queries (tests assert it)."""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from workorders.deadlines import SHANGHAI

from . import charts, exports, labels, scope, selectors
from .filters import OverdueFilter, filter_querystring
from .periods import PeriodForm
from .scorecards import agency_scorecards, agency_trend, court_view

PAGE_SIZE = 50


def dashboard_view(view):
    """Logged in (else the login page) and a dashboard role (else 403)."""
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope.require_view(request.user)
        return view(request, *args, **kwargs)
    return wrapper


def _now_today():
    now = timezone.now()
    return now, timezone.localtime(now, SHANGHAI).date()


def _stamp(now) -> str:
    return timezone.localtime(now, SHANGHAI).strftime("%Y%m%d-%H%M")


# ---------------------------------------------------------------- overdue

def _overdue_filter(request, now):
    return OverdueFilter(request.GET or None, request=request,
                         queryset=selectors.overdue_work_orders(request.user, now=now))


@dashboard_view
def overdue(request):
    now, today = _now_today()
    cal = selectors.calendar_for(today)
    base = scope.work_orders(request.user)
    filterset = _overdue_filter(request, now)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(wo, selectors.working_days_overdue(wo, now=now, cal=cal)) for wo in page]
    table, table_total = selectors.agency_type_table(base, now=now)
    trend = selectors.trend(request.user, today=today)
    return render(request, "dashboards/overdue.html", {
        "active": "overdue", "now": now,
        "totals": selectors.totals(base, now=now, cal=cal),
        "due_soon_days": selectors.due_soon_days(),
        "types": [str(v) for v in labels.TYPE_LABELS.values()],
        "table": table, "table_total": table_total,
        "aging": selectors.aging(base, now=now, cal=cal),
        "trend": trend, "trend_chart": charts.backlog_trend(trend),
        "filter": filterset, "page": page, "rows": rows, "querystring": filter_querystring(request),
    })


@never_cache  # exports and the printable agenda hold case data: never kept by a cache
@dashboard_view
def overdue_export(request):
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        return HttpResponseBadRequest(_("Unknown export format."))
    now, today = _now_today()
    qs = _overdue_filter(request, now).qs
    cal = selectors.calendar_for(today)
    name = f"overdue-{_stamp(now)}.{fmt}"
    if fmt == "csv":
        return exports.overdue_csv(qs, now=now, cal=cal, filename=name)
    return exports.overdue_xlsx(qs, now=now, cal=cal, filename=name)


# ---------------------------------------------------------------- scorecards

def _period(request, today):
    form = PeriodForm(request.GET if "kind" in request.GET else None, today=today)
    period = form.period()
    if not form.is_bound:
        form.initial = form.initial_values(period)
    return form, period


@dashboard_view
def scorecards(request):
    now, today = _now_today()
    form, period = _period(request, today)
    board = agency_scorecards(request.user, period, now=now)
    trend_agency = _trend_agency(request, board)
    trend = agency_trend(request.user, trend_agency.pk, today=today) if trend_agency else []
    return render(request, "dashboards/scorecards.html", {
        "active": "scorecards", "form": form, "period": period, "board": board,
        "ranking_chart": charts.ranking(board),
        "trend_agency": trend_agency, "trend_chart": charts.agency_trend(trend) if trend else None,
        "period_query": _period_query(request),
        "as_of": selectors.last_rollup(),
    })


def _trend_agency(request, board):
    """The agency whose months are charted: ?trend=<id> if listed, else the
    first flagged one, else the first row."""
    wanted = request.GET.get("trend")
    by_id = {str(r.agency.pk): r.agency for r in board.rows}
    if wanted in by_id:
        return by_id[wanted]
    flagged = board.flagged
    if flagged:
        return flagged[-1].agency
    return board.rows[0].agency if board.rows else None


def _period_query(request) -> str:
    params = request.GET.copy()
    for key in ("trend", "format"):
        params.pop(key, None)
    return params.urlencode()


@never_cache  # exports and the printable agenda hold case data: never kept by a cache
@dashboard_view
def scorecards_export(request):
    now, today = _now_today()
    _form, period = _period(request, today)
    board = agency_scorecards(request.user, period, now=now)
    courts, _total = court_view(request.user, period, now=now)
    return exports.scorecards_xlsx(board, courts, filename=f"scorecards-{period.slug}.xlsx")


@dashboard_view
def courts(request):
    now, today = _now_today()
    form, period = _period(request, today)
    rows, total = court_view(request.user, period, now=now)
    return render(request, "dashboards/courts.html", {
        "active": "courts", "form": form, "period": period, "rows": rows, "total": total,
        "period_query": _period_query(request), "as_of": selectors.last_rollup(),
    })


# ---------------------------------------------------------------- center lists

@dashboard_view
def supervision(request):
    now, today = _now_today()
    cal = selectors.calendar_for(today)
    page = Paginator(selectors.supervision_work_orders(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(wo, selectors.working_days_overdue(wo, now=now, cal=cal)) for wo in page]
    return render(request, "dashboards/supervision.html", {
        "active": "supervision", "page": page, "rows": rows, "now": now})


@never_cache  # exports and the printable agenda hold case data: never kept by a cache
@dashboard_view
def agenda(request):
    fmt = request.GET.get("format", "html")
    if fmt not in ("html", "xlsx"):
        raise Http404
    now, today = _now_today()
    cal = selectors.calendar_for(today)
    groups = selectors.agenda(request.user, now=now, cal=cal)
    meeting = selectors.next_meeting(today)
    if fmt == "xlsx":
        return exports.agenda_xlsx(groups, meeting=meeting, filename=f"agenda-{_stamp(now)}.xlsx")
    return render(request, "dashboards/agenda.html", {
        "active": "agenda", "groups": groups, "meeting": meeting, "now": now,
        "count": sum(len(g.items) for g in groups),
    })
