"""The escalation sweep: fire every ladder rung that has fallen due.

Due rows are found by the partial index on `next_escalation_at` (open work
orders only) and claimed with FOR UPDATE SKIP LOCKED, so concurrent sweeps
never take the same row and an answer that commits first is never escalated
(its status no longer matches). Each batch writes, in one transaction, the
escalation records (unique per work order, step and deadline), the audit
events, the notifications (the outbox) and the advanced ladder position.
Cost follows the number of due rows, not the size of the table.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from agencies.models import AgencyMembership, CenterMembership
from agencies.selectors import agency_staff, center_parents, center_staff
from notifications.models import Notification
from notifications.services import kick_after_commit

from . import deadlines, escalation
from .models import (
    Escalation,
    EscalationStep,
    EventAction,
    WorkOrder,
    WorkOrderEvent,
    reference_for,
    running_q,
    running_sql,
)

log = logging.getLogger(__name__)
RETRY_AFTER = timedelta(minutes=5)


@dataclass
class SweepResult:
    escalations: int = 0
    work_orders: int = 0
    notifications: int = 0
    failed: int = 0
    batches: int = 0
    by_step: dict = field(default_factory=lambda: defaultdict(int))

    def as_dict(self):
        return {"escalations": self.escalations, "work_orders": self.work_orders,
                "notifications": self.notifications, "failed": self.failed, "batches": self.batches,
                "by_step": {EscalationStep(k).name.lower(): v for k, v in sorted(self.by_step.items())}}


class Recipients:
    """Who hears about each rung, looked up once per sweep."""

    def __init__(self):
        self._agency: dict[tuple[int, str], list] = {}
        self._center: dict[tuple[int, str], list] = {}
        self._parents = center_parents()
        self._told: dict[tuple, tuple] = {}

    def agency(self, agency_id, role):
        key = (agency_id, role)
        if key not in self._agency:
            self._agency[key] = agency_staff(agency_id, role)
        return self._agency[key]

    def center(self, center_id, role):
        key = (center_id, role)
        if key not in self._center:
            self._center[key] = center_staff(center_id, role, self._parents)
        return self._center[key]

    def for_step(self, step, agency_id, center_id):
        return [user for user, _role in self.with_roles(step, agency_id, center_id)]

    def told(self, step, agency_id, center_id) -> tuple[list, list[dict]]:
        """The people told about `step` and the event's record of them, built once
        per (step, agency, center): rows of one agency share them."""
        key = (step, agency_id, center_id)
        if key not in self._told:
            pairs = self.with_roles(step, agency_id, center_id)
            self._told[key] = ([u for u, _role in pairs], recipients_detail(pairs))
        return self._told[key]

    def with_roles(self, step, agency_id, center_id) -> list[tuple]:
        """(user, role code) of each person told about `step`, once each."""
        if step == EscalationStep.WARNING:
            role = AgencyMembership.Role.LIAISON
            return [(u, str(role)) for u in self.agency(agency_id, role)]
        if step == EscalationStep.OVERDUE:
            people = {}
            for role in (AgencyMembership.Role.LIAISON, AgencyMembership.Role.HEAD):
                for u in self.agency(agency_id, role):
                    people.setdefault(u.pk, (u, str(role)))
            return list(people.values())
        role = CenterMembership.Role.ADMIN if step == EscalationStep.CENTER else CenterMembership.Role.SUPERVISOR
        return [(u, str(role)) for u in self.center(center_id, role)]


# How many names an escalation event keeps (the count is always complete).
RECIPIENTS_LOGGED = 20


def recipients_detail(people) -> list[dict]:
    """Who was told, as the event keeps it: name and role code, first few."""
    return [{"name": u.get_full_name() or u.get_username(), "role": role}
            for u, role in people[:RECIPIENTS_LOGGED]]


def rungs_due(level: int, type_: str, due_at: datetime, now: datetime, cal) -> tuple[list[int], int]:
    """Steps to fire now and the level reached. When the sweep comes late and
    the work order is already overdue, the due-today warning is skipped."""
    steps = []
    while True:
        nxt = escalation.next_rung(level, type_, due_at, cal)
        if nxt is None or nxt[1] > now:
            break
        steps.append(nxt[0])
        level = nxt[0]
    if len(steps) > 1 and steps[0] == EscalationStep.WARNING:
        steps = steps[1:]
    return steps, level


class Messages:
    """Notification texts, translated once per sweep rather than once per row."""

    def __init__(self):
        self.titles = {
            EscalationStep.WARNING: _("%(ref)s is due today at %(due)s"),
            EscalationStep.OVERDUE: _("%(ref)s is overdue (due %(due)s)"),
            EscalationStep.CENTER: _("%(ref)s overdue at %(agency)s: on the center's supervision list"),
            EscalationStep.SUPERVISION: _("%(ref)s overdue at %(agency)s: put on the joint meeting agenda"),
        }
        self.labels = {step: str(EscalationStep(step).label) for step in self.titles}

    def title(self, step, row, agency_name, due_text):
        return self.titles[step] % {"ref": reference_for(row["id"]), "agency": agency_name, "due": due_text}

    @staticmethod
    def kind(step):
        return Notification.Kind.DUE_TODAY if step == EscalationStep.WARNING else Notification.Kind.ESCALATION


def escalate_due(*, now: datetime | None = None, batch_size: int = 500, max_batches: int | None = None,
                 after_batch=None) -> SweepResult:
    """Run the sweep until nothing is due. `after_batch(result)` is called after
    each committed batch (used by tests to simulate a crash)."""
    now = now or timezone.now()
    cal = deadlines.WorkingCalendar()
    recipients = Recipients()
    agencies = None
    result = SweepResult()
    with translation.override(settings.LANGUAGE_CODE):  # stored notices speak the platform language
        messages = Messages()
        while max_batches is None or result.batches < max_batches:
            if agencies is None:
                from agencies.models import Agency

                agencies = {a["pk"]: a for a in Agency.objects.values("pk", "name", "center_id")}
            claimed = _sweep_batch(now=now, cal=cal, recipients=recipients, agencies=agencies,
                                   messages=messages, batch_size=batch_size, result=result)
            if not claimed:
                break
            result.batches += 1
            if after_batch:
                after_batch(result)
            if claimed < batch_size:
                break
    if result.escalations:
        log.info("escalation sweep: %s", result.as_dict())
    return result


def _sweep_batch(*, now, cal, recipients, agencies, messages, batch_size, result) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # A batch lost in a crash is lost whole (rows, events, notices) and the next
            # sweep redoes it, so it need not wait for the WAL flush.
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        rows = _claim_due(now, batch_size)
        if not rows:
            return 0
        batch = _Batch()
        ladder = {}  # (level, type, due_at) -> (steps, level, next_at, ...): rows often share a deadline
        for row in rows:
            try:
                _plan_row(row, batch=batch, ladder=ladder, now=now, cal=cal, recipients=recipients,
                          agency=agencies[row["agency_id"]], messages=messages, result=result)
            except Exception:
                # One bad row must not stop the sweep: log it and look again later.
                log.exception("escalation of work order %s failed; retrying later", row["id"])
                batch.updates.append((row["id"], row["escalation_level"], now + RETRY_AFTER,
                                      row["escalation_level"]))
                result.failed += 1
        _write_batch(batch)
        result.notifications += len(batch.notes)
        return len(rows)


def _claim_due(now, batch_size) -> list[dict]:
    """Lock up to `batch_size` running rows whose next rung is due, skipping
    rows another sweep (or a user action) holds. Runs inside the batch's transaction."""
    return list(
        WorkOrder.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(running_q(), next_escalation_at__lte=now)
        .order_by("next_escalation_at")
        .values("id", "type", "subject", "due_at", "escalation_level", "agency_id")[:batch_size]
    )


