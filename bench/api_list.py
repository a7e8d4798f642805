"""Work-order list API benchmark on PostgreSQL and gunicorn, 127.0.0.1 only.

    .venv/bin/python bench/api_list.py

Builds its own database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/eh_bench_api; dropped and recreated, dropped
again at the end unless BENCH_KEEP=1), seeds the reference data and an API key
of the police (PSB), and fills work orders with INSERT … SELECT generate_series
(no ORM per row). Then, against gunicorn on 127.0.0.1 (EH_API_BENCH=1 routes
the bare view):
  1. the first page's latency (50 rows, filtered: two statuses, the key's
     agency scope) at 10,000 work orders, sequential requests, median;
  2. the same after growing the table to 1,000,000 rows (VACUUM ANALYZE);
  3. throughput and p95 latency of that list request and of a bare Django
     JSON view on the same server, and of the floor under them: the bare
     view's body behind the API's key lookup, per-key throttle and DRF
     dispatch (no data read). BENCH_CLIENTS concurrent client processes, each
     a bounded loop: BENCH_ROUNDS rounds alternating the three endpoints (so a
     change in machine load hits all alike), BENCH_REQUESTS
     requests per endpoint and round, at most BENCH_SECONDS each; the median
     round's requests/s and the p95 over all rounds are reported.
Targets: list ≥ 1/3 of the bare view's requests/s; first page at 1M ≤ 2× at 10k.
The last line printed is JSON with the figures.
"""
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchdb import recreate_database, setup_django  # noqa: E402
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eh_bench_api")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SMALL, TOTAL = 10_000, int(os.environ.get("BENCH_TOTAL", 1_000_000))
CPUS = os.cpu_count() or 2
WORKERS = int(os.environ.get("BENCH_WORKERS", CPUS))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", CPUS * 2))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 1000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
SECONDS = float(os.environ.get("BENCH_SECONDS", 60))
LATENCY_SAMPLES = 60
HOST = "127.0.0.1"
LIST_QUERY = "/api/v1/work-orders/?status=submitted&status=signed&page_size=50"
BARE_PATH = "/api/bench/bare/"
FLOOR_PATH = "/api/bench/authenticated/"


# ---------------------------------------------------------------- database

INSERT = """
INSERT INTO workorders_workorder (
    case_id, court_id, judge_id, respondent_id, agency_id, duty_id, type, subject, details, batch_id,
    status, created_at, updated_at, submitted_at, receipt_date, period_days, due_at, due_provisional,
    signed_at, answered_at, closed_at, withdrawn_at, return_count, escalation_level, next_escalation_at)
SELECT c.case_id, c.court_id, c.judge_id, c.respondent_id,
    (%(agency_ids)s::bigint[])[1 + g %% %(duties)s], (%(duty_ids)s::bigint[])[1 + g %% %(duties)s],
    'query', '查询被执行人信息 ' || g, '请协助', NULL,
    s.status, t.at, t.at, CASE WHEN s.status <> 'draft' THEN t.at END,
    CASE WHEN s.status <> 'draft' THEN t.at::date END, 1,
    CASE WHEN s.status <> 'draft' THEN t.at + interval '1 day' END, false,
    CASE WHEN s.status IN ('signed', 'answered', 'closed') THEN t.at + interval '1 hour' END,
    CASE WHEN s.status IN ('answered', 'closed') THEN t.at + interval '20 hours' END,
    CASE WHEN s.status = 'closed' THEN t.at + interval '2 days' END,
    NULL, 0, 0, NULL
FROM generate_series(%(first)s, %(last)s) AS g
JOIN LATERAL (SELECT (CASE g %% 20 WHEN 0 THEN 'draft' WHEN 1 THEN 'submitted' WHEN 2 THEN 'submitted'
                      WHEN 3 THEN 'signed' WHEN 4 THEN 'signed' WHEN 5 THEN 'signed' WHEN 6 THEN 'answered'
                      WHEN 7 THEN 'answered' ELSE 'closed' END) AS status) s ON true
JOIN LATERAL (SELECT %(now)s - ((%(last_all)s - g) || ' minutes')::interval AS at) t ON true
JOIN bench_cases c ON c.n = g %% %(cases)s
"""


