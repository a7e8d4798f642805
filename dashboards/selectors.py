"""Reads behind the overdue dashboard, the supervision list and the agenda.

Every function takes the user's scoped queryset (`scope.work_orders(user)`) or
the user, runs a fixed number of queries whatever the number of rows, and
reads the open rows through the partial indexes on open work orders."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workorders import deadlines
from workorders.deadlines import SHANGHAI, WorkingCalendar
from workorders.models import (
    CLOCK_RUNNING,
    Escalation,
    EscalationStep,
    WorkOrder,
    WorkOrderEvent,
    due_soon_q,
    overdue_q,
)

from . import labels, scope
from .models import BacklogSnapshot, JointMeeting, RollupState, SnapshotDay
from .services import TREND_DAYS, local_midnight, warm_calendar

RUNNING = [s.value for s in CLOCK_RUNNING]  # kept for callers; the queries use `.running()`
LIST_RELATED = ("case", "court", "agency", "duty")
# (lowest working days overdue, label); a work order is in the last bucket whose
# lower bound it reaches. Counted as elsewhere in the platform: at least 1 once overdue.
AGING_BUCKETS = [
    (1, _("1 working day")),
    (2, _("2–3 working days")),
    (4, _("4–5 working days")),
    (6, _("6–10 working days")),
    (11, _("11–20 working days")),
    (21, _("over 20 working days")),
]


def due_soon_days() -> int:
    return settings.DUE_SOON_WORKING_DAYS


def calendar_for(today: date) -> WorkingCalendar:
    """A calendar loaded for the look-backs of one page (aging buckets and
    per-row working days overdue over the last year)."""
    return warm_calendar(WorkingCalendar(), today - timedelta(days=400), today + timedelta(days=40))


# ---------------------------------------------------------------- totals

@dataclass
class Totals:
    open: int
    due_today: int
    due_soon: int
    overdue: int
    provisional: int
    by_step: list[tuple[int, str, int]] = field(default_factory=list)


def totals(qs: QuerySet[WorkOrder], *, now: datetime, cal: WorkingCalendar) -> Totals:
    """Open work orders and their deadlines, in one aggregate over the open rows."""
    today = timezone.localtime(now, SHANGHAI).date()
    tomorrow = local_midnight(today + timedelta(days=1))
    overdue = overdue_q(now)
    steps = [EscalationStep.OVERDUE, EscalationStep.CENTER, EscalationStep.SUPERVISION]
    # "Due soon" here leaves out what is due today, which has its own card.
    agg = qs.running().aggregate(
        open=Count("id"),
        due_today=Count("id", filter=Q(due_at__gte=now, due_at__lt=tomorrow)),
        due_soon=Count("id", filter=due_soon_q(now, cal) & Q(due_at__gte=tomorrow)),
        overdue=Count("id", filter=overdue),
        provisional=Count("id", filter=Q(due_provisional=True)),
        awaiting=Count("id", filter=overdue & Q(escalation_level__lt=EscalationStep.OVERDUE)),
        **{f"step_{int(s)}": Count("id", filter=overdue & Q(escalation_level=s)) for s in steps},
    )
    by_step = [(int(s), labels.step_label(s), agg[f"step_{int(s)}"]) for s in steps]
    if agg["awaiting"]:
        by_step.insert(0, (0, str(_("Overdue, not yet escalated")), agg["awaiting"]))
    return Totals(open=agg["open"], due_today=agg["due_today"], due_soon=agg["due_soon"],
                  overdue=agg["overdue"], provisional=agg["provisional"], by_step=by_step)


# ---------------------------------------------------------------- agency × type

@dataclass
class AgencyTypeRow:
    agency_id: int
    name: str
    cells: list[tuple[int, int]]  # (open, overdue) per type, in labels.TYPES order
    open: int = 0
    overdue: int = 0


def agency_type_table(qs: QuerySet[WorkOrder], *, now: datetime) -> tuple[list[AgencyTypeRow], AgencyTypeRow]:
    """Open and overdue per agency and type, and the column totals."""
    rows: dict[int, AgencyTypeRow] = {}
    grouped = (qs.running()
               .values("agency_id", "agency__code", "agency__name", "type")
               .annotate(open=Count("id"), overdue=Count("id", filter=overdue_q(now)))
               .order_by("agency__code", "type"))
    index = {t: i for i, t in enumerate(labels.TYPES)}
    total = AgencyTypeRow(0, str(_("Total")), [(0, 0)] * len(labels.TYPES))
    for g in grouped:
        row = rows.setdefault(g["agency_id"], AgencyTypeRow(
            g["agency_id"], g["agency__name"], [(0, 0)] * len(labels.TYPES)))
        i = index.get(g["type"])
        if i is None:
            continue
        row.cells[i] = (g["open"], g["overdue"])
        row.open += g["open"]
        row.overdue += g["overdue"]
        o, v = total.cells[i]
        total.cells[i] = (o + g["open"], v + g["overdue"])
        total.open += g["open"]
        total.overdue += g["overdue"]
    return list(rows.values()), total


# ---------------------------------------------------------------- aging

def overdue_boundary(today: date, k: int, cal: WorkingCalendar) -> date:
    """The latest due date that is at least k working days overdue today
    (working days in (due date, today], as `WorkingCalendar.working_days_between`)."""
    d, counted = today, 0
    while counted < k:
        if cal.is_working_day(d):
            counted += 1
        d -= timedelta(days=1)
    return d


def aging(qs: QuerySet[WorkOrder], *, now: datetime, cal: WorkingCalendar) -> list[tuple[str, int]]:
    """Overdue work orders by working days overdue: one count per bucket
    boundary, all in one query; rows are never walked in Python."""
    today = timezone.localtime(now, SHANGHAI).date()
    counts = {"b1": Count("id")}
    for lower, _label in AGING_BUCKETS[1:]:
        cut = local_midnight(overdue_boundary(today, lower, cal) + timedelta(days=1))
        counts[f"b{lower}"] = Count("id", filter=Q(due_at__lt=cut))
    agg = qs.overdue(now).aggregate(**counts)
    out = []
    for i, (lower, label) in enumerate(AGING_BUCKETS):
        at_least = agg[f"b{lower}"]
        above = agg[f"b{AGING_BUCKETS[i + 1][0]}"] if i + 1 < len(AGING_BUCKETS) else 0
        out.append((str(label), at_least - above))
    return out


ORDINAL_DAYS = 400


def _ordinals(cal: WorkingCalendar, today: date, since: date) -> dict[date, int]:
    """Working days counted from the window's start up to each date until today,
    kept on the calendar object; the window reaches back at least ORDINAL_DAYS
    and is widened (rarely, by a year at a time) for an older date."""
    cached = cal.__dict__.get("_dash_ordinals")
    if cached is None or cached[0] != today or since not in cached[1]:
        start = min(since - timedelta(days=365), today - timedelta(days=ORDINAL_DAYS))
        if cached is not None and cached[0] == today:
            start = min(start, min(cached[1]))
        cal.day(start)  # one calendar query for the whole window
        ords, n, d = {}, 0, start
        while d <= today:
            n += cal.is_working_day(d)
            ords[d] = n
            d += timedelta(days=1)
        cached = cal._dash_ordinals = (today, ords)
    return cached[1]


def working_days_overdue(wo: WorkOrder, *, now: datetime, cal: WorkingCalendar) -> int:
    """As shown everywhere in the platform (`deadlines.working_days_left`): the
    working days in (due date, today], at least 1 once overdue. An export has
    thousands of rows, so the count is a difference of two ordinals."""
    if wo.due_at is None or wo.due_at >= now:
        return 0
    today, due = deadlines.local(now).date(), deadlines.local(wo.due_at).date()
    ords = _ordinals(cal, today, due)
    return max(1, ords[today] - ords[due])


# ---------------------------------------------------------------- trend

@dataclass
class Trend:
    days: list[date]
    open: list[int | None]
    overdue: list[int | None]
    as_of: datetime | None


def trend(user, *, today: date) -> Trend:
    """Open and overdue per day over the last 90 days, from the backlog
    snapshots; a day the rollup has not covered yet is a gap, not a zero."""
    first = today - timedelta(days=TREND_DAYS - 1)
    sums = {r["day"]: r for r in BacklogSnapshot.objects.filter(scope.rollup_q(user), day__gte=first, day__lte=today)
            .values("day").annotate(open=Sum("open"), overdue=Sum("overdue")).order_by("day")}
    covered = set(SnapshotDay.objects.filter(day__gte=first, day__lte=today).values_list("day", flat=True))
    days = [first + timedelta(days=i) for i in range(TREND_DAYS)]
    open_, overdue = [], []
    for d in days:
        row = sums.get(d)
        open_.append(row["open"] if row else (0 if d in covered else None))
        overdue.append(row["overdue"] if row else (0 if d in covered else None))
    return Trend(days, open_, overdue, last_rollup())


def last_rollup() -> datetime | None:
    return RollupState.objects.filter(pk=1).values_list("last_finished_at", flat=True).first()


# ---------------------------------------------------------------- lists

def overdue_work_orders(user, *, now: datetime) -> QuerySet[WorkOrder]:
    """The overdue list (and its exports) before filters: open, past due, oldest first."""
    return (scope.work_orders(user).overdue(now)
            .select_related(*LIST_RELATED).order_by("due_at", "id"))


def _fired(step: int):
    return Subquery(Escalation.objects.filter(work_order=OuterRef("pk"), step=step)
                    .order_by("-fired_at").values("fired_at")[:1])


def supervision_work_orders(user) -> QuerySet[WorkOrder]:
    """The center's supervision list (督办): open work orders at step 2 or 3."""
    return (scope.work_orders(user)
            .running().filter(escalation_level__gte=EscalationStep.CENTER)
            .select_related(*LIST_RELATED)
            .annotate(center_at=_fired(EscalationStep.CENTER), supervision_at=_fired(EscalationStep.SUPERVISION))
            .order_by("due_at", "id"))


