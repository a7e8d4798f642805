"""Presentation helpers shared by the work-order and case pages: the clock as a
reader sees it, and events told in words. No rules live here; the clock's
arithmetic is `workorders.deadlines`."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import deadlines
from ..models import CLOCK_RUNNING, EscalationStep, EventAction, ExtensionRequest, Reply, Status


def with_pending_extension(qs):
    """Annotate `_pending_extension`, which `WorkOrder.has_pending_extension`
    reads instead of asking once per row."""
    pending = ExtensionRequest.objects.filter(work_order=OuterRef("pk"),
                                              status=ExtensionRequest.Decision.PENDING)
    return qs.annotate(_pending_extension=Exists(pending))


def warm_calendar(cal: deadlines.WorkingCalendar, dates, today: date):
    """Load the calendar for every date a page will ask about, in two queries.

    Each lookup makes the calendar load up to (day + 21), so a walk over many
    days past the loaded range costs one query per day. Asking for the far
    end first and the near end second loads the whole span at once."""
    dates = [d for d in dates if d is not None] + [today]
    cal.day(max(dates) + timedelta(days=60))
    cal.day(min(dates) - timedelta(days=1))


def annotate_clock(rows, *, now: datetime, cal: deadlines.WorkingCalendar):
    """Set `days_left` on each running work order (negative: overdue by)."""
    rows = list(rows)
    if rows:
        warm_calendar(cal, [deadlines.local(r.due_at).date() for r in rows if r.due_at],
                      deadlines.local(now).date())
    for r in rows:
        r.days_left = (deadlines.working_days_left(r.due_at, now, cal)
                       if r.status in CLOCK_RUNNING and r.due_at else None)
        r.overdue = r.days_left is not None and r.due_at < now
        r.overdue_by = -r.days_left if r.overdue else 0
    return rows


RECEIPT_REASONS = {
    "same_day": lambda: _("It was submitted on a working day before close of business (%(cob)s), so it was received the same day."),
    "after_close": lambda: _("It was submitted after close of business (%(cob)s), so it counts as received on the next working day."),
    "non_working_day": lambda: _("It was submitted on a day that is not a working day (weekend or public holiday), so it counts as received on the next working day."),
    "restarted": lambda: _("The clock was started again on this day (the court reopened the work order after an answer)."),
}


def due_explanation(wo, *, now: datetime, cal: deadlines.WorkingCalendar, extensions=()):
    """Everything a reader needs to see why the work order is due when it is."""
    if not (wo.submitted_at and wo.receipt_date and wo.period_days is not None):
        return None
    warm_calendar(cal, [deadlines.local(wo.submitted_at).date(), wo.receipt_date,
                        wo.due_at and deadlines.local(wo.due_at).date()], deadlines.local(now).date())
    dl = deadlines.explain(wo.submitted_at, wo.receipt_date, wo.period_days, cal)
    cob = settings.CLOSE_OF_BUSINESS.strftime("%H:%M")
    extra = sum(e.days for e in extensions if e.status == ExtensionRequest.Decision.APPROVED)
    running = wo.status in CLOCK_RUNNING
    days_left = deadlines.working_days_left(wo.due_at, now, cal) if running and wo.due_at else None
    finished_at = wo.answered_at if wo.status in (Status.ANSWERED, Status.CLOSED) else None
    late_by = None
    if finished_at and wo.due_at and finished_at > wo.due_at:
        late_by = max(1, cal.working_days_between(deadlines.local(wo.due_at).date(),
                                                  deadlines.local(finished_at).date()))
    return {
        "submitted_at": dl.submitted_at,
        "receipt_date": dl.receipt_date,
        "reason": RECEIPT_REASONS[dl.receipt_reason]() % {"cob": cob},
        "reason_code": dl.receipt_reason,
        "working_days": dl.working_days,
        "base_days": dl.working_days - extra,
        "extension_days": extra,
        "counted_days": dl.counted_days,
        "exceptions": dl.exceptions,
        "due_at": wo.due_at or dl.due_at,
        "provisional": wo.due_provisional,
        "running": running,
        "days_left": days_left,
        "overdue": days_left is not None and wo.due_at < now,
        "overdue_by": -days_left if days_left is not None and days_left < 0 else 0,
        "finished_at": finished_at,
        "late_by": late_by,
        "cob": cob,
    }


def _when(value):
    dt = parse_datetime(value) if isinstance(value, str) else None
    if dt is None:
        return value
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


OUTCOMES = dict(Reply.Outcome.choices)
STEPS = dict(EscalationStep.choices)


def describe_event(e) -> list[str]:
    """The event's details, as short sentences for the timeline."""
    d, out = e.details or {}, []
    if d.get("reason"):
        out.append(_("Reason: %(text)s") % {"text": d["reason"]})
    if d.get("note"):
        out.append(_("Note: %(text)s") % {"text": d["note"]})
    if e.action == EventAction.SUBMITTED and d.get("due_at"):
        out.append(_("Due %(due)s") % {"due": _when(d["due_at"])})
    if d.get("old_due_at") and d.get("due_at"):
        out.append(_("Due date %(old)s → %(new)s") % {"old": _when(d["old_due_at"]), "new": _when(d["due_at"])})
    if e.action == EventAction.ESCALATION_RESCHEDULED and d.get("next_escalation_at"):
        out.append(_("Next escalation step %(old)s → %(new)s") % {
            "old": _when(d.get("old_next_escalation_at")) if d.get("old_next_escalation_at") else "—",
            "new": _when(d["next_escalation_at"])})
    if e.action in (EventAction.WARNED, EventAction.ESCALATED) and d.get("step"):
        # The step's label in the reader's language (details["step_label"] is the platform's).
        out.append(str(STEPS.get(d["step"], d.get("step_label", d["step"]))))
    if e.action == EventAction.ANSWERED and d.get("outcome"):
        out.append(_("Outcome: %(outcome)s") % {"outcome": OUTCOMES.get(d["outcome"], d["outcome"])})
        if d.get("on_time") is False:
            out.append(_("Answered after the due date"))
    if e.action == EventAction.EXTENSION_REQUESTED and d.get("days"):
        out.append(_("%(days)s more working days requested") % {"days": d["days"]})
    if e.action == EventAction.EXTENSION_APPROVED and d.get("days"):
        out.append(_("%(days)s working days added") % {"days": d["days"]})
    if e.action == EventAction.ATTACHMENT_ADDED and d.get("name"):
        out.append(d["name"])
    if d.get("batch") and e.action == EventAction.CREATED:
        out.append(_("Batch %(batch)s") % {"batch": d.get("batch_ref") or str(d["batch"])[:8]})
    return out


def with_descriptions(events):
    events = list(events)
    for e in events:
        e.lines = describe_event(e)
    return events


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"
