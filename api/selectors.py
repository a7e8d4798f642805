"""Reads the API needs beyond the shared selectors; scoped the same way."""
from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.contrib.auth import get_user_model

from agencies.models import Agency, Duty
from agencies.roles import roles_of
from cases.models import Court, EnforcementCase, Party
from workorders.deadlines import SHANGHAI
from workorders.models import WorkOrder, overdue_q
from workorders.selectors import work_order_scope, work_orders_for

from .models import ApiKey

User = get_user_model()


def work_orders_for_api(user) -> QuerySet[WorkOrder]:
    """The shared scope as model instances, for a detail: joins case, judge and
    respondent; court, agency and duty come by prefetch (see `work_order_rows_for`
    on the cost of planning wide joins)."""
    return (work_orders_for(user)
            .select_related("case", "judge", "respondent")
            .prefetch_related("court", "agency", "duty")
            .with_pending_extension())


LIST_COLUMNS = (
    "id", "status", "type", "subject", "case_id", "court_id", "agency_id", "duty_id", "judge_id", "respondent_id",
    "submitted_at", "receipt_date", "due_at", "due_provisional", "escalation_level", "return_count",
    "signed_at", "answered_at", "closed_at", "withdrawn_at", "created_at", "updated_at", "pending_extension",
)
_ROWS_BASE = None


def work_order_rows_for(user) -> QuerySet:
    """The shared scope (`work_order_scope`, the one rule) as plain rows, dicts
    of LIST_COLUMNS, for list pages; `related_of` adds what they point at.

    A list page is the API's hot path. It reads one table, builds no model
    instances, and builds its column list once per process. Joins would cost
    more than the page: PostgreSQL spends ~13 ms *planning* the seven-table
    join of `work_orders_for_list` (join-order search) and ~0.1 ms for this one."""
    global _ROWS_BASE
    if _ROWS_BASE is None:
        _ROWS_BASE = WorkOrder.objects.with_pending_extension("pending_extension").values(*LIST_COLUMNS)
    return _ROWS_BASE.filter(work_order_scope(user))


# kind, table, id column in the rows, three text columns
_RELATED = (
    ("case", EnforcementCase, "case_id", ("number", "NULL", "NULL")),
    ("court", Court, "court_id", ("code", "name", "NULL")),
    ("agency", Agency, "agency_id", ("code", "name", "NULL")),
    ("duty", Duty, "duty_id", ("code", "name", "NULL")),
    ("judge", User, "judge_id", ("username", "first_name", "last_name")),
    ("respondent", Party, "respondent_id", ("name", "kind", "id_number")),
)


def _related_select(kind, model, cols) -> str:
    texts = ", ".join("CAST(NULL AS TEXT)" if c == "NULL" else f"CAST({c} AS TEXT)" for c in cols)
    return f"SELECT '{kind}', id, {texts} FROM {model._meta.db_table} WHERE id"


_RELATED_SELECTS = [(_related_select(kind, model, cols), col) for kind, model, col, cols in _RELATED]


def related_of(rows) -> dict:
    """{(kind, id): (a, b, c)} for the cases, courts, agencies, duties, judges
    and respondents a page of rows points at, in one query of index lookups
    (hand-written: the ORM's UNION costs more to build than to run)."""
    # PostgreSQL takes each id list as one array parameter (cheaper to send and
    # parse); the embedded SQLite gets plain IN lists.
    as_array = connection.vendor == "postgresql"
    parts, params = [], []
    for select, col in _RELATED_SELECTS:
        ids = sorted({r[col] for r in rows if r[col] is not None})
        if not ids:
            continue
        if as_array:
            parts.append(f"{select} = ANY(%s)")
            params.append(ids)
        else:
            parts.append(f"{select} IN ({', '.join(['%s'] * len(ids))})")
            params += ids
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return {(kind, pk): (a, b, c) for kind, pk, a, b, c in cursor.fetchall()}