@dataclass
class AgendaItem:
    wo: WorkOrder
    working_days_overdue: int
    days_open: int
    history: list[tuple[datetime, str, str]]  # (when, what, note)


@dataclass
class AgendaGroup:
    agency_id: int
    name: str
    items: list[AgendaItem]


def agenda_work_orders(user) -> QuerySet[WorkOrder]:
    history = WorkOrderEvent.objects.filter(action__in=labels.HISTORY_ACTIONS).order_by("created_at", "id")
    return (scope.work_orders(user)
            .running().filter(escalation_level__gte=EscalationStep.SUPERVISION)
            .select_related(*LIST_RELATED)
            .prefetch_related(Prefetch("events", queryset=history, to_attr="history_events"),
                              Prefetch("escalations", queryset=Escalation.objects.order_by("fired_at"),
                                       to_attr="ladder"))
            .order_by("agency__code", "due_at", "id"))


def agenda(user, *, now: datetime, cal: WorkingCalendar) -> list[AgendaGroup]:
    """Chronic overdue work orders (step 3) grouped by agency, with their age and
    history, for the next joint meeting. Three queries whatever the size."""
    groups: dict[int, AgendaGroup] = {}
    today = timezone.localtime(now, SHANGHAI).date()
    for wo in agenda_work_orders(user):
        history = [(e.created_at, labels.event_label(e.action), _event_note(e)) for e in wo.history_events]
        history += [(x.fired_at, labels.step_label(x.step), "") for x in wo.ladder]
        history.sort(key=lambda h: h[0])
        start = wo.receipt_date or timezone.localtime(wo.submitted_at or now, SHANGHAI).date()
        item = AgendaItem(wo, working_days_overdue(wo, now=now, cal=cal), (today - start).days, history)
        groups.setdefault(wo.agency_id, AgendaGroup(wo.agency_id, wo.agency.name, [])).items.append(item)
    return list(groups.values())


def _event_note(event) -> str:
    d = event.details or {}
    for key in ("reason", "note"):
        if d.get(key):
            return str(d[key])[:200]
    if d.get("days"):
        return str(_("%(days)s working days") % {"days": d["days"]})
    return ""


def next_meeting(today: date) -> JointMeeting | None:
    return JointMeeting.objects.filter(held_on__gte=today).order_by("held_on").first()
