"""Dashboard benchmark on PostgreSQL.

    .venv/bin/python bench/dashboards.py

Builds its own databases (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/eh_bench_dash, and a copy named
eh_bench_dash_1m; both dropped and recreated, and dropped again at the end
unless BENCH_KEEP=1). Work orders are generated set-based (INSERT … SELECT over
generate_series, deadlines from the real working-day calendar): 10,000 in the
first database; the second starts as a copy of it (CREATE DATABASE … TEMPLATE)
and grows to 1,000,000. Each gets a full rollup run, VACUUM ANALYZE, and then
both are measured in-process with Django's test Client, as a center admin who
sees everything:

  * the overdue dashboard  GET /dashboards/
  * the scorecard page     GET /dashboards/scorecards/   (current quarter)
  * the XLSX export        GET /dashboards/overdue/export/?format=xlsx  (every overdue row)
  * the scorecards XLSX    GET /dashboards/scorecards/export/

Measurements alternate between the two databases round by round (each keeps
its own open connection), so that load from anything else on the machine
weighs on both sizes alike; reported are the median and min of 15 rounds after
2 warm-ups, with the SQL query count. Also reported: the full rollup at both
sizes and an incremental rollup after 1,000 work orders are answered.

The shape: an open backlog of 2,000 work orders (about half overdue, at every
escalation step) and the rest history over the last three years (answered on
time or late, closed, withdrawn, returned). Growing from 10,000 to 1,000,000
adds history, as a platform does over time; the backlog stays the same. A
last measurement (BENCH_STRESS=0 to skip) reopens 18,000 recent work orders, a
10x backlog, to show how the live parts follow the open rows.

The last line printed is JSON with the figures. Target: at 1M <= 2x at 10k.
"""
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import recreate_database  # noqa: E402
from benchdb import setup_django as benchdb_setup  # noqa: E402
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eh_bench_dash")
SMALL, LARGE = 10_000, int(os.environ.get("BENCH_TOTAL", 1_000_000))
BACKLOG, STRESS_BACKLOG = 2_000, 20_000
HISTORY_DAYS = 3 * 365
RUNS, WARMUP = 15, 2


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def database(action, url=BENCH_URL):
    recreate_database(url, drop_only=action != "create")


def setup_django():
    today = date.today()
    # No query log kept in memory.
    benchdb_setup(BENCH_URL, calendar_years=range(today.year - 3, today.year + 1),
                  env={"DEBUG": "0", "REDIS_URL": os.environ.get("REDIS_URL", "")})
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]


# ---------------------------------------------------------------- data

def prepare(now):
    """Temp tables the generator joins: working days with their ordinal, duties,
    courts with a judge, and the cases."""
    from django.db import connection

    from workorders.deadlines import WorkingCalendar

    cal = WorkingCalendar()
    start, end = now.date() - timedelta(days=HISTORY_DAYS + 30), now.date() + timedelta(days=90)
    cal.day(start)
    cal.day(end)
    days, d = [], start
    while d <= end:
        if cal.is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    today_ord = max(i for i, d in enumerate(days) if d <= now.date())
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE bench_wd (ord int PRIMARY KEY, d date NOT NULL)")
        cur.execute("INSERT INTO bench_wd SELECT * FROM unnest(%s::int[], %s::date[])",
                    [list(range(len(days))), days])
        cur.execute("""CREATE TABLE bench_duty AS
            SELECT row_number() OVER (ORDER BY d.id) - 1 AS n, d.id AS duty_id, d.agency_id, d.default_type AS type,
                   CASE d.default_type WHEN 'query' THEN 1 WHEN 'coordination' THEN 5 ELSE 10 END AS days
            FROM agencies_duty d""")
        cur.execute("""CREATE TABLE bench_court AS
            SELECT row_number() OVER (ORDER BY c.code) - 1 AS n, c.id AS court_id, c.code, m.user_id AS judge_id
            FROM cases_court c JOIN cases_judgemembership m ON m.court_id = c.id""")
        cur.execute("SELECT count(*) FROM bench_duty")
        duties = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM bench_court")
        courts = cur.fetchone()[0]
    return {"today_ord": today_ord, "duties": duties, "courts": courts, "now": now}


