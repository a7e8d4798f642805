"""The rollup: rebuild the dashboards' derived tables with set-based SQL.

`refresh_rollups` is what the Celery beat task `dashboards.rollup` and the
`refresh_rollups` command run. One run, in one transaction:

1. rebuilds the working-day ordinals (a few hundred rows per year) from the clock;
2. recomputes AgencyDailyCounts for the days that may have changed since the last
   run (all days on the first run or with `full=True`): the current dates of
   work orders updated since then, every date their events mention (old due
   dates, old receipt dates, old answers), the days escalations fired, and every
   day from the last run to today (work orders falling due turn late). Each day
   is deleted and re-inserted with one INSERT … SELECT over the indexed rows of
   that day, so the cost follows the changes, not the table;
3. takes today's backlog snapshot from the open rows (an index scan), and
   reconstructs the days of the 90-day window that have no snapshot yet from
   the work orders' timestamps (first run, or the job was down that day).

Concurrent runs are harmless: the second one finds the state row locked and
skips. The SQL is written for PostgreSQL and kept to what SQLite also runs.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Count, DateField, DateTimeField, F, Min, Q, Value, When
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from workorders.deadlines import SHANGHAI, WorkingCalendar
from workorders.models import (
    CLOCK_RUNNING,
    EVER_SUBMITTED_SQL,
    Escalation,
    EscalationStep,
    EventAction,
    Status,
    WorkOrder,
    WorkOrderEvent,
    overdue_sql,
    running_sql,
)

from .models import (
    COUNT_FIELDS,
    HISTOGRAM_DAYS,
    HISTOGRAM_FIELDS,
    AgencyDailyCounts,
    BacklogSnapshot,
    RollupState,
    SnapshotDay,
    WorkingDayOrdinal,
)

log = logging.getLogger(__name__)

TREND_DAYS = 90
# Transactions may commit a little after their `updated_at`; re-read that much.
WATERMARK_OVERLAP = timedelta(minutes=10)
# Past this many dirty days an incremental run is no cheaper than a full one.
MAX_INCREMENTAL_DAYS = 400
RUNNING = [s.value for s in CLOCK_RUNNING]
DEADLINE_KEYS = ("due_at", "old_due_at", "receipt_date")


@dataclass
class RollupResult:
    skipped: bool = False
    full: bool = False
    days: int = 0
    reconstructed_days: int = 0
    ms: int = 0


def refresh_rollups(*, full: bool = False, now: datetime | None = None) -> RollupResult:
    """Bring the rollup tables up to date. Returns what was done; `skipped` when
    another run holds the lock."""
    now = now or timezone.now()
    started = time.monotonic()
    RollupState.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = RollupState.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if state is None:
            log.info("rollup skipped: another run is in progress")
            return RollupResult(skipped=True)
        today = timezone.localtime(now, SHANGHAI).date()
        full = full or state.last_started_at is None
        days = None
        if not full:
            days = dirty_days(since=state.last_started_at - WATERMARK_OVERLAP, today=today)
            if len(days) > MAX_INCREMENTAL_DAYS:
                full, days = True, None
        rebuild_ordinals(today=today)
        refresh_counts(days=days, now=now)
        snapshot_today(now=now)
        reconstructed = reconstruct_snapshots(today=today, now=now)
        result = RollupResult(full=full, days=len(days) if days is not None else -1,
                              reconstructed_days=reconstructed)
        result.ms = int((time.monotonic() - started) * 1000)
        state.last_started_at, state.last_finished_at = now, timezone.now()
        state.last_days, state.last_ms = max(result.days, 0), result.ms
        if full:
            state.last_full_at = now
        state.save()
    log.info("rollup done: full=%s days=%s reconstructed=%s in %d ms", result.full, result.days,
             result.reconstructed_days, result.ms)
    return result


# ---------------------------------------------------------------- which days

def dirty_days(*, since: datetime, today: date) -> list[date]:
    """Days whose counts may differ from what the last run wrote."""
    out: set[date] = set()
    changed = WorkOrder.objects.filter(updated_at__gte=since)
    for row in (changed.annotate(a=TruncDate("answered_at"), d=TruncDate("due_at"))
                .values_list("receipt_date", "a", "d").distinct()):
        out.update(d for d in row if d is not None)
    # Two index-driven reads rather than one OR that would scan the event log.
    for events in (WorkOrderEvent.objects.filter(work_order_id__in=changed.values("pk")),
                   WorkOrderEvent.objects.filter(created_at__gte=since)):
        for created_at, details in events.values_list("created_at", "details").iterator(chunk_size=5000):
            out.add(timezone.localtime(created_at, SHANGHAI).date())
            for key in DEADLINE_KEYS:
                parsed = _parse_day((details or {}).get(key))
                if parsed:
                    out.add(parsed)
    fired = (Escalation.objects.filter(step__in=EscalationStep.values, fired_at__gte=since)
             .annotate(d=TruncDate("fired_at")).values_list("d", flat=True).distinct())
    out.update(fired)
    d = timezone.localtime(since, SHANGHAI).date()
    while d <= today:
        out.add(d)
        d += timedelta(days=1)
    return sorted(out)


def _parse_day(value) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return timezone.localtime(datetime.fromisoformat(value), SHANGHAI).date()
    except ValueError:
        return None


def day_runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days merged into half-open [start, end) runs."""
    runs: list[list[date]] = []
    for d in sorted(set(days)):
        if runs and runs[-1][1] == d:
            runs[-1][1] = d + timedelta(days=1)
        else:
            runs.append([d, d + timedelta(days=1)])
    return [(a, b) for a, b in runs]


