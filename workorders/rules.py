"""Edits to the tunable rules: deadline (SLA) policies and escalation rules.

Each write validates, changes the row and writes its `audit.AuditEntry`
(field old → new) in one transaction, like every other service.

- An SLA policy sets the period of *new* submissions: a running work order
  keeps the `period_days` it was given on receipt (extensions are added to it),
  so a policy edit moves no open deadline.
- An escalation rule sets when the rungs fall due. Editing it reschedules the
  open work orders of its type(s): each one whose next rung moved gets its new
  `next_escalation_at` and one `ESCALATION_RESCHEDULED` event, exactly as a
  calendar edit does (`services.deadlines_recompute`).
"""
from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.services import record_create, record_delete, record_update

from . import deadlines, escalation
from .models import EscalationRule, EventAction, SlaPolicy, WorkOrder

# ---------------------------------------------------------------- SLA policies


def sla_policy_create(*, actor, values: dict) -> SlaPolicy:
    return record_create(model=SlaPolicy, actor=actor, values=values)


def sla_policy_update(*, policy: SlaPolicy, actor, values: dict) -> SlaPolicy:
    return record_update(obj=policy, actor=actor, values=values)


def sla_policy_delete(*, policy: SlaPolicy, actor) -> None:
    record_delete(obj=policy, actor=actor)


# ---------------------------------------------------------------- escalation rules

@transaction.atomic
def escalation_rule_create(*, actor, values: dict) -> EscalationRule:
    rule = record_create(model=EscalationRule, actor=actor, values=values)
    escalation_ladder_reschedule(types={rule.type}, actor=actor)
    return rule


@transaction.atomic
def escalation_rule_update(*, rule: EscalationRule, actor, values: dict) -> EscalationRule:
    old_type = EscalationRule.objects.values_list("type", flat=True).get(pk=rule.pk)
    rule = record_update(obj=rule, actor=actor, values=values)
    escalation_ladder_reschedule(types={old_type, rule.type}, actor=actor)
    return rule


@transaction.atomic
def escalation_rule_delete(*, rule: EscalationRule, actor) -> None:
    """The type falls back to the default ladder."""
    type_ = rule.type
    record_delete(obj=rule, actor=actor)
    escalation_ladder_reschedule(types={type_}, actor=actor)


def escalation_ladder_reschedule(*, types, actor=None, now: datetime | None = None) -> int:
    """Recompute `next_escalation_at` for the open work orders of `types` under
    the current rules. Each row is locked and logged on its own; returns how
    many moved. Rungs already fired stay fired (the level is kept)."""
    from .services import _event  # the work-order log's single writer

    now = now or timezone.now()
    cal = deadlines.WorkingCalendar()  # fresh: reads the rules as they are now
    moved = 0
    pks = (WorkOrder.objects.running().filter(type__in=list(types))
           .order_by("pk").values_list("pk", flat=True))
    for pk in list(pks):
        with transaction.atomic():
            wo = WorkOrder.objects.select_for_update(of=("self",)).get(pk=pk)
            if not wo.clock_running:
                continue
            old = wo.next_escalation_at
            escalation.reschedule(wo, cal=cal)
            if wo.next_escalation_at == old:
                continue
            wo.save(update_fields=["next_escalation_at", "updated_at"])
            _event(wo, actor, EventAction.ESCALATION_RESCHEDULED, at=now, escalation_rule=wo.type,
                   old_next_escalation_at=old, next_escalation_at=wo.next_escalation_at)
            moved += 1
    return moved