@dataclass
class _Batch:
    """The rows one sweep batch inserts and updates, as plain tuples."""

    escalations: list = field(default_factory=list)
    events: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    updates: list = field(default_factory=list)


def _plan_row(row, *, batch, ladder, now, cal, recipients, agency, messages, result) -> None:
    """Add one claimed row's rungs (escalations, events, notices) and its new
    ladder position to `batch`."""
    key = (row["escalation_level"], row["type"], row["due_at"])
    if key not in ladder:
        steps, level = rungs_due(*key, now, cal)
        nxt = escalation.next_rung(level, row["type"], row["due_at"], cal)
        ladder[key] = (steps, level, nxt[1] if nxt else None,
                       deadlines.local(row["due_at"]).strftime("%Y-%m-%d %H:%M"),
                       deadlines.local(row["due_at"]).isoformat())
    steps, level, next_at, due_text, due_iso = ladder[key]
    for step in steps:
        people, detail = recipients.told(step, row["agency_id"], agency["center_id"])
        batch.escalations.append((row["id"], step, row["due_at"], now, len(people)))
        batch.events.append((row["id"], None, EventAction.WARNED if step == EscalationStep.WARNING
                             else EventAction.ESCALATED, "", "",
                             {"step": int(step), "step_label": messages.labels[step], "due_at": due_iso,
                              "notified": len(people), "recipients": detail}, now))
        title = messages.title(step, row, agency["name"], due_text)[:200]
        dedupe = f"esc:{row['id']}:{step}:{int(row['due_at'].timestamp())}"
        # Language-free, so each reader gets the notice in their language (notifications/rendering.py).
        params = {"msg": f"escalation_{int(step)}", "ref": reference_for(row["id"]),
                  "agency": agency["name"], "due": due_iso}
        for user in people:
            batch.notes.append((user.pk, messages.kind(step), row["id"], title, row["subject"], params, dedupe,
                                now, Notification.EmailStatus.PENDING if user.email
                                else Notification.EmailStatus.SKIPPED, 0, now, ""))
        result.by_step[step] += 1
    batch.updates.append((row["id"], level, next_at, row["escalation_level"]))
    result.escalations += len(steps)
    result.work_orders += 1