def warm_calendar(cal: WorkingCalendar, lo: date, hi: date) -> WorkingCalendar:
    """Load the calendar for [lo, hi] up front: two queries instead of one per
    day near the end of the range (each lookup wants three weeks of slack)."""
    cal.day(lo)
    cal.day(hi)
    return cal


def local_midnight(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), tzinfo=SHANGHAI)


# ---------------------------------------------------------------- ordinals

def rebuild_ordinals(*, today: date) -> int:
    """Working-day ordinals from just before the oldest receipt or answer to a
    month ahead. Returns the number of dates."""
    bounds = WorkOrder.objects.aggregate(r=Min("receipt_date"), a=Min("answered_at"))
    first = min([d for d in (bounds["r"], bounds["a"] and timezone.localtime(bounds["a"], SHANGHAI).date())
                 if d] or [today])
    start, end = first - timedelta(days=1), max(today, first) + timedelta(days=31)
    cal = warm_calendar(WorkingCalendar(), start, end)
    rows, n, d = [], 0, start
    while d <= end:
        if cal.is_working_day(d):
            n += 1
        rows.append(WorkingDayOrdinal(date=d, ordinal=n))
        d += timedelta(days=1)
    WorkingDayOrdinal.objects.all().delete()
    WorkingDayOrdinal.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# ---------------------------------------------------------------- SQL helpers

