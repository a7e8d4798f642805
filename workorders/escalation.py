"""The escalation ladder: when each rung falls due for a work order.

Rungs (defaults; tunable per type in EscalationRule):
  WARNING      09:00 on the due day        liaisons
  OVERDUE      due_at                      liaisons and the agency head
  CENTER       due_at + 1 working day      linkage-center admins (supervision list)
  SUPERVISION  due_at + 3 working days     supervisors (joint-meeting agenda)
The next rung's instant is stored on the work order (`next_escalation_at`), so
the sweep finds due rows with an index scan.
"""
from __future__ import annotations

from datetime import datetime, time

from . import deadlines
from .models import EscalationRule, EscalationStep

DEFAULT_RULE = {"warning_time": time(9, 0), "center_after_days": 1, "supervision_after_days": 3}


def rule_for(type_: str, cal: deadlines.WorkingCalendar) -> dict:
    rules = getattr(cal, "_escalation_rules", None)
    if rules is None:
        rules = {
            r["type"]: r for r in EscalationRule.objects.values(
                "type", "warning_time", "center_after_days", "supervision_after_days")
        }
        cal._escalation_rules = rules
    return rules.get(type_, DEFAULT_RULE)


def rung_at(step: int, type_: str, due_at: datetime, cal: deadlines.WorkingCalendar) -> datetime:
    rule = rule_for(type_, cal)
    due_date = deadlines.local(due_at).date()
    if step == EscalationStep.WARNING:
        return min(datetime.combine(due_date, rule["warning_time"], tzinfo=deadlines.SHANGHAI), due_at)
    if step == EscalationStep.OVERDUE:
        return due_at
    days = rule["center_after_days"] if step == EscalationStep.CENTER else rule["supervision_after_days"]
    return deadlines.close_of_business(cal.add_working_days(due_date, days))


def next_rung(level: int, type_: str, due_at: datetime, cal) -> tuple[int, datetime] | None:
    if level >= EscalationStep.SUPERVISION:
        return None
    step = level + 1
    return step, rung_at(step, type_, due_at, cal)


def reschedule(wo, *, cal=None) -> None:
    """Set `next_escalation_at` from the current level and due date, in memory;
    the caller saves. A new clock (resubmit, reopen) resets the level first.
    Stops the ladder when the clock is not running."""
    if not wo.clock_running or wo.due_at is None:
        wo.next_escalation_at = None
        return
    nxt = next_rung(wo.escalation_level, wo.type, wo.due_at, cal or deadlines.WorkingCalendar())
    wo.next_escalation_at = nxt[1] if nxt else None