def _write_batch(batch: _Batch) -> None:
    _insert(Escalation, ["work_order_id", "step", "due_at", "fired_at", "notified"], batch.escalations)
    _insert(WorkOrderEvent, ["work_order_id", "actor_id", "action", "from_status", "to_status", "details",
                             "created_at"], batch.events)
    _insert(Notification, ["recipient_id", "kind", "work_order_id", "title", "body", "params", "dedupe_key",
                           "created_at", "email_status", "email_attempts", "email_next_attempt_at",
                           "email_error"], batch.notes, ignore_conflicts=True)
    _advance(batch.updates)
    if batch.notes:
        kick_after_commit()


def _insert(model, fields, rows, *, ignore_conflicts=False):
    """Multi-row INSERT of plain tuples: the sweep writes tens of thousands of
    rows and model instances would cost more than the database does."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, r))) for r in rows],
                                  ignore_conflicts=ignore_conflicts)
        return
    from psycopg2.extras import Json

    json_cols = {i for i, f in enumerate(fields) if f in ("details", "params")}
    columns = ", ".join(model._meta.get_field(f.removesuffix("_id")).column if f.endswith("_id")
                        else model._meta.get_field(f).column for f in fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cur:
        for start in range(0, len(rows), 1000):
            chunk = rows[start:start + 1000]
            sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES " + ", ".join([one] * len(chunk))
            if ignore_conflicts:
                sql += " ON CONFLICT DO NOTHING"
            cur.execute(sql, [Json(v) if i in json_cols else v for r in chunk for i, v in enumerate(r)])


def _advance(updates):
    """Move each claimed row to its new ladder position in one statement. The
    WHERE re-checks status and the old level."""
    if not updates:
        return
    table = WorkOrder._meta.db_table
    if connection.vendor == "postgresql":
        running, running_params = running_sql("w")
        values = ",".join(["(%s, %s, %s::timestamptz, %s)"] * len(updates))
        params = [v for row in updates for v in row]
        sql = (
            f"UPDATE {table} AS w SET escalation_level = v.level, next_escalation_at = v.next_at, "
            f"updated_at = now() FROM (VALUES {values}) AS v(id, level, next_at, old_level) "
            f"WHERE w.id = v.id AND w.escalation_level = v.old_level AND {running}"
        )
        with connection.cursor() as cur:
            cur.execute(sql, params + running_params)
        return
    for pk, level, next_at, old_level in updates:  # SQLite (embedded default): small volumes
        WorkOrder.objects.filter(running_q(), pk=pk, escalation_level=old_level).update(
            escalation_level=level, next_escalation_at=next_at, updated_at=timezone.now())