_TZ_NAME = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def _local_date(column: str) -> str:
    """SQL for the Asia/Shanghai calendar date of a timestamp column."""
    if connection.vendor == "postgresql":
        tz = settings.TIME_ZONE
        assert _TZ_NAME.match(tz), tz
        return f"(({column}) AT TIME ZONE '{tz}')::date"
    hours = int(timezone.now().astimezone(SHANGHAI).utcoffset().total_seconds() // 3600)
    return f"date({column}, '{hours:+d} hours')"


def _ts(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: date):
    return connection.ops.adapt_datefield_value(value)


def _in_days(column: str, runs, *, is_date: bool) -> tuple[str, list]:
    """`AND (column in one of the runs)`, index-friendly; empty for all days."""
    if runs is None:
        return "", []
    if not runs:
        return " AND 1 = 0", []
    parts, params = [], []
    for a, b in runs:
        parts.append(f"({column} >= %s AND {column} < %s)")
        params += [_d(a), _d(b)] if is_date else [_ts(local_midnight(a)), _ts(local_midnight(b))]
    return " AND (" + " OR ".join(parts) + ")", params


def _measures(exprs: dict[str, str]) -> str:
    return ", ".join(f"{exprs.get(f, '0')} AS {f}" for f in COUNT_FIELDS)


def _tables():
    q = connection.ops.quote_name
    return {
        "wo": q(WorkOrder._meta.db_table), "ev": q(WorkOrderEvent._meta.db_table),
        "esc": q(Escalation._meta.db_table), "ord": q(WorkingDayOrdinal._meta.db_table),
        "counts": q(AgencyDailyCounts._meta.db_table), "snap": q(BacklogSnapshot._meta.db_table),
    }


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


# ---------------------------------------------------------------- counts

def counts_select(*, days: list[date] | None, now: datetime) -> tuple[str, list]:
    """The SELECT producing AgencyDailyCounts rows for `days` (None: all): the
    union of one grouped sub-select per kind of fact, summed per (day, agency, court)."""
    t = _tables()
    runs = day_runs(days) if days is not None else None
    parts = [_received_select(t, runs), _answered_select(t, runs), _due_select(t, runs, now),
             _events_select(t, runs), _escalations_select(t, runs)]
    union = " UNION ALL ".join(sql for sql, _ in parts)
    params = [p for _, part_params in parts for p in part_params]
    sums = ", ".join(f"SUM({f})" for f in COUNT_FIELDS)
    sql = f"SELECT u.day, u.agency_id, u.court_id, {sums} FROM ({union}) u GROUP BY u.day, u.agency_id, u.court_id"
    return sql, params


def _received_select(t, runs) -> tuple[str, list]:
    f_receipt, params = _in_days("w.receipt_date", runs, is_date=True)
    sql = (f"SELECT w.receipt_date AS day, w.agency_id, w.court_id, {_measures({'received': 'COUNT(*)'})} "
           f"FROM {t['wo']} w WHERE w.receipt_date IS NOT NULL AND w.{EVER_SUBMITTED_SQL}{f_receipt} "
           f"GROUP BY 1, 2, 3")
    return sql, params


def _answered_select(t, runs) -> tuple[str, list]:
    answered_day = _local_date("w.answered_at")
    f_answer, params = _in_days("w.answered_at", runs, is_date=False)
    hist = {name: f"SUM(CASE WHEN x.wd = {i} THEN 1 ELSE 0 END)" for i, name in enumerate(HISTOGRAM_FIELDS)}
    hist[HISTOGRAM_FIELDS[-1]] = f"SUM(CASE WHEN x.wd >= {HISTOGRAM_DAYS} THEN 1 ELSE 0 END)"
    sql = (
        f"SELECT x.day, x.agency_id, x.court_id, "
        f"{_measures({'answered': 'COUNT(*)', 'response_days_sum': 'SUM(x.wd)', **hist})} "
        f"FROM (SELECT {answered_day} AS day, w.agency_id, w.court_id, "
        f"CASE WHEN a.ordinal > r.ordinal THEN a.ordinal - r.ordinal ELSE 0 END AS wd "
        f"FROM {t['wo']} w LEFT JOIN {t['ord']} r ON r.date = w.receipt_date "
        f"LEFT JOIN {t['ord']} a ON a.date = {answered_day} "
        f"WHERE w.answered_at IS NOT NULL{f_answer}) x GROUP BY 1, 2, 3")
    return sql, params


def _due_select(t, runs, now) -> tuple[str, list]:
    """Deadlines falling on each day and how they were met. Returned work orders
    wait on the court; withdrawn ones count only if they were answered or
    withdrawn after falling due (unanswered: late)."""
    f_due, p = _in_days("w.due_at", runs, is_date=False)
    counted = RUNNING + [Status.ANSWERED.value, Status.CLOSED.value]
    sql = (
        f"SELECT {_local_date('w.due_at')} AS day, w.agency_id, w.court_id, " + _measures({
            "due": "COUNT(*)",
            "on_time": "SUM(CASE WHEN w.answered_at IS NOT NULL AND w.answered_at <= w.due_at THEN 1 ELSE 0 END)",
            "late_answered": "SUM(CASE WHEN w.answered_at > w.due_at THEN 1 ELSE 0 END)",
            "late_unanswered": "SUM(CASE WHEN w.answered_at IS NULL AND w.due_at < %s THEN 1 ELSE 0 END)",
            "pending": "SUM(CASE WHEN w.answered_at IS NULL AND w.due_at >= %s THEN 1 ELSE 0 END)",
        }) + f" FROM {t['wo']} w WHERE w.due_at IS NOT NULL AND ("
        f"w.status IN ({_placeholders(counted)}) OR (w.status = %s "
        f"AND (w.answered_at IS NOT NULL OR w.withdrawn_at > w.due_at))){f_due} GROUP BY 1, 2, 3")
    return sql, [_ts(now), _ts(now), *counted, Status.WITHDRAWN.value, *p]


def _events_select(t, runs) -> tuple[str, list]:
    f_event, p = _in_days("e.created_at", runs, is_date=False)
    returned, approved = EventAction.RETURNED.value, EventAction.EXTENSION_APPROVED.value
    sql = (
        f"SELECT {_local_date('e.created_at')} AS day, w.agency_id, w.court_id, " + _measures({
            "returns": "SUM(CASE WHEN e.action = %s THEN 1 ELSE 0 END)",
            "extensions": "SUM(CASE WHEN e.action = %s THEN 1 ELSE 0 END)",
        }) + f" FROM {t['ev']} e JOIN {t['wo']} w ON w.id = e.work_order_id "
        f"WHERE e.action IN (%s, %s){f_event} GROUP BY 1, 2, 3")
    return sql, [returned, approved, returned, approved, *p]


def _escalations_select(t, runs) -> tuple[str, list]:
    f_fired, p = _in_days("x.fired_at", runs, is_date=False)
    steps = {"esc_warning": EscalationStep.WARNING, "esc_overdue": EscalationStep.OVERDUE,
             "esc_center": EscalationStep.CENTER, "esc_supervision": EscalationStep.SUPERVISION}
    sql = (
        f"SELECT {_local_date('x.fired_at')} AS day, w.agency_id, w.court_id, "
        + _measures({k: f"SUM(CASE WHEN x.step = {int(v)} THEN 1 ELSE 0 END)" for k, v in steps.items()})
        + f" FROM {t['esc']} x JOIN {t['wo']} w ON w.id = x.work_order_id "
        f"WHERE x.step IN ({', '.join(str(int(v)) for v in steps.values())}){f_fired} GROUP BY 1, 2, 3")
    return sql, p


def refresh_counts(*, days: list[date] | None, now: datetime) -> int:
    """Replace the AgencyDailyCounts rows of `days` (None: all). Returns rows written."""
    t = _tables()
    select, params = counts_select(days=days, now=now)
    with connection.cursor() as cur:
        if days is None:
            cur.execute(f"DELETE FROM {t['counts']}")
        else:
            for chunk in range(0, len(days), 500):
                part = days[chunk:chunk + 500]
                cur.execute(f"DELETE FROM {t['counts']} WHERE day IN ({', '.join(['%s'] * len(part))})",
                            [_d(d) for d in part])
            if not days:
                return 0
        columns = ", ".join(["day", "agency_id", "court_id", *COUNT_FIELDS])
        cur.execute(f"INSERT INTO {t['counts']} ({columns}) {select}", params)
        return cur.rowcount


# ---------------------------------------------------------------- backlog

def snapshot_today(*, now: datetime) -> int:
    """Today's backlog as of `now`, from the open rows only."""
    t = _tables()
    today = timezone.localtime(now, SHANGHAI).date()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {t['snap']} WHERE day = %s", [_d(today)])
        overdue, overdue_params = overdue_sql(_ts(now))
        running, running_params = running_sql()
        cur.execute(
            f"INSERT INTO {t['snap']} (day, agency_id, court_id, type, open, overdue) "
            f"SELECT %s, agency_id, court_id, type, COUNT(*), SUM(CASE WHEN {overdue} THEN 1 ELSE 0 END) "
            f"FROM {t['wo']} WHERE {running} GROUP BY agency_id, court_id, type",
            [_d(today), *overdue_params, *running_params])
        written = cur.rowcount
    SnapshotDay.objects.update_or_create(day=today, defaults={"taken_at": now, "reconstructed": False})
    return written


def _ended_at():
    """When a work order left the agency's hands, as far as its row tells."""
    return Case(
        When(status__in=RUNNING, then=Value(None)),
        When(status=Status.WITHDRAWN, then=Coalesce("answered_at", "withdrawn_at")),
        When(status=Status.RETURNED, then=F("updated_at")),
        default=F("answered_at"),
        output_field=DateTimeField(),
    )


def reconstruct_snapshots(*, today: date, now: datetime) -> int:
    """Fill the days of the trend window that have no snapshot.

    A work order counts as open at the end of day d if it was submitted by then
    and had not yet been answered, withdrawn or returned; overdue if besides its
    due date had passed. Each work order adds +1 on the day it opens (or falls
    due) and -1 on the day it ends; four grouped queries collect those deltas
    and the running sum per (agency, court, type) gives each day. Only the
    current state of a work order is known, so a deadline moved by an extension
    counts from its new date; observed snapshots are kept where they exist."""
    window = [today - timedelta(days=i) for i in range(TREND_DAYS - 1, 0, -1)]
    have = set(SnapshotDay.objects.filter(day__gte=window[0]).values_list("day", flat=True))
    missing = [d for d in window if d not in have]
    if not missing:
        return 0
    d0, d1 = missing[0], missing[-1]
    e0, e1 = local_midnight(d0 + timedelta(days=1)), local_midnight(d1 + timedelta(days=1))
    base = (WorkOrder.objects.ever_submitted()
            .filter(submitted_at__lt=e1)
            .annotate(ended=_ended_at())
            .filter(Q(ended__isnull=True) | Q(ended__gte=e0))
            .annotate(sd=Greatest(TruncDate("submitted_at"), Value(d0, output_field=DateField())),
                      ed=TruncDate("ended")))
    key = ("agency_id", "court_id", "type")
    deltas: dict[tuple, dict[date, list[int]]] = {}

    def add(rows, day_field, index, sign):
        for row in rows:
            slot = deltas.setdefault(tuple(row[k] for k in key), {}).setdefault(row[day_field], [0, 0])
            slot[index] += sign * row["n"]

    add(base.values(*key, "sd").annotate(n=Count("id")), "sd", 0, +1)
    add(base.filter(ended__lt=e1).values(*key, "ed").annotate(n=Count("id")), "ed", 0, -1)
    overdue = (base.filter(due_at__isnull=False)
               .annotate(od=Greatest(F("sd"), TruncDate("due_at")))
               .filter(od__lte=d1).filter(Q(ended__isnull=True) | Q(ed__gt=F("od"))))
    add(overdue.values(*key, "od").annotate(n=Count("id")), "od", 1, +1)
    add(overdue.filter(ended__lt=e1).values(*key, "ed").annotate(n=Count("id")), "ed", 1, -1)

    wanted = set(missing)
    rows = []
    for (agency_id, court_id, type_), by_day in deltas.items():
        open_, overdue_n, d = 0, 0, d0
        while d <= d1:
            o, v = by_day.get(d, (0, 0))
            open_, overdue_n = open_ + o, overdue_n + v
            if d in wanted and (open_ or overdue_n):
                rows.append(BacklogSnapshot(day=d, agency_id=agency_id, court_id=court_id, type=type_,
                                            open=open_, overdue=overdue_n))
            d += timedelta(days=1)
    BacklogSnapshot.objects.filter(day__in=missing).delete()
    BacklogSnapshot.objects.bulk_create(rows, batch_size=2000)
    SnapshotDay.objects.bulk_create(
        [SnapshotDay(day=d, taken_at=now, reconstructed=True) for d in missing], ignore_conflicts=True)
    return len(missing)