def row_of(wo: WorkOrder) -> tuple[dict, dict]:
    """A work-order instance as (row, related), so a detail renders like a list row."""
    row = {c: getattr(wo, c) for c in LIST_COLUMNS if c != "pending_extension"}
    row["pending_extension"] = wo.has_pending_extension
    related = {("case", wo.case_id): (wo.case.number, None, None),
               ("court", wo.court_id): (wo.court.code, wo.court.name, None),
               ("agency", wo.agency_id): (wo.agency.code, wo.agency.name, None),
               ("duty", wo.duty_id): (wo.duty.code, wo.duty.name, None),
               ("judge", wo.judge_id): (wo.judge.username, wo.judge.first_name, wo.judge.last_name)}
    if wo.respondent_id:
        r = wo.respondent
        related[("respondent", r.pk)] = (r.name, r.kind, r.id_number)
    return row, related


KEY_PREFIX = "eh_"
KEY_PREFIX_LEN = 12
_KEY_QUERY = None


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _key_query():
    """The key-and-user SQL, its compiler and the backend's value converters
    (SQLite hands back text for datetimes; PostgreSQL needs none), built once."""
    fields = list(ApiKey._meta.concrete_fields) + list(User._meta.concrete_fields)
    cols = [f'{"k" if f.model is ApiKey else "u"}."{f.column}"' for f in fields]
    sql = (f"SELECT {', '.join(cols)} FROM {ApiKey._meta.db_table} k "
           f"JOIN {User._meta.db_table} u ON u.id = k.user_id WHERE k.prefix = %s AND k.revoked_at IS NULL")
    compiler = ApiKey.objects.none().query.get_compiler(connection.alias)
    converters = compiler.get_converters([f.get_col(f.model._meta.db_table) for f in fields])
    names = [f.attname for f in fields]
    n = len(ApiKey._meta.concrete_fields)
    return sql, compiler, converters, names[:n], names[n:]


def active_api_key(raw: str) -> ApiKey | None:
    """The unrevoked key for a raw key string, with its service user, or None.
    Compares hashes in constant time.

    Every agency-system request starts here, so the SQL is written once per
    process: compiling the equivalent `select_related(...).get()` costs the ORM
    several times what PostgreSQL spends answering it."""
    global _KEY_QUERY
    if not raw.startswith(KEY_PREFIX) or len(raw) < len(KEY_PREFIX) + KEY_PREFIX_LEN + 2:
        return None
    if _KEY_QUERY is None:
        _KEY_QUERY = _key_query()
    sql, compiler, converters, key_names, user_names = _KEY_QUERY
    with connection.cursor() as cursor:
        cursor.execute(sql, [raw[len(KEY_PREFIX):len(KEY_PREFIX) + KEY_PREFIX_LEN]])
        row = cursor.fetchone()
    if row is None:
        return None
    row = next(compiler.apply_converters([row], converters)) if converters else row
    key = ApiKey.from_db(connection.alias, key_names, row[:len(key_names)])
    if not hmac.compare_digest(key.key_hash, key_hash(raw)):
        return None
    user = User.from_db(connection.alias, user_names, row[len(key_names):])
    ApiKey._meta.get_field("user").set_cached_value(key, user)
    return key


def scorecard_agency_ids(user) -> set[int] | None:
    """Agencies whose scorecard the user may read; None means all (superuser)."""
    roles = roles_of(user)
    if roles.is_superuser:
        return None
    return set(roles.agency_ids | roles.center_agency_ids)


def scorecards(*, user, start: date, end: date, now: datetime) -> list[dict]:
    """Per agency: work orders received, answers given and answers on time in
    [start, end] (local days), and open overdue work orders now. One aggregate
    query over the work orders plus one for the agencies' names."""
    agency_ids = scorecard_agency_ids(user)
    lo = datetime.combine(start, time.min, tzinfo=SHANGHAI)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    received = Q(submitted_at__gte=lo, submitted_at__lt=hi)
    answered = Q(answered_at__gte=lo, answered_at__lt=hi)
    overdue = overdue_q(now)
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
