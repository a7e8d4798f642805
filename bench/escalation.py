"""Escalation sweep benchmark on PostgreSQL.

    make bench-escalation            # or: .venv/bin/python bench/escalation.py

Builds its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/eh_bench_escalation; dropped and recreated),
then measures, with 10,000 work orders newly due (each one rung: step 1, overdue):
  1. the sweep when the table holds just those 10,000 rows;
  2. the same sweep after 990,000 more rows are added (1,000,000 in all);
  3. a no-op sweep at 1,000,000 rows (nothing due; median of 5 runs);
  4. SQL statements per 1,000 escalations;
  5. a per-object save() loop doing the same work (1,000 rows, extrapolated to 10,000).
The last line printed is JSON with the figures.
"""
import json
import os
import statistics
import time
from datetime import timedelta

from benchdb import recreate_database, setup_django  # noqa: E402  (sets sys.path)

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eh_bench_escalation")
DUE, TOTAL, LOOP_SAMPLE = 10_000, int(os.environ.get("BENCH_TOTAL", 1_000_000)), 1_000


INSERT = """
INSERT INTO workorders_workorder (
    case_id, court_id, judge_id, respondent_id, agency_id, duty_id, type, subject, details, batch_id,
    status, created_at, updated_at, submitted_at, receipt_date, period_days, due_at, due_provisional,
    signed_at, answered_at, closed_at, withdrawn_at, return_count, escalation_level, next_escalation_at)
SELECT %(case0)s + (g %% %(cases)s), %(court)s, %(judge)s, NULL,
    (%(agency_ids)s::bigint[])[1 + g %% %(duties)s], (%(duty_ids)s::bigint[])[1 + g %% %(duties)s],
    'query', 'bench ' || g, '', NULL,
    s.status, %(now)s, %(now)s, %(now)s - interval '3 days', (%(now)s - interval '3 days')::date, 1,
    s.due_at, false, NULL, NULL, NULL, NULL, 0, s.level, s.next_at
FROM generate_series(1, %(n)s) AS g
CROSS JOIN LATERAL (SELECT {status} AS status, {due} AS due_at, {level} AS level, {next_at} AS next_at) s
"""


def insert_rows(cur, n, now, judge_id, cases, duties, *, due):
    """cases: (first id, count, court id); duties: [(duty id, agency id)]."""
    if due:   # signed, due an hour ago, warned; the overdue rung is due now
        shape = dict(status="'signed'", due="%(now)s - interval '1 hour'", level="1",
                     next_at="%(now)s - interval '1 hour'")
    else:     # background: mostly closed, some open and not yet due
        shape = dict(
            status="(CASE WHEN g %% 10 = 0 THEN 'signed' WHEN g %% 10 = 1 THEN 'answered' ELSE 'closed' END)",
            due="%(now)s + ((g %% 20) || ' days')::interval - interval '10 days'",
            level="0",
            next_at="(CASE WHEN g %% 10 = 0 THEN %(now)s + interval '2 days' END)")
    cur.execute(INSERT.format(**shape), {
        "judge": judge_id, "now": now, "n": n, "case0": cases[0], "cases": cases[1], "court": cases[2],
        "duties": len(duties), "duty_ids": [d for d, _ in duties], "agency_ids": [a for _, a in duties]})


def reset(cur, now):
    cur.execute("DELETE FROM notifications_notification WHERE kind = 'escalation'")
    cur.execute("DELETE FROM workorders_workorderevent WHERE action = 'escalated'")
    cur.execute("DELETE FROM workorders_escalation")
    cur.execute("UPDATE workorders_workorder SET escalation_level = 1, next_escalation_at = due_at "
                "WHERE subject LIKE 'bench %%' AND status = 'signed' AND due_at < %s", [now])
    cur.execute("VACUUM ANALYZE")


def timed_sweep(now):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from workorders.sweep import escalate_due

    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        result = escalate_due(now=now, batch_size=1000)
        seconds = time.perf_counter() - t
    return seconds, result, len(ctx.captured_queries)


