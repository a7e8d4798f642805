"""Display labels the dashboards and their exports use.

The msgids are the models' own, repeated here so that the dashboards' catalog
translates them even before the project-wide catalog does."""
from django.utils.translation import gettext_lazy as _

from agencies.models import WorkOrderType
from workorders.models import EscalationStep, EventAction, Status

TYPE_LABELS = {
    WorkOrderType.QUERY: _("Information query"),
    WorkOrderType.COORDINATION: _("Coordination"),
    WorkOrderType.COMPLEX: _("Difficult / complex"),
}
TYPES = list(TYPE_LABELS)

STEP_LABELS = {
    EscalationStep.NONE: _("Not escalated"),
    EscalationStep.WARNING: _("Due-today warning"),
    EscalationStep.OVERDUE: _("Step 1 — overdue"),
    EscalationStep.CENTER: _("Step 2 — center supervision"),
    EscalationStep.SUPERVISION: _("Step 3 — joint meeting"),
}

STATUS_LABELS = {
    Status.DRAFT: _("Draft"),
    Status.SUBMITTED: _("Submitted"),
    Status.SIGNED: _("In progress"),
    Status.RETURNED: _("Returned for supplement"),
    Status.ANSWERED: _("Answered"),
    Status.CLOSED: _("Closed"),
    Status.WITHDRAWN: _("Withdrawn"),
}

EVENT_LABELS = {
    EventAction.SUBMITTED: _("Submitted"),
    EventAction.SIGNED: _("Signed for"),
    EventAction.RETURNED: _("Returned for supplement"),
    EventAction.RESUBMITTED: _("Resubmitted"),
    EventAction.ANSWERED: _("Answered"),
    EventAction.REOPENED: _("Reopened"),
    EventAction.EXTENSION_REQUESTED: _("Extension requested"),
    EventAction.EXTENSION_APPROVED: _("Extension approved"),
    EventAction.EXTENSION_REFUSED: _("Extension refused"),
    EventAction.DEADLINE_RECOMPUTED: _("Deadline recomputed"),
}
HISTORY_ACTIONS = list(EVENT_LABELS)


def type_label(value) -> str:
    return str(TYPE_LABELS.get(value, value))


def step_label(value) -> str:
    return str(STEP_LABELS.get(value, value))


def status_label(value) -> str:
    return str(STATUS_LABELS.get(value, value))


def event_label(value) -> str:
    return str(EVENT_LABELS.get(value, value))