def add_cases(n, first):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO cases_enforcementcase (number, cause, amount, status, filed_on, created_at, court_id, judge_id)
            SELECT '（2026）' || c.code || '执B' || g || '号', '民间借贷纠纷', 100000, 'open',
                   %(today)s::date - (g %% 900), now(), c.court_id, c.judge_id
            FROM generate_series(%(first)s, %(last)s) g
            JOIN bench_court c ON c.n = g %% (SELECT count(*) FROM bench_court)""",
                    {"first": first, "last": first + n - 1, "today": date.today()})


# One INSERT … SELECT per batch. `h` is a hash of g that drives every choice,
# `o` the working-day ordinal of the submission (receipt) day.
WORK_ORDERS = """
INSERT INTO workorders_workorder (
    case_id, court_id, judge_id, respondent_id, agency_id, duty_id, type, subject, details, batch_id,
    status, created_at, updated_at, submitted_at, receipt_date, period_days, due_at, due_provisional,
    signed_at, answered_at, closed_at, withdrawn_at, return_count, escalation_level, next_escalation_at)
SELECT ec.id, ec.court_id, ec.judge_id, NULL, du.agency_id, du.duty_id, du.type,
       '协助查询被执行人财产 B' || g, '', NULL,
       x.status, x.submitted_at, x.submitted_at, x.submitted_at, rd.d, du.days, x.due_at, false,
       x.submitted_at + interval '1 hour', x.answered_at,
       CASE WHEN x.status = 'closed' THEN x.answered_at + interval '1 day' END,
       CASE WHEN x.status = 'withdrawn' THEN x.submitted_at + interval '2 hours' END,
       CASE WHEN x.status = 'returned' THEN 1 ELSE 0 END, x.level, NULL
FROM generate_series(%(first)s, %(last)s) g
CROSS JOIN LATERAL (SELECT (g * 2654435761) %% 1000003 AS h) hh
JOIN bench_duty du ON du.n = hh.h %% %(duties)s
JOIN cases_enforcementcase ec ON ec.id = %(case0)s + (g %% %(cases)s)
JOIN bench_wd rd ON rd.ord = %(ord_hi)s - (hh.h %% %(ord_span)s)
JOIN bench_wd dd ON dd.ord = rd.ord + du.days
CROSS JOIN LATERAL (
    SELECT (rd.d + time '09:00' + (hh.h %% 8) * interval '1 hour') AT TIME ZONE 'Asia/Shanghai' AS submitted_at,
           (dd.d + time '18:00') AT TIME ZONE 'Asia/Shanghai' AS due_at) t
CROSS JOIN LATERAL (
    SELECT t.submitted_at, t.due_at,
      CASE WHEN %(open)s THEN (CASE WHEN hh.h %% 3 = 0 THEN 'submitted' ELSE 'signed' END)
           WHEN hh.h %% 100 < 70 THEN 'closed' WHEN hh.h %% 100 < 84 THEN 'closed'
           WHEN hh.h %% 100 < 92 THEN 'answered' WHEN hh.h %% 100 < 97 THEN 'withdrawn'
           ELSE 'returned' END AS status,
      CASE WHEN %(open)s OR hh.h %% 100 >= 92 THEN NULL
           WHEN hh.h %% 100 < 70 OR hh.h %% 100 >= 84 THEN t.due_at - (1 + hh.h %% 20) * interval '1 hour'
           ELSE t.due_at + (1 + hh.h %% 72) * interval '1 hour' END AS answered_at,
      CASE WHEN NOT %(open)s OR t.due_at >= %(now)s THEN 0
           WHEN %(today_ord)s - dd.ord >= 3 THEN 4 WHEN %(today_ord)s - dd.ord >= 1 THEN 3 ELSE 2 END AS level) x
"""

EVENTS = """
INSERT INTO workorders_workorderevent (work_order_id, actor_id, action, from_status, to_status, details, created_at)
SELECT w.id, w.judge_id, 'submitted', 'draft', 'submitted', jsonb_build_object('due_at', w.due_at), w.submitted_at
FROM workorders_workorder w WHERE w.id >= %(id0)s
UNION ALL
SELECT w.id, NULL, 'answered', 'signed', 'answered', jsonb_build_object('on_time', w.answered_at <= w.due_at),
       w.answered_at
