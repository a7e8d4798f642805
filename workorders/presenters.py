"""What the work-order and case pages show, computed from the domain: the clock
as a reader sees it, the due-date story, events told in words and the
work-order page's context. No rules live here; the clock's arithmetic is
`workorders.deadlines`, the lifecycle `workorders.transitions`."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.models import AgencyMembership, CenterMembership

from . import deadlines
from .access import allowed_actions, can_reveal_id
from .models import CLOCK_RUNNING, EscalationStep, EventAction, ExtensionRequest, Reply, Status, is_overdue
from .selectors import batches_for
from .transitions import Action


def warm_calendar(cal: deadlines.WorkingCalendar, dates, today: date):
    """Load the calendar for every date a page will ask about, in two queries.

    Each lookup makes the calendar load up to (day + 21), so a walk over many
    days past the loaded range costs one query per day. Asking for the far
    end first and the near end second loads the whole span at once."""
    dates = [d for d in dates if d is not None] + [today]
    cal.day(max(dates) + timedelta(days=60))
    cal.day(min(dates) - timedelta(days=1))


def annotate_clock(rows, *, now: datetime, cal: deadlines.WorkingCalendar):
    """Set `days_left` on each running work order (negative: overdue by), and
    `overdue_text`, the exact lateness in words."""
    rows = list(rows)
    if rows:
        warm_calendar(cal, [deadlines.local(r.due_at).date() for r in rows if r.due_at],
                      deadlines.local(now).date())
    for r in rows:
        running = r.status in CLOCK_RUNNING and r.due_at
        r.days_left = deadlines.working_days_left(r.due_at, now, cal) if running else None
        r.overdue = is_overdue(r.status, r.due_at, now)
        r.overdue_by = -r.days_left if r.overdue else 0
        r.overdue_text = deadlines.overdue_text(r.due_at, now, cal) if r.overdue else None
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
    overdue = is_overdue(wo.status, wo.due_at, now)
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
        "overdue": overdue,
        "overdue_by": -days_left if days_left is not None and days_left < 0 else 0,
        "overdue_text": deadlines.overdue_text(wo.due_at, now, cal) if overdue else None,
        "finished_at": finished_at,
        "late_by": late_by,
        "cob": cob,
    }


def extension_preview(wo, extension, *, now: datetime, cal: deadlines.WorkingCalendar) -> dict | None:
    """What approving `extension` would do: the new due instant (the clock's,
    as `extension_decide` computes it) and whether the work order would still
    be overdue at `now`."""
    if not (wo.receipt_date and wo.period_days is not None):
        return None
    new_due, provisional = deadlines.due_from_receipt(wo.receipt_date, wo.period_days + extension.days, cal)
    return {"due_at": new_due, "provisional": provisional, "still_overdue": new_due < now,
            "overdue_now": bool(wo.due_at and wo.due_at < now),
            "overdue_text": deadlines.overdue_text(new_due, now, cal)}


# ---------------------------------------------------------------- events

def _when(value):
    dt = parse_datetime(value) if isinstance(value, str) else None
    if dt is None:
        return value
    return date_format(timezone.localtime(dt), "Y-m-d H:i")


OUTCOMES = dict(Reply.Outcome.choices)
LADDER_EVENTS = (EventAction.ESCALATED, EventAction.WARNED)


def _rung_lines(d) -> list[str]:
    """An escalation event: which rung, and who was told. Events written before
    the sweep recorded names carry only the head count."""
    out = []
    try:
        out.append(str(EscalationStep(int(d.get("step"))).label))
    except (TypeError, ValueError):
        pass
    people = [p for p in d.get("recipients") or () if isinstance(p, dict)]
    if people:
        roles = {**dict(AgencyMembership.Role.choices), **dict(CenterMembership.Role.choices)}
        names = "、".join(_("%(name)s (%(role)s)") % {"name": p.get("name"), "role": roles[p["role"]]} if p.get("role") in roles else str(p.get("name"))
                         for p in people)
        more = d.get("notified", len(people)) - len(people)
        out.append(_("Notified: %(names)s") % {"names": names}
                   + (_(" and %(n)d more") % {"n": more} if more > 0 else ""))
    elif d.get("notified") is not None:
        out.append(_("%(n)d people notified") % {"n": d["notified"]} if d["notified"]
                   else _("Nobody to notify"))
    return out


def describe_event(e) -> list[str]:
    """The event's details, as short sentences for the timeline."""
    d, out = e.details or {}, []
    if e.action in LADDER_EVENTS:
        out.extend(_rung_lines(d))
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
    if e.action == EventAction.ANSWERED and d.get("outcome"):
        out.append(_("Outcome: %(outcome)s") % {"outcome": OUTCOMES.get(d["outcome"], d["outcome"])})
        if d.get("on_time") is False:
            out.append(_("Answered after the due date"))
    if e.action == EventAction.EXTENSION_REQUESTED and d.get("days"):
        out.append(_("%(days)s more working days requested") % {"days": d["days"]})
    if e.action == EventAction.EXTENSION_APPROVED and d.get("days"):
        out.append(_("%(days)s working days added") % {"days": d["days"]})
    if e.action in (EventAction.ATTACHMENT_ADDED, EventAction.ATTACHMENT_REMOVED) and d.get("name"):
        out.append(d["name"])
    if e.action == EventAction.RESUBMITTED and d.get("changed"):
        out.append(_("Changed: %(fields)s") % {"fields": "、".join(_field_label(f) for f in d["changed"])})
    if d.get("batch") and e.action == EventAction.CREATED:
        out.append(_("Batch %(batch)s") % {"batch": d.get("batch_ref") or str(d["batch"])[:8]})
    return out