def per_object_loop(now, sample):
    """The naive shape: one row at a time, a save() and creates per object."""
    from django.contrib.auth import get_user_model

    from notifications.models import Notification
    from workorders.models import Escalation, EscalationStep, WorkOrder, WorkOrderEvent

    User = get_user_model()
    t = time.perf_counter()
    for wo in WorkOrder.objects.filter(status="signed", next_escalation_at__lte=now)[:sample]:
        people = list(User.objects.filter(agency_memberships__agency_id=wo.agency_id))
        wo.escalation_level = EscalationStep.OVERDUE
        wo.next_escalation_at = now + timedelta(days=1)
        wo.save()
        Escalation.objects.create(work_order=wo, step=EscalationStep.OVERDUE, due_at=wo.due_at, fired_at=now,
                                  notified=len(people))
        WorkOrderEvent.objects.create(work_order=wo, action="escalated", details={"step": 2})
        for p in people:
            Notification.objects.create(recipient=p, kind="escalation", title=f"{wo.pk} overdue", work_order=wo)
    return (time.perf_counter() - t) * (DUE / sample)


def main():
    recreate_database(BENCH_URL)
    setup_django(BENCH_URL, calendar_years=(2025, 2026))
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from cases.models import Court, EnforcementCase

    now = timezone.now().replace(microsecond=0)
    judge = get_user_model().objects.get(username="judge")
    court = Court.objects.get(code="津0105")
    EnforcementCase.objects.bulk_create(
        EnforcementCase(number=f"（2026）津0105执{i}号", court=court, judge=judge, amount=Decimal(1000))
        for i in range(1, 1001))
    from agencies.models import Duty

    first_case = EnforcementCase.objects.order_by("id").values_list("id", flat=True).first()
    cases = (first_case, 1000, court.pk)
    duties = list(Duty.objects.order_by("id").values_list("id", "agency_id"))
    with connection.cursor() as cur:
        t = time.perf_counter()
        insert_rows(cur, DUE, now, judge.pk, cases, duties, due=True)
        cur.execute("VACUUM ANALYZE")
    print(f"built {DUE} due work orders in {time.perf_counter() - t:.1f}s", flush=True)

    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        with cProfile.Profile() as prof:
            timed_sweep(now)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(30)
        with connection.cursor() as cur:
            reset(cur, now)
    small_s, small_result, _ = timed_sweep(now)
    assert small_result.escalations == DUE, small_result.as_dict()
    print(f"sweep at {DUE} rows: {small_s:.3f}s {small_result.as_dict()}", flush=True)

    with connection.cursor() as cur:
        reset(cur, now)
        t = time.perf_counter()
        insert_rows(cur, TOTAL - DUE, now, judge.pk, cases, duties, due=False)
        cur.execute("VACUUM ANALYZE")
        cur.execute("SELECT count(*) FROM workorders_workorder")
        total = cur.fetchone()[0]
    print(f"grew the table to {total} work orders in {time.perf_counter() - t:.1f}s", flush=True)

    big_s, big_result, queries = timed_sweep(now)
    assert big_result.escalations == DUE, big_result.as_dict()
    print(f"sweep at {total} rows: {big_s:.3f}s, {queries} SQL statements", flush=True)

    noop = []
    for _ in range(5):
        s, r, _ = timed_sweep(now)
        assert r.escalations == 0
        noop.append(s)
    print(f"no-op sweeps at {total} rows: {[round(x * 1000, 1) for x in noop]} ms", flush=True)

    with connection.cursor() as cur:
        reset(cur, now)
    loop_s = per_object_loop(now, LOOP_SAMPLE)
    print(f"per-object save() loop: {loop_s:.1f}s for {DUE} (from {LOOP_SAMPLE})", flush=True)

    figures = {
        "work_orders": total,
        "escalations": DUE,
        "sweep_seconds_1m": round(big_s, 3),
        "sweep_seconds_10k": round(small_s, 3),
        "ratio_1m_over_10k": round(big_s / small_s, 2),
        "noop_sweep_ms_1m": round(statistics.median(noop) * 1000, 1),
        "sql_queries_per_1000_escalations": round(queries / (DUE / 1000), 1),
        "per_object_loop_seconds_10k": round(loop_s, 1),
        "speedup_vs_loop": round(loop_s / big_s, 1),
        "speedup_vs_reference_helpdesk_65s": round(65 / big_s, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