FROM workorders_workorder w WHERE w.id >= %(id0)s AND w.answered_at IS NOT NULL
UNION ALL
SELECT w.id, NULL, 'returned', 'signed', 'returned', '{"reason": "请补充"}'::jsonb, w.submitted_at + interval '3 hours'
FROM workorders_workorder w WHERE w.id >= %(id0)s AND w.status = 'returned'
"""

ESCALATIONS = """
INSERT INTO workorders_escalation (work_order_id, step, due_at, fired_at, notified)
SELECT w.id, s, w.due_at, w.due_at + (s - 2) * interval '1 day', 1
FROM workorders_workorder w CROSS JOIN generate_series(2, 4) s
WHERE w.id >= %(id0)s AND (
      (w.status IN ('submitted', 'signed') AND s <= w.escalation_level)
   OR (w.answered_at > w.due_at AND s = 2))
"""


def generate(ctx, n, *, open_rows, first_case, cases):
    """n work orders: `open_rows` of them the open backlog (submitted over the
    last 8 working days), the rest history over three years."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) + 1 FROM workorders_workorder")
        id0 = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM cases_enforcementcase WHERE id >= %s", [first_case])
        case0 = cur.fetchone()[0]
        common = {"duties": ctx["duties"], "case0": case0, "cases": cases, "now": ctx["now"],
                  "today_ord": ctx["today_ord"]}
        batch = 200_000
        history = n - open_rows
        done = 0
        while done < history:
            k = min(batch, history - done)
            cur.execute(WORK_ORDERS, {**common, "first": done + 1, "last": done + k, "open": False,
                                      "ord_hi": ctx["today_ord"] - 12, "ord_span": ctx["today_ord"] - 12})
            done += k
        if open_rows:
            cur.execute(WORK_ORDERS, {**common, "first": history + 1, "last": n, "open": True,
                                      "ord_hi": ctx["today_ord"] - 1, "ord_span": 8})
        cur.execute(EVENTS, {"id0": id0})
        cur.execute(ESCALATIONS, {"id0": id0})


def settle():
    """VACUUM ANALYZE before measuring, as autovacuum would have done on a live
    system: fresh statistics, hint bits set, no vacuum running mid-measurement."""
    from django.db import connection

    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    log(f"vacuum analyze {time.perf_counter() - t:.1f}s")


def stress(ctx, extra):
    """Reopen `extra` recent closed work orders with their deadlines of the last
    weeks: a 10x open backlog, most of it overdue at every step."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""
            UPDATE workorders_workorder w SET status = 'signed', answered_at = NULL, closed_at = NULL,
                   escalation_level = CASE WHEN w.due_at < %(now)s - interval '5 days' THEN 4
                                           WHEN w.due_at < %(now)s - interval '1 day' THEN 3 ELSE 2 END,
                   updated_at = %(now)s
            WHERE w.id IN (SELECT id FROM workorders_workorder WHERE status = 'closed'
                           ORDER BY due_at DESC LIMIT %(n)s)""", {"now": ctx["now"], "n": extra})
        cur.execute("ANALYZE workorders_workorder")


# ---------------------------------------------------------------- measure

PAGES = {
    "overdue_dashboard": "/dashboards/",
    "scorecards": "/dashboards/scorecards/",
    "overdue_xlsx": "/dashboards/overdue/export/?format=xlsx",
    "scorecards_xlsx": "/dashboards/scorecards/export/",
}


class Target:
    """One database with its own open connection and a logged-in client; the
    benchmark swaps it in as Django's default connection."""

    def __init__(self, label, name):
        from django.contrib.auth import get_user_model
        from django.db import connections
        from django.test import Client

        from workorders.models import WorkOrder

        base = connections["default"].settings_dict
        self.label = label
        self.wrapper = connections["default"].__class__({**base, "NAME": name}, "default")
        self.use()
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(username="center"))
        from django.utils import timezone

        self.size = {"work_orders": WorkOrder.objects.count(), "open": WorkOrder.objects.running().count(),
                     "overdue": WorkOrder.objects.overdue(timezone.now()).count()}

    def use(self):
        from django.db import connections

        connections["default"] = self.wrapper

    def get(self, url):
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return b"".join(response.streaming_content) if response.streaming else response.content

    def queries(self, url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        self.use()
        with CaptureQueriesContext(connection) as q:
            body = self.get(url)
        return len(q.captured_queries), len(body)


def measure(targets, runs=RUNS):
    """Each page on each database, interleaved round by round so that whatever
    else the machine is doing weighs on both sizes alike. Median (and min) ms."""
    times = {t.label: {name: [] for name in PAGES} for t in targets}
    for t in targets:
        t.use()
        for url in PAGES.values():
            for _ in range(WARMUP):
                t.get(url)
    for _ in range(runs):
        for t in targets:
            t.use()
            for name, url in PAGES.items():
                start = time.perf_counter()
                t.get(url)
                times[t.label][name].append((time.perf_counter() - start) * 1000)
    out = {}
    for t in targets:
        out[t.label] = dict(t.size)
        for name, url in PAGES.items():
            q, size = t.queries(url)
            series = times[t.label][name]
            out[t.label][name] = {"ms": round(statistics.median(series), 1), "min_ms": round(min(series), 1),
                                  "queries": q, "bytes": size}
            log(f"  {t.label} {name}: {out[t.label][name]}")
    return out


def rollup(full):
    from dashboards.services import refresh_rollups

    t = time.perf_counter()
    result = refresh_rollups(full=full)
    return {"ms": round((time.perf_counter() - t) * 1000, 1), "days": result.days,
            "reconstructed_days": result.reconstructed_days}


def touch(n):
    """n open work orders answered just now (as the answer service would:
    status, answered_at and updated_at set), so the next rollup has changes."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""UPDATE workorders_workorder SET status = 'answered', answered_at = now(), updated_at = now()
                       WHERE id IN (SELECT id FROM workorders_workorder WHERE status = 'signed'
                                    ORDER BY id LIMIT %s)""", [n])