def _field_label(name):
    return {"details": _("Details"), "respondent": _("Respondent")}.get(name, name)


def shows_status_change(e) -> bool:
    """An arrow to the new status only when the status moved and the action's
    own name does not already say it ("Submitted → Submitted")."""
    return bool(e.to_status and e.from_status != e.to_status
                and str(e.get_action_display()) != str(e.get_to_status_display()))


def with_descriptions(events):
    events = list(events)
    for e in events:
        e.lines = describe_event(e)
        e.status_change = shows_status_change(e)
    return events


# ---------------------------------------------------------------- the work-order page

def returned_reason(events):
    """The reason of the latest return, while the work order is returned."""
    for e in sorted(events, key=lambda e: (e.created_at, e.pk), reverse=True):
        if e.action == EventAction.RETURNED:
            return {"reason": (e.details or {}).get("reason", ""), "at": e.created_at, "actor": e.actor}
    return None


def work_order_page(user, wo, *, now: datetime | None = None) -> dict:
    """Everything the work-order page shows except the action forms, in a fixed
    number of queries. Sets `days_left`, `overdue`, `overdue_by` and
    `overdue_text` on `wo` for the clock badge."""
    now = now or timezone.now()
    attachments = list(wo.attachments.select_related("uploaded_by"))
    replies = list(wo.replies.select_related("answered_by"))
    for reply in replies:
        reply.files = [a for a in attachments if a.reply_id == reply.pk]
    extensions = list(wo.extensions.select_related("requested_by", "decided_by"))
    wo._pending_extension = any(e.status == ExtensionRequest.Decision.PENDING for e in extensions)
    allowed = allowed_actions(user, wo)
    cal = deadlines.WorkingCalendar()
    warm_calendar(cal, [wo.submitted_at and deadlines.local(wo.submitted_at).date(), wo.receipt_date,
                        wo.due_at and deadlines.local(wo.due_at).date()], deadlines.local(now).date())
    pending = next((e for e in extensions if e.status == ExtensionRequest.Decision.PENDING), None)
    if pending is not None:
        pending.preview = extension_preview(wo, pending, now=now, cal=cal)
        pending.new_due = pending.preview["due_at"] if pending.preview else None
    due = due_explanation(wo, now=now, cal=cal, extensions=extensions)
    wo.days_left = due["days_left"] if due else None
    wo.overdue, wo.overdue_by = bool(due and due["overdue"]), due["overdue_by"] if due else 0
    wo.overdue_text = due["overdue_text"] if due else None
    events = with_descriptions(wo.events.select_related("actor"))
    return {
        "wo": wo, "case": wo.case, "now": now, "allowed": allowed, "can_edit": Action.EDIT in allowed,
        "can_delete_draft": Action.EDIT in allowed and wo.submitted_at is None,
        "request_files": [a for a in attachments if a.reply_id is None],
        "replies": replies, "extensions": extensions,
        "pending_extension": pending,
        "events": events,
        "returned": returned_reason(events) if wo.status == Status.RETURNED else None,
        "can_reveal": can_reveal_id(user, wo),
        "can_open_batch": bool(wo.batch_id) and batches_for(user).filter(pk=wo.batch_id).exists(),
        "due": due,
    }
