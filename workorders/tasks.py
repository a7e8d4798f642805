import logging

from celery import shared_task

from .sweep import escalate_due

log = logging.getLogger(__name__)


@shared_task(name="workorders.escalate", ignore_result=True)
def escalate():
    """Beat runs this every ESCALATION_SWEEP_SECONDS; concurrent runs are safe."""
    result = escalate_due()
    return result.as_dict()