def copy_database(source, target):
    """CREATE DATABASE … TEMPLATE: the 1M database starts as a file copy of the 10k one."""
    import psycopg2
    from django.db import connections

    connections.close_all()
    u = urlparse(BENCH_URL)
    conn = psycopg2.connect(host=u.hostname, port=u.port or 5432, user=u.username or "postgres",
                            password=u.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    conn.close()
    connections["default"].settings_dict["NAME"] = target


def main():
    from django.utils import timezone

    small_name = urlparse(BENCH_URL).path.lstrip("/")
    large_name = small_name + "_1m"
    large_url = BENCH_URL.rsplit("/", 1)[0] + "/" + large_name
    database("create")
    figures = {}
    try:
        setup_django()
        now = timezone.now()
        ctx = prepare(now)
        t = time.perf_counter()
        add_cases(SMALL // 5, 1)
        generate(ctx, SMALL, open_rows=BACKLOG, first_case=1, cases=SMALL // 5)
        log(f"generated {SMALL} in {time.perf_counter() - t:.1f}s")
        figures["rollup_full_10k"] = rollup(full=True)
        settle()

        copy_database(small_name, large_name)
        t = time.perf_counter()
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SELECT max(id) FROM cases_enforcementcase")
            first_case = cur.fetchone()[0] + 1
        more_cases = (LARGE - SMALL) // 5
        add_cases(more_cases, first_case)
        generate(ctx, LARGE - SMALL, open_rows=0, first_case=first_case, cases=more_cases)
        log(f"generated {LARGE - SMALL} more in {time.perf_counter() - t:.1f}s")
        figures["rollup_full_1m"] = rollup(full=True)
        settle()
        with connection.cursor() as cur:
            cur.execute("CHECKPOINT")

        small, large = Target("10k", small_name), Target("1m", large_name)
        measured = measure([small, large])
        figures["10k"], figures["1m"] = measured["10k"], measured["1m"]
        figures["ratio_1m_over_10k"] = {
            name: round(figures["1m"][name]["ms"] / figures["10k"][name]["ms"], 2) for name in PAGES}
        figures["target_met"] = all(r <= 2 for r in figures["ratio_1m_over_10k"].values())

        large.use()
        touch(1000)
        figures["rollup_incremental_1m_after_1000_answers"] = rollup(full=False)
        if os.environ.get("BENCH_STRESS", "1") != "0":
            stress(ctx, STRESS_BACKLOG - BACKLOG)
            figures["rollup_incremental_1m_stress"] = rollup(full=False)
            settle()
            figures["1m_10x_backlog"] = measure([Target("1m_10x_backlog", large_name)])["1m_10x_backlog"]
        figures["shape"] = {"backlog_open": BACKLOG, "history_days": HISTORY_DAYS, "runs": RUNS,
                            "measure": "server time in-process (django.test.Client), median of interleaved "
                                       "runs, ms; ratio on medians"}
    finally:
        from django.db import connections

        for t in ("small", "large"):
            w = locals().get(t)
            if w is not None:
                w.wrapper.close()
        connections.close_all()
        if os.environ.get("BENCH_KEEP") != "1":
            database("drop")
            database("drop", large_url)
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