def build_reference(now):
    """1,000 cases with a respondent each, in a helper table the INSERT joins."""
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.db import connection

    from agencies.models import Duty
    from cases.models import Court, EnforcementCase, Party

    judge = get_user_model().objects.get(username="judge")
    court = Court.objects.get(code="津0105")
    cases = EnforcementCase.objects.bulk_create(
        EnforcementCase(number=f"（2026）津0105执{i}号", court=court, judge=judge, amount=Decimal(1000))
        for i in range(1, 1001))
    parties = Party.objects.bulk_create(
        Party(case=c, role="respondent", kind="person", name=f"被执行人{c.pk}", id_number="120105198001011234")
        for c in cases)
    with connection.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE bench_cases (n int primary key, case_id bigint, court_id bigint, "
                    "judge_id bigint, respondent_id bigint)")
        cur.executemany("INSERT INTO bench_cases VALUES (%s, %s, %s, %s, %s)",
                        [(i, c.pk, court.pk, judge.pk, p.pk) for i, (c, p) in enumerate(zip(cases, parties))])
    return list(Duty.objects.order_by("id").values_list("id", "agency_id"))


def insert_rows(first, last, now, duties):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(INSERT, {"first": first, "last": last, "last_all": TOTAL, "now": now, "cases": 1000,
                             "duties": len(duties), "duty_ids": [d for d, _ in duties],
                             "agency_ids": [a for _, a in duties]})
        cur.execute("VACUUM ANALYZE workorders_workorder")
        cur.execute("SELECT count(*) FROM workorders_workorder")
        return cur.fetchone()[0]


# ---------------------------------------------------------------- server and client

def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(port):
    env = {**os.environ, "DATABASE_URL": BENCH_URL, "EH_API_BENCH": "1", "DEBUG": "false",
           "CONN_MAX_AGE": "600", "API_KEY_RATE": "100000000/min", "LOG_LEVEL": "WARNING",
           "ALLOWED_HOSTS": HOST, "DJANGO_SETTINGS_MODULE": "enforcement_hub.settings"}
    if REDIS_URL:
        env["REDIS_URL"] = REDIS_URL
    proc = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "enforcement_hub.wsgi:application", "-b", f"{HOST}:{port}",
         "-w", str(WORKERS), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if get(port, BARE_PATH, {})[0] == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start: " + proc.stderr.read().decode()[-2000:])


def get(port, path, headers):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        body = r.read()
        return r.status, body
    finally:
        conn.close()


def _client_loop(args):
    port, path, headers, count, seconds = args
    latencies, errors = [], 0
    stop = time.perf_counter() + seconds
    for _ in range(count):
        if time.perf_counter() > stop:
            break
        t = time.perf_counter()
        status, _ = get(port, path, headers)
        latencies.append(time.perf_counter() - t)
        errors += status != 200
    return latencies, errors


def load(pool, port, path, headers):
    """One round: CLIENTS processes share REQUESTS requests, bounded by SECONDS."""
    per_client = max(1, REQUESTS // CLIENTS)
    t = time.perf_counter()
    results = pool.map(_client_loop, [(port, path, headers, per_client, SECONDS)] * CLIENTS)
    elapsed = time.perf_counter() - t
    latencies = [x for lat, _ in results for x in lat]
    errors = sum(e for _, e in results)
    if errors:
        raise SystemExit(f"{errors} requests to {path} did not answer 200")
    return len(latencies) / elapsed, latencies


def compare(port, headers):
    """Alternate the three endpoints for ROUNDS rounds after a warm-up."""
    endpoints = (("bare", BARE_PATH, {}), ("floor", FLOOR_PATH, headers), ("list", LIST_QUERY, headers))
    out = {name: ([], []) for name, _, _ in endpoints}
    with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
        for _, path, hdrs in endpoints:
            pool.map(_client_loop, [(port, path, hdrs, 20, SECONDS)] * CLIENTS)
        for _ in range(ROUNDS):
            for name, path, hdrs in endpoints:
                rps, lat = load(pool, port, path, hdrs)
                out[name][0].append(rps)
                out[name][1].extend(lat)
    figures = {}
    for name, (rates, lat) in out.items():
        lat.sort()
        figures[name] = {"requests": len(lat), "rps": round(statistics.median(rates), 1),
                         "rps_rounds": [round(r) for r in rates],
                         "p50_ms": round(lat[len(lat) // 2] * 1000, 2),
                         "p95_ms": round(lat[int(len(lat) * 0.95) - 1] * 1000, 2)}
    return figures["bare"], figures["floor"], figures["list"]


def first_page_ms(port, headers):
    status, body = get(port, LIST_QUERY, headers)
    assert status == 200 and len(json.loads(body)["results"]) == 50, body[:300]
    samples = []
    for _ in range(LATENCY_SAMPLES):
        t = time.perf_counter()
        get(port, LIST_QUERY, headers)
        samples.append(time.perf_counter() - t)
    return round(statistics.median(samples) * 1000, 2)


def main():
    load_before = os.getloadavg()[0]  # other work on the machine skews every figure
    recreate_database(BENCH_URL)
    setup_django(BENCH_URL, calendar_years=(2025, 2026))
    from django.db import connections
    from django.utils import timezone

    from agencies.models import Agency
    from api.services import api_key_create

    now = timezone.now().replace(microsecond=0)
    duties = build_reference(now)
    key = api_key_create(name="bench", agency=Agency.objects.get(code="PSB")).raw
    headers = {"Authorization": f"Api-Key {key}"}
    t = time.perf_counter()
    rows = insert_rows(TOTAL - SMALL + 1, TOTAL, now, duties)
    print(f"built {rows} work orders in {time.perf_counter() - t:.1f}s", flush=True)
    connections.close_all()

    port = free_port()
    server = start_gunicorn(port)
    try:
        small_ms = first_page_ms(port, headers)
        print(f"first page at {rows} rows: {small_ms} ms (median of {LATENCY_SAMPLES})", flush=True)
        t = time.perf_counter()
        total = insert_rows(1, TOTAL - SMALL, now, duties)
        connections.close_all()
        print(f"grew the table to {total} work orders in {time.perf_counter() - t:.1f}s", flush=True)
        big_ms = first_page_ms(port, headers)
        print(f"first page at {total} rows: {big_ms} ms (median of {LATENCY_SAMPLES})", flush=True)
        bare, floor, listing = compare(port, headers)
        print(f"bare JSON view: {bare}", flush=True)
        print(f"same body behind API key, throttle and DRF: {floor}", flush=True)
        print(f"work-order list: {listing}", flush=True)
    finally:
        server.terminate()
        server.wait(30)
    if not os.environ.get("BENCH_KEEP"):
        recreate_database(BENCH_URL, drop_only=True)

    figures = {
        "work_orders": total, "gunicorn_workers": WORKERS, "clients": CLIENTS, "rounds": ROUNDS,
        "client": "http.client", "load_average_before": round(load_before, 2),
        "list_path": LIST_QUERY,
        "list_rps": listing["rps"], "list_p95_ms": listing["p95_ms"], "list_p50_ms": listing["p50_ms"],
        "bare_rps": bare["rps"], "bare_p95_ms": bare["p95_ms"], "bare_p50_ms": bare["p50_ms"],
        "floor_rps": floor["rps"], "floor_p95_ms": floor["p95_ms"], "floor_p50_ms": floor["p50_ms"],
        "list_over_bare_rps": round(listing["rps"] / bare["rps"], 3),
        "floor_over_bare_rps": round(floor["rps"] / bare["rps"], 3),
        "list_over_floor_rps": round(listing["rps"] / floor["rps"], 3),
        "first_page_ms_10k": small_ms, "first_page_ms_1m": big_ms,
        "first_page_ratio_1m_over_10k": round(big_ms / small_ms, 2),
        "target_list_at_least_third_of_bare": listing["rps"] >= bare["rps"] / 3,
        "target_first_page_1m_within_2x_10k": big_ms <= 2 * small_ms,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
